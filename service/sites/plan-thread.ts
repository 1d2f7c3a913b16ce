/**
 * A plan thread (plan-threads.ts): computes each plan it is sent and
 * answers with the plan or the error.
 */
import { parentPort } from "node:worker_threads";
import { computePlan } from "./plan-compute.js";
import type { PlanReply, PlanTask } from "./plan-threads.js";

const port = parentPort;
if (port === null) throw new Error("plan-thread.js runs as a worker thread (plan-threads.ts)");
port.on("message", (task: PlanTask) => {
  let reply: PlanReply;
  try {
    reply = { id: task.id, ok: true, plan: computePlan(task.input) };
  } catch (error) {
    reply = { id: task.id, ok: false, message: error instanceof Error ? error.message : String(error), stack: (error as Error).stack };
  }
  port.postMessage(reply);
});
