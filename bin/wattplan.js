#!/usr/bin/env node
// Runs the compiled CLI (npm ci builds it through the `prepare` script):
// the esbuild bundle of its engine path, with V8's code cache, when it is at
// least as new as tsc's output (service/cli/bundle-file.ts and
// bundle-loader.ts say why they exist), tsc's modules otherwise.
//
// CommonJS (bin/package.json), unlike the rest of the package: an ES-module
// entry point costs ~10 ms of Node's loader before the first line runs, and
// the bundle's path needs none (bench/RESULTS.md §9).
"use strict";
const { existsSync, statSync } = require("node:fs");
const { join } = require("node:path");
const { pathToFileURL } = require("node:url");

const dist = join(__dirname, "..", "dist", "service", "cli");
const compiled = join(dist, "main.js");
const bundled = join(dist, "bundle", "main.cjs");
if (!existsSync(compiled)) {
  process.stderr.write("wattplan: not built yet; run `npm run build` (npm ci does it)\n");
  process.exit(1);
}
const mtime = (path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? -1;

const setExitCode = (code) => {
  process.exitCode = code;
};

if (mtime(bundled) >= mtime(compiled)) {
  const { main } = require(join(dist, "bundle-loader.js")).loadCliBundle();
  const code = main(process.argv.slice(2));
  if (typeof code === "number") setExitCode(code);
  else void code.then(setExitCode);
} else {
  void import(pathToFileURL(compiled).href).then(async ({ main }) => setExitCode(await main(process.argv.slice(2))));
}
