/**
 * The CLI's modules that load on use: the long-running commands and the
 * chart writer. They are imported here, in a module of tsc's, and not in
 * main.ts, because main.ts also runs as the CommonJS bundle that the V8 code
 * cache needs (service/cli/bundle-loader.ts): an `import()` written in that
 * bundle would need Node's experimental vm module loader, one written here is
 * an ordinary ES import. The bundle shares this module with tsc's output
 * rather than copying it (service/cli/bundle-file.ts, `SHARED`).
 */
export const lazyModules = {
  serve: () => import("./serve.js"),
  keys: () => import("./keys.js"),
  demo: () => import("./demo.js"),
  simulate: () => import("./simulate-command.js"),
  replay: () => import("./replay-command.js"),
  chart: () => import("../charts/chart-file.js"),
};
