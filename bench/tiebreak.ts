/**
 * `npm run bench:tiebreak`: what spec §10's tie-break costs the optimal
 * strategy, against `tieBreak: "none"` on the same requests in the same run
 * (the bench's generators at 1000×96, three seeds each, and the real-data
 * family). Prints per request the times, iterations and what the tie-break
 * did, and the median ratio.
 */
import { solve } from "../engine/scheduler/solve.js";
import { RequestSchema, type RequestInput } from "../engine/model/schema.js";
import { GENERATORS, GENERATOR_NAMES } from "../testkit/generators/index.js";

const SESSIONS = Number(process.env.SESSIONS ?? 1000);
const SLOTS = 96;
const SEEDS = [1, 2, 3];

function timed(input: RequestInput, tieBreak: "none" | "earliest") {
  const request = RequestSchema.parse({ ...input, solverOptions: { ...input.solverOptions, tieBreak } });
  const t0 = performance.now();
  const r = solve(request, { strategy: "optimal" });
  return { ms: performance.now() - t0, iterations: r.solver.iterations, status: r.status, tie: r.solver.tieBreak, total: r.cost.total };
}

const ratios: number[] = [];
const outcomes = new Map<string, number>();
console.log(`request\tnone ms\tearliest ms\tratio\titerations none/earliest\ttie-break\tstatus`);
for (const name of GENERATOR_NAMES) {
  for (const seed of SEEDS) {
    const input = GENERATORS[name]({ sessions: SESSIONS, slots: SLOTS, seed });
    timed(input, "none"); // warm-up: the first solve of a size grows the WASM memory
    const off = timed(input, "none");
    const on = timed(input, "earliest");
    ratios.push(on.ms / off.ms);
    outcomes.set(on.tie ?? "?", (outcomes.get(on.tie ?? "?") ?? 0) + 1);
    console.log(
      `${name} ${SESSIONS}×${SLOTS} seed ${seed}\t${off.ms.toFixed(0)}\t${on.ms.toFixed(0)}\t${(on.ms / off.ms).toFixed(2)}\t${off.iterations}/${on.iterations}\t${on.tie}\t${on.status}`,
    );
  }
}
ratios.sort((a, b) => a - b);
console.log(
  `median time ratio earliest ÷ none: ${ratios[Math.floor(ratios.length / 2)].toFixed(2)} (max ${ratios[ratios.length - 1].toFixed(2)}); tie-break: ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(", ")}`,
);
