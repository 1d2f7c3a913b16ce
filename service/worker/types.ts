/** What crosses between the queue, the worker and its processor threads. */

/** BullMQ job data: only the id (the request lives under its own key). */
export interface JobData {
  id: string;
}

/** What the processor returns (kept small: BullMQ stores it in the job). */
export interface JobOutcome {
  id: string;
  status: string;
  solveMs?: number;
  errorCode?: string;
  /** True when the job was already final (canceled, timed out, done by an earlier attempt). */
  skipped: boolean;
}

/** Handed to each processor thread as workerData. */
export interface ProcessorContext {
  redisUrl: string;
  prefix: string;
  retentionSeconds: number;
  jobTimeoutMs: number;
  testSolveDelayMs: number;
}
