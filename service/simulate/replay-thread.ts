/** A replay thread (replay-threads.ts): replays each strategy and capacity it is sent. */
import { serveTasks } from "../threads.js";
import { prepareReplay, replayStrategy, type PreparedReplay, type ReplayTask } from "./run.js";
import type { ThreadedReplay } from "./replay-threads.js";

// One `simulate` sends every task the same configuration: prepare it once.
let prepared: { key: string; replay: PreparedReplay } | undefined;

serveTasks("replay-thread.js", (task: ReplayTask): ThreadedReplay => {
  const key = JSON.stringify(task.config);
  if (prepared?.key !== key) prepared = { key, replay: prepareReplay(task.config) };
  const lines: string[] = [];
  const { metrics, run } = replayStrategy(prepared.replay, task.config, task.capacityKw, task.strategy, (line) => lines.push(line));
  return { metrics, lines, ...(task.keepRun && { run }) };
});
