#!/usr/bin/env node
// Runs the compiled CLI (npm ci builds it through the `prepare` script):
// the esbuild bundle of its engine path, with V8's code cache, when it is at
// least as new as tsc's output (service/cli/bundle-file.ts and
// bundle-loader.ts say why they exist), tsc's modules otherwise.
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const compiled = new URL("../dist/service/cli/main.js", import.meta.url);
const bundled = new URL("../dist/service/cli/bundle/main.cjs", import.meta.url);
if (!existsSync(fileURLToPath(compiled))) {
  process.stderr.write("wattplan: not built yet; run `npm run build` (npm ci does it)\n");
  process.exit(1);
}
const mtime = (url) => statSync(fileURLToPath(url), { throwIfNoEntry: false })?.mtimeMs ?? -1;
const { main } =
  mtime(bundled) >= mtime(compiled)
    ? await (await import(new URL("../dist/service/cli/bundle-loader.js", import.meta.url).href)).loadCliBundle()
    : await import(compiled.href);
const code = await main(process.argv.slice(2));
process.exitCode = code;
