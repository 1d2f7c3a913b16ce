/**
 * `simulate --jobs N`: the worker threads that run one strategy's replay
 * at one capacity each (replay-thread.ts), so that a sweep uses every core.
 * A thread prepares the replay from the configuration itself, once for all
 * the replays it is sent, and answers with the metrics (and the run where
 * the plots need it). The threads load the compiled modules (`npm run build`).
 */
import { ThreadPool, compiledThreadEntry } from "../threads.js";
import type { ReplayTask, StrategyReplay } from "./run.js";

/** What a replay thread answers: the replay, and the lines it would have logged. */
export interface ThreadedReplay extends StrategyReplay {
  lines: string[];
}

export function replayThreadPath(): string {
  return compiledThreadEntry("service/simulate/replay-thread", "simulate --jobs");
}

export class ReplayThreads extends ThreadPool<ReplayTask, ThreadedReplay> {
  constructor(size: number) {
    super(size, replayThreadPath(), "replay thread");
  }
}
