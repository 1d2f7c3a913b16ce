// Lint: typescript-eslint's recommended rules, and the layers (README
// "Project layout"): engine → product → tools, never the other way.
import js from "@eslint/js";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import importX from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

/** Each layer, and what it must never import. */
const LAYERS = [
  {
    target: "./engine",
    from: ["./service", "./bench", "./testkit", "./test"],
    message: "the engine (model, compile, scheduler host) imports nothing above it",
  },
  { target: "./service", from: ["./bench", "./testkit", "./test"], message: "the product never imports tools (bench, testkit, tests)" },
  { target: "./testkit", from: ["./bench", "./test"], message: "test support is shared by tests and bench and imports neither" },
  { target: "./bench", from: ["./test"], message: "the bench takes shared test support from testkit/, not from test/" },
];

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "dist/",
      "build/",
      "out/",
      "bench/out/",
      "assembly/**",
      "!assembly/layout.ts",
      "**/*.js",
      "**/*.mjs",
      "!eslint.config.js",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    plugins: { "import-x": importX },
    settings: { "import-x/resolver-next": [createTypeScriptImportResolver()] },
    rules: {
      "import-x/no-restricted-paths": [
        "error",
        {
          zones: [
            ...LAYERS,
            // The scheduler's TypeScript side reads only the flat boundary.
            { target: ".", from: "./assembly", except: ["./layout.ts"], message: "only assembly/layout.ts is shared with TypeScript" },
          ],
        },
      ],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "no-restricted-syntax": [
        "error",
        {
          // zod's `z` export is its whole namespace object: esbuild then keeps and runs all of zod in the
          // CLI bundle (362 against 219 KB, ~5 ms of a small solve's start; bench/RESULTS.md §9).
          selector: "ImportDeclaration[source.value='zod'] > ImportSpecifier[imported.name='z']",
          message: 'import * as z from "zod", so that the CLI bundle keeps only the parts of zod it uses',
        },
      ],
    },
  },
  {
    // No I/O in the engine: the host reads only its own WASM module.
    files: ["engine/**/*.ts"],
    ignores: ["engine/paths.ts", "engine/scheduler/wasm.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex:
                "^(node:)?(fs|fs/promises|net|http|https|http2|dgram|child_process|worker_threads)$|^(ioredis|bullmq|fastify|pg|undici)",
              message: "the engine does no I/O; the product around it does",
            },
          ],
        },
      ],
    },
  },
);
