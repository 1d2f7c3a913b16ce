/**
 * `wattplan`: the command line. Exit 0 on success, 2 for invalid input or
 * usage (message on stderr, nothing on stdout), 1 for anything else.
 *
 * Only what `solve`, `validate` and `strategies` need is imported here; the
 * service (Fastify, BullMQ, pg), the simulator and charts (vega, resvg) are
 * loaded by the commands and flags that use them, through ./lazy.js, and
 * OCPP with `import()` (a part of the bundle that runs on use; docs/api.md,
 * "CLI start-up"; bench/startup.ts measures it).
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { validateRequest, formatProblems } from "../../engine/model/validate.js";
import { STRATEGY_NAMES, type StrategyName } from "../../engine/model/schema.js";
import { solve } from "../../engine/scheduler/solve.js";
import { strategyList } from "../../engine/scheduler/strategies.js";
import { WattplanError } from "../../engine/errors.js";
import { EXIT, UsageError, readJsonInput } from "./io.js";
import { OCPP_CLI_OPTIONS, OCPP_CLI_USAGE, ocppOptionsFromFlags } from "./ocpp-options.js";
import { SERVICE_USAGE } from "./usage.js";
import { lazyModules } from "./lazy.js";

const USAGE = `Usage: wattplan <command> [options]

Commands:
  solve FILE|-  [--strategy NAME] [--compact] [--chart OUT.svg]
                                                solve a request, print the response JSON (and chart it)
  validate FILE|-                               check a request; exit 2 with the problems when invalid
  strategies                                    list the strategies
  simulate [options]                            replay real sessions against strategies (simulate --help)
  replay [options]                              drive a live site through the HTTP API with real sessions (replay --help)

Strategies: ${STRATEGY_NAMES.join(", ")}
OCPP: solve FILE ${OCPP_CLI_USAGE} adds "ocpp": SetChargingProfile messages (docs/ocpp.md)
Exit codes: 0 success, 2 invalid input or usage, 1 internal failure.`;

type Command = (args: string[]) => number | Promise<number>;

function isStrategy(name: string): name is StrategyName {
  return (STRATEGY_NAMES as readonly string[]).includes(name);
}

function parse(args: string[], options: NonNullable<ParseArgsConfig["options"]>) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function oneInput(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`${command} takes one input: a file path, or - for stdin`);
  return positionals[0];
}

function validatedRequest(source: string) {
  const result = validateRequest(readJsonInput(source));
  if (!result.ok) throw new UsageError(`invalid request:\n${formatProblems(result.problems)}`);
  return result.request;
}

const solveCommand: Command = async (args) => {
  const { values, positionals } = parse(args, {
    strategy: { type: "string", short: "s" },
    compact: { type: "boolean" },
    ...OCPP_CLI_OPTIONS,
    chart: { type: "string" },
  });
  const ocpp = ocppOptionsFromFlags(values);
  const request = validatedRequest(oneInput(positionals, "solve"));
  const strategy = values.strategy;
  if (typeof strategy === "string" && !isStrategy(strategy)) {
    throw new UsageError(`--strategy: unknown strategy "${strategy}" (one of ${STRATEGY_NAMES.join(", ")})`);
  }
  const solved = solve(request, { strategy: strategy as StrategyName | undefined });
  const response = ocpp === undefined ? solved : (await import("./ocpp-output.js")).withOcpp(request, solved, ocpp);
  if (typeof values.chart === "string") (await lazyModules.chart()).writeScheduleChart(values.chart, request, response);
  process.stdout.write(JSON.stringify(response, null, values.compact ? undefined : 2) + "\n");
  return EXIT.ok;
};

const validateCommand: Command = (args) => {
  const { positionals } = parse(args, {});
  const result = validateRequest(readJsonInput(oneInput(positionals, "validate")));
  if (!result.ok) throw new UsageError(`invalid request:\n${formatProblems(result.problems)}`);
  const r = result.request;
  process.stdout.write(
    `valid: ${r.sessions.length} sessions, ${r.horizon.slots} slots of ${r.horizon.slotMinutes} min, ${r.circuits.length} circuits\n`,
  );
  return EXIT.ok;
};

const strategiesCommand: Command = () => {
  for (const s of strategyList()) process.stdout.write(`${s.name.padEnd(13)} ${s.summary}\n`);
  return EXIT.ok;
};

export const COMMANDS: Record<string, Command> = {
  solve: solveCommand,
  validate: validateCommand,
  strategies: strategiesCommand,
  serve: async (args) => (await lazyModules.serve()).serveCommand(args),
  api: async (args) => (await lazyModules.serve()).apiCommand(args),
  worker: async (args) => (await lazyModules.serve()).workerCommand(args),
  keys: async (args) => (await lazyModules.keys()).keysCommand(args),
  demo: async (args) => (await lazyModules.demo()).demoCommand(args),
  simulate: async (args) => (await lazyModules.simulate()).simulateCommand(args),
  replay: async (args) => (await lazyModules.replay()).replayCommand(args),
};

export function main(argv: string[]): number | Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    // Asked-for help is output; help for a missing command is a usage error, on stderr.
    (name === undefined ? process.stderr : process.stdout).write(`${USAGE}\n\n${SERVICE_USAGE}\n`);
    return name === undefined ? EXIT.invalid : EXIT.ok;
  }
  const command = COMMANDS[name];
  try {
    if (!command) throw new UsageError(`unknown command "${name}"\n\n${USAGE}`);
    const code = command(rest);
    return typeof code === "number" ? code : code.catch((error: unknown) => failed(name, error));
  } catch (error) {
    return failed(name, error);
  }
}

function failed(name: string, error: unknown): number {
  if (error instanceof UsageError) {
    process.stderr.write(`wattplan ${name}: ${error.message}\n`);
    return EXIT.invalid;
  }
  if (error instanceof WattplanError && error.statusCode < 500) {
    process.stderr.write(`wattplan ${name}: ${error.code}: ${error.message}\n`);
    return EXIT.invalid;
  }
  process.stderr.write(`wattplan ${name}: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT.failure;
}
