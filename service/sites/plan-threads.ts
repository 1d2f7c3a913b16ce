/**
 * A fixed pool of worker threads that compute live-site plans
 * (plan-compute.ts), so that plans of different sites solve on every core
 * while the main thread keeps the API, the queues and PostgreSQL. Each
 * thread computes one plan at a time; plans wait in order for a free one.
 * A thread that dies fails the plan it held (the plan job is retried) and
 * is replaced. The threads load the compiled module (`npm run build`), as
 * the job API's sandboxed processor does.
 */
import { existsSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { packagePath } from "../../engine/paths.js";
import type { ComputedPlan, PlanInput } from "./plan-compute.js";

/** The compiled thread entry (TS sources cannot be loaded in a plain worker thread). */
export function planThreadPath(): string {
  const path = packagePath("dist", "service", "sites", "plan-thread.js");
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first`);
  return path;
}

/** A message to a plan thread. */
export interface PlanTask {
  id: number;
  input: PlanInput;
}

/** A plan thread's answer. */
export type PlanReply = { id: number; ok: true; plan: ComputedPlan } | { id: number; ok: false; message: string; stack?: string };

interface Pending {
  task: PlanTask;
  resolve: (plan: ComputedPlan) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  busy?: Pending;
}

export class PlanThreads {
  private readonly slots: Slot[] = [];
  private readonly waiting: Pending[] = [];
  private serial = 0;
  private closed = false;

  /** @param size threads (≥ 1) */
  constructor(
    readonly size: number,
    private readonly entry: string = planThreadPath(),
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`plan threads: size must be an integer ≥ 1, not ${size}`);
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  /** Compute a plan in the next free thread. */
  run(input: PlanInput): Promise<ComputedPlan> {
    if (this.closed) return Promise.reject(new Error("plan threads are closed"));
    return new Promise((resolve, reject) => {
      this.waiting.push({ task: { id: ++this.serial, input }, resolve, reject });
      this.dispatch();
    });
  }

  /** Stop every thread; plans still waiting or running fail. */
  async close(): Promise<void> {
    this.closed = true;
    const gone = new Error("plan threads closed");
    for (const p of this.waiting.splice(0)) p.reject(gone);
    await Promise.all(
      this.slots.map(async (slot) => {
        slot.busy?.reject(gone);
        slot.busy = undefined;
        await slot.worker.terminate();
      }),
    );
  }

  private spawn(): Slot {
    const worker = new Worker(this.entry);
    const slot: Slot = { worker };
    worker.on("message", (reply: PlanReply) => {
      const pending = slot.busy;
      if (pending === undefined || pending.task.id !== reply.id) return;
      slot.busy = undefined;
      if (reply.ok) pending.resolve(reply.plan);
      else pending.reject(Object.assign(new Error(reply.message), reply.stack !== undefined && { stack: reply.stack }));
      this.dispatch();
    });
    let dead = false;
    // A crash emits 'error' then 'exit': replace the thread once.
    const lost = (error: Error) => {
      if (dead) return;
      dead = true;
      const pending = slot.busy;
      slot.busy = undefined;
      pending?.reject(error);
      if (this.closed) return;
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots[i] = this.spawn();
      this.dispatch();
    };
    worker.on("error", lost);
    worker.on("exit", (code) => lost(new Error(`plan thread exited (code ${code})`)));
    // An idle pool never keeps the process alive.
    worker.unref();
    return slot;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.waiting.length === 0) return;
      if (slot.busy !== undefined) continue;
      const next = this.waiting.shift()!;
      slot.busy = next;
      slot.worker.postMessage(next.task);
    }
  }
}
