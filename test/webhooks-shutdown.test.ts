import { spawn, type ChildProcess } from "node:child_process";
import { createServer, connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { buildEventPayload, createWebhookDispatcher, generateWebhookSecret } from "../service/webhooks/index.js";
import { startReceiver, waitFor, type Receiver } from "./webhooks-helpers.js";

// This test kills Redis, so it runs its own redis-server on a free port.
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

let redis: ChildProcess | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  if (redis?.exitCode === null && redis.signalCode === null) redis.kill("SIGKILL");
  redis = undefined;
  await receiver?.close();
});

describe("shutdown", () => {
  it("closes the worker and the dispatcher even when Redis has gone away mid-attempt", async () => {
    const port = await freePort();
    redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    await waitFor(() => answers(port), Boolean, 10_000);

    receiver = await startReceiver(() => ({ hang: true }));
    const errors: Error[] = [];
    const dispatcher = createWebhookDispatcher({
      connection: { host: "127.0.0.1", port },
      prefix: "wh-shutdown",
      secretsFor: () => [generateWebhookSecret()],
      allowCidrs: ["127.0.0.1/32"],
      attemptTimeoutMs: 60_000,
      onError: (e) => errors.push(e),
    });
    dispatcher.startWorker({ closeTimeoutMs: 200 });
    const payload = buildEventPayload({
      type: "optimization.failed",
      optimizationId: "opt_1",
      links: {},
      error: { code: "ERR_SCHEDULER_FAILED", message: "boom" },
    });
    await dispatcher.enqueue({ tenantId: "t", optimizationId: "opt_1", url: receiver.url(), type: payload.type, payload });
    await waitFor(
      async () => receiver!.requests.length,
      (n) => n === 1,
    );

    redis.kill("SIGKILL");
    await waitFor(
      async () => redis!.signalCode,
      (s) => s === "SIGKILL",
    );
    let closed = false;
    await dispatcher.close().then(() => (closed = true)); // the test timeout is the hang guard
    expect(closed).toBe(true);

    await expect(
      dispatcher.enqueue({ tenantId: "t", optimizationId: "opt_1", url: receiver.url(), type: payload.type, payload }),
    ).rejects.toThrow(/closed/);
  });
});
