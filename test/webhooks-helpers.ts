import { randomBytes } from "node:crypto";
import { deleteKeysWithPrefix } from "../service/redis.js";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export const REDIS = { host: "127.0.0.1", port: 6379 } as const;

/** A BullMQ prefix no other test uses. */
export function uniquePrefix(name: string): string {
  return `wh-test-${name}-${process.pid}-${randomBytes(4).toString("hex")}`;
}

/** Delete every key under the prefix (queue and delivery records). */
export function deletePrefix(prefix: string): Promise<number> {
  return deleteKeysWithPrefix(REDIS, prefix);
}

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body, as signed. */
  body: string;
  at: number;
}

/** What the receiver answers; `hang` never answers (until the receiver closes). */
export type Reply = { status: number; headers?: Record<string, string> } | { hang: true };
export type Handler = (request: Received, index: number) => Reply;

/** A real HTTP receiver on 127.0.0.1 that records raw requests. */
export interface Receiver {
  readonly port: number;
  readonly requests: Received[];
  url(path?: string): string;
  handler: Handler;
  /** Stop listening (the port then refuses connections). */
  down(): Promise<void>;
  /** Listen again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(handler: Handler = () => ({ status: 204 })): Promise<Receiver> {
  const requests: Received[] = [];
  let server: Server | undefined;
  let port = 0;
  const receiver: Receiver = {
    get port() {
      return port;
    },
    requests,
    handler,
    url: (path = "/hook") => `http://127.0.0.1:${port}${path}`,
    async down() {
      const s = server;
      server = undefined;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    async up() {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          const received: Received = {
            path: req.url ?? "",
            headers: req.headers,
            body: Buffer.concat(chunks).toString("utf8"),
            at: Date.now(),
          };
          requests.push(received);
          const reply = receiver.handler(received, requests.length - 1);
          if ("hang" in reply) return;
          res.writeHead(reply.status, reply.headers);
          res.end();
        });
      });
      const s = server;
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.listen(port, "127.0.0.1", () => resolve());
      });
      port = (s.address() as AddressInfo).port;
    },
    close: () => receiver.down(),
  };
  await receiver.up();
  return receiver;
}

/** Poll until `predicate` holds; throws after `timeoutMs` (a hang guard, not a timing assertion). */
export async function waitFor<T>(read: () => Promise<T>, predicate: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (predicate(value)) return value;
    if (Date.now() > deadline) throw new Error(`waitFor: condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

/** Verify a received request with the standardwebhooks library, on the raw body. */
export function verify(secret: string, request: Received): unknown {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.headers)) if (typeof v === "string") headers[k] = v;
  return new Webhook(secret).verify(request.body, headers);
}
