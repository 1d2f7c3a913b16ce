/**
 * A fixed pool of worker threads that each run one task at a time, tasks
 * waiting in order for a free thread: the live sites' plans
 * (sites/plan-threads.ts) and `simulate --jobs` (simulate/replay-threads.ts)
 * use it to solve on every core. A thread that dies fails the task it held
 * and is replaced. Threads load compiled modules (`npm run build`): a plain
 * worker thread cannot load the TS sources.
 *
 * The thread side is {@link serveTasks}; the messages between the two are
 * {@link ThreadTask} and {@link ThreadReply}.
 */
import { existsSync } from "node:fs";
import { parentPort, Worker } from "node:worker_threads";
import { packagePath } from "../engine/paths.js";

/** The compiled module `dist/<source>.js` a thread runs; an error that says to build when it is missing. */
export function compiledThreadEntry(source: string, usedBy: string): string {
  const path = packagePath("dist", ...source.split("/")) + ".js";
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first (${usedBy} runs the compiled module)`);
  return path;
}

/** A message to a thread. */
export interface ThreadTask<I> {
  id: number;
  input: I;
}

/** A thread's answer. */
export type ThreadReply<O> = { id: number; ok: true; output: O } | { id: number; ok: false; message: string; stack?: string };

interface Pending<I, O> {
  task: ThreadTask<I>;
  resolve: (output: O) => void;
  reject: (error: Error) => void;
}

interface Slot<I, O> {
  worker: Worker;
  busy?: Pending<I, O>;
}

export class ThreadPool<I, O> {
  private readonly slots: Slot<I, O>[] = [];
  private readonly waiting: Pending<I, O>[] = [];
  private serial = 0;
  private closed = false;

  /**
   * @param size threads (≥ 1)
   * @param entry the compiled module each thread runs (it calls serveTasks)
   * @param name what a thread is called in errors ("plan thread")
   */
  constructor(
    readonly size: number,
    private readonly entry: string,
    private readonly name: string,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`${name}s: size must be an integer ≥ 1, not ${size}`);
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  /** Run a task in the next free thread. */
  run(input: I): Promise<O> {
    if (this.closed) return Promise.reject(new Error(`${this.name}s are closed`));
    return new Promise((resolve, reject) => {
      this.waiting.push({ task: { id: ++this.serial, input }, resolve, reject });
      this.dispatch();
    });
  }

  /** Stop every thread; tasks still waiting or running fail. */
  async close(): Promise<void> {
    this.closed = true;
    const gone = new Error(`${this.name}s closed`);
    for (const p of this.waiting.splice(0)) p.reject(gone);
    await Promise.all(
      this.slots.map(async (slot) => {
        slot.busy?.reject(gone);
        slot.busy = undefined;
        await slot.worker.terminate();
      }),
    );
  }

  private spawn(): Slot<I, O> {
    const worker = new Worker(this.entry);
    const slot: Slot<I, O> = { worker };
    worker.on("message", (reply: ThreadReply<O>) => {
      const pending = slot.busy;
      if (pending === undefined || pending.task.id !== reply.id) return;
      slot.busy = undefined;
      worker.unref();
      if (reply.ok) pending.resolve(reply.output);
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
    worker.on("exit", (code) => lost(new Error(`${this.name} exited (code ${code})`)));
    // An idle pool never keeps the process alive; a busy thread does (dispatch).
    worker.unref();
    return slot;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.waiting.length === 0) return;
      if (slot.busy !== undefined) continue;
      const next = this.waiting.shift()!;
      slot.busy = next;
      slot.worker.ref();
      slot.worker.postMessage(next.task);
    }
  }
}

/**
 * The thread side: answer every task with `handle`'s output or its error.
 * `name` is what the module is called when it is not run as a thread.
 */
export function serveTasks<I, O>(name: string, handle: (input: I) => O): void {
  const port = parentPort;
  if (port === null) throw new Error(`${name} runs as a worker thread (service/threads.ts)`);
  port.on("message", (task: ThreadTask<I>) => {
    let reply: ThreadReply<O>;
    try {
      reply = { id: task.id, ok: true, output: handle(task.input) };
    } catch (error) {
      reply = { id: task.id, ok: false, message: error instanceof Error ? error.message : String(error), stack: (error as Error).stack };
    }
    port.postMessage(reply);
  });
}
