import { afterEach, describe, expect, it } from "vitest";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { ERRORS } from "../engine/errors.js";
import {
  buildEventPayload,
  checkAddress,
  checkWebhookUrl,
  createWebhookDispatcher,
  generateWebhookSecret,
  parseCidr,
  parseRetryAfter,
  payloadBytes,
  postWebhook,
  retryDelay,
  scaleSchedule,
  signatureHeaders,
  STANDARD_RETRY_SCHEDULE,
} from "../service/webhooks/index.js";
import type { Response } from "../engine/model/schema.js";
import { REDIS, startReceiver, type Receiver } from "./webhooks-helpers.js";

const LOCAL = [parseCidr("127.0.0.1/32")];

describe("checkWebhookUrl", () => {
  const refused: [string, RegExp][] = [
    ["ftp://example.com/hook", /scheme "ftp" is not allowed/],
    ["file:///etc/passwd", /scheme "file" is not allowed/],
    ["javascript:alert(1)", /scheme "javascript" is not allowed/],
    ["not a url", /not a valid absolute URL/],
    ["", /empty/],
    ["https://user:pw@example.com/hook", /credentials/],
    ["http://127.0.0.1:8080/hook", /loopback/],
    ["http://127.1.2.3/hook", /loopback/],
    ["http://2130706433/hook", /loopback/], // decimal form of 127.0.0.1
    ["http://localhost:3000/hook", /always resolves to a loopback/],
    ["http://api.localhost./hook", /always resolves to a loopback/],
    ["http://10.1.2.3/hook", /private address \(10\.0\.0\.0\/8\)/],
    ["http://172.20.0.1/hook", /private address/],
    ["http://192.168.1.1/hook", /private address/],
    ["http://100.64.0.1/hook", /carrier-grade NAT/],
    ["http://0.0.0.0/hook", /unspecified/],
    ["http://169.254.169.254/latest/meta-data", /cloud metadata/],
    ["http://169.254.10.10/hook", /link-local/],
    ["http://[::1]/hook", /loopback/],
    ["http://[::ffff:127.0.0.1]/hook", /loopback/],
    ["http://[::ffff:10.0.0.1]/hook", /private/],
    ["http://[fd00:ec2::254]/hook", /cloud metadata/],
    ["http://[fc00::1]/hook", /unique-local/],
    ["http://[fe80::1]/hook", /link-local/],
    ["http://[64:ff9b::a9fe:a9fe]/hook", /cloud metadata/], // NAT64 of 169.254.169.254
    [`https://example.com/${"x".repeat(2100)}`, /longer than 2048/],
  ];
  it.each(refused)("refuses %s", (url, reason) => {
    const verdict = checkWebhookUrl(url);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.reason).toMatch(reason);
  });

  it.each(["https://hooks.example.com/wattplan", "http://8.8.8.8/hook", "http://[2001:4860:4860::8888]/hook", "http://[::ffff:8.8.8.8]/x"])(
    "accepts %s",
    (url) => {
      const verdict = checkWebhookUrl(url);
      expect(verdict.ok).toBe(true);
    },
  );

  it("lets the allowlist through, including via IPv4-mapped IPv6 and localhost", () => {
    const allowCidrs = ["127.0.0.1/32"];
    expect(checkWebhookUrl("http://127.0.0.1:9/hook", { allowCidrs }).ok).toBe(true);
    expect(checkWebhookUrl("http://[::ffff:127.0.0.1]:9/hook", { allowCidrs }).ok).toBe(true);
    expect(checkWebhookUrl("http://localhost:9/hook", { allowCidrs }).ok).toBe(true);
    expect(checkWebhookUrl("http://127.0.0.2:9/hook", { allowCidrs }).ok).toBe(false);
    expect(checkWebhookUrl("http://10.0.0.1/hook", { allowCidrs }).ok).toBe(false);
  });
});

describe("address policy", () => {
  it("parses CIDRs and rejects malformed ones with a specific message", () => {
    expect(parseCidr("10.0.0.0/8")).toMatchObject({ family: 4, bits: 8 });
    expect(parseCidr("fc00::/7")).toMatchObject({ family: 6, bits: 7 });
    expect(parseCidr("127.0.0.1")).toMatchObject({ family: 4, bits: 32 });
    expect(() => parseCidr("10.0.0.0/33")).toThrow(/prefix length must be 0-32/);
    expect(() => parseCidr("example.com/8")).toThrow(/not an IP address/);
  });

  it("judges the IPv4 address an IPv6 address embeds", () => {
    expect(checkAddress("::ffff:7f00:1", [])).toMatchObject({ allowed: false });
    expect(checkAddress("::ffff:7f00:1", LOCAL)).toEqual({ allowed: true });
    expect(checkAddress("2002:0a00:0001::1", [])).toMatchObject({ allowed: false, reason: expect.stringMatching(/private/) });
    expect(checkAddress("2606:4700::1111", [])).toEqual({ allowed: true });
    expect(checkAddress("fe80::1%eth0", [])).toMatchObject({ allowed: false, reason: expect.stringMatching(/link-local/) });
  });
});

describe("postWebhook: the address is checked at connect time", () => {
  let receiver: Receiver;
  afterEach(() => receiver?.close());

  it("refuses a name that resolves to loopback (localhost) without the allowlist, and sends nothing", async () => {
    receiver = await startReceiver();
    const url = new URL(`http://localhost:${receiver.port}/hook`);
    const refused = await postWebhook({ url, body: "{}", headers: {}, timeoutMs: 2000, allow: [] });
    expect(refused.kind).toBe("refused");
    if (refused.kind === "refused") expect(refused.reason).toMatch(/"localhost" resolves only to refused addresses: .*loopback/);
    expect(receiver.requests).toHaveLength(0);

    const allowed = await postWebhook({ url, body: "{}", headers: {}, timeoutMs: 2000, allow: LOCAL });
    expect(allowed).toMatchObject({ kind: "response", statusCode: 204 });
    expect(receiver.requests).toHaveLength(1);
  });

  it("uses only the permitted addresses a name resolves to (DNS rebinding)", async () => {
    receiver = await startReceiver();
    const url = new URL(`http://hooks.example.test:${receiver.port}/hook`);
    const rebinding = async () => [{ address: "127.0.0.1", family: 4 }];
    const refused = await postWebhook({ url, body: "{}", headers: {}, timeoutMs: 2000, allow: [], resolver: rebinding });
    expect(refused).toMatchObject({ kind: "refused" });
    expect(receiver.requests).toHaveLength(0);

    const mixed = async () => [
      { address: "10.0.0.7", family: 4 },
      { address: "127.0.0.1", family: 4 },
    ];
    const sent = await postWebhook({ url, body: "{}", headers: {}, timeoutMs: 2000, allow: LOCAL, resolver: mixed });
    expect(sent).toMatchObject({ kind: "response", statusCode: 204 });
  });

  it("refuses IP literals before connecting", async () => {
    for (const host of ["10.0.0.1", "169.254.169.254", "[::1]", "[::ffff:127.0.0.1]"]) {
      const outcome = await postWebhook({ url: new URL(`http://${host}:80/hook`), body: "{}", headers: {}, timeoutMs: 2000, allow: [] });
      expect(outcome.kind, host).toBe("refused");
    }
  });
});

describe("retry schedule", () => {
  it("is the Standard Webhooks table", () => {
    expect(STANDARD_RETRY_SCHEDULE).toEqual([0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(scaleSchedule(STANDARD_RETRY_SCHEDULE, 0.001)).toEqual([0, 5, 300, 1800, 7200, 18000, 36000, 36000]);
    expect(() => scaleSchedule(STANDARD_RETRY_SCHEDULE, -1)).toThrow(/scale factor/);
  });

  it("jitter only lengthens a delay, within the jitter fraction; the schedule ends", () => {
    const schedule = [0, 1000, 2000];
    expect(retryDelay(schedule, 1, { jitter: 0.1, random: () => 0 })).toBe(1000);
    expect(retryDelay(schedule, 1, { jitter: 0.1, random: () => 0.999 })).toBe(1100);
    expect(retryDelay(schedule, 2, { jitter: 0, random: () => 0.5 })).toBe(2000);
    expect(retryDelay(schedule, 3, { jitter: 0.1 })).toBeUndefined();
  });

  it("a longer retry-after wins over the schedule, a shorter one does not", () => {
    expect(retryDelay([0, 1000], 1, { jitter: 0, retryAfterMs: 5000 })).toBe(5000);
    expect(retryDelay([0, 1000], 1, { jitter: 0, retryAfterMs: 10 })).toBe(1000);
  });

  it("parses retry-after as seconds or an HTTP date, capped", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("120", now, 3_600_000)).toBe(120_000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now, 3_600_000)).toBe(30_000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:00:00 GMT", now, 3_600_000)).toBe(0);
    expect(parseRetryAfter("999999", now, 3_600_000)).toBe(3_600_000);
    expect(parseRetryAfter("soon", now, 3_600_000)).toBeUndefined();
    expect(parseRetryAfter("1.5", now, 3_600_000)).toBeUndefined();
    expect(parseRetryAfter("-5", now, 3_600_000)).toBeUndefined();
    expect(parseRetryAfter(undefined, now, 3_600_000)).toBeUndefined();
  });
});

describe("signing", () => {
  it("signs with every active secret; each verifies alone with standardwebhooks", () => {
    const [oldSecret, newSecret, stranger] = [generateWebhookSecret(), generateWebhookSecret(), generateWebhookSecret()];
    const body = JSON.stringify({ type: "optimization.completed", data: { id: "opt_1" } });
    const headers = signatureHeaders([oldSecret, newSecret], "msg_1", new Date(), body);
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/=]+ v1,[A-Za-z0-9+/=]+$/);
    expect(new Webhook(oldSecret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(new Webhook(newSecret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(stranger).verify(body, { ...headers })).toThrow(WebhookVerificationError);
    expect(() => new Webhook(oldSecret).verify(`${body} `, { ...headers })).toThrow(WebhookVerificationError);
  });

  it("refuses to sign without a secret or with a malformed one", () => {
    expect(() => signatureHeaders([], "msg_1", new Date(), "{}")).toThrow(/no active signing secret/);
    expect(() => signatureHeaders(["whsec_"], "msg_1", new Date(), "{}")).toThrow(/secret #1 is not a valid/);
  });
});

const RESPONSE: Response = {
  status: "optimal",
  strategy: "optimal",
  cost: { total: 12.5, energy: 10, demand: 2.5, degradation: 0, shortfall: 0 },
  peakImportKw: 42,
  warnings: [],
  infeasibleSlots: [],
  sessions: [{ id: "s1", powerKw: Array(96).fill(7.4), energyKwh: Array(96).fill(20), deliveredKwh: 30, shortfallKwh: 0 }],
  site: { netImportKw: Array(96).fill(7.4), curtailedPvKw: Array(96).fill(0) },
  solver: { iterations: 10, solveMs: 3 },
};
const LINKS = { self: "https://api.example.com/v1/optimizations/opt_1", result: "https://api.example.com/v1/optimizations/opt_1/result" };

describe("buildEventPayload", () => {
  it("keeps completed payloads to a summary unless the result is asked for", () => {
    const p = buildEventPayload({
      type: "optimization.completed",
      optimizationId: "opt_1",
      links: LINKS,
      response: RESPONSE,
      timestamp: new Date(0),
    });
    expect(p).toEqual({
      type: "optimization.completed",
      timestamp: "1970-01-01T00:00:00.000Z",
      data: {
        id: "opt_1",
        status: "completed",
        solveStatus: "optimal",
        strategy: "optimal",
        cost: RESPONSE.cost,
        peakImportKw: 42,
        links: LINKS,
      },
    });
    const withResult = buildEventPayload({
      type: "optimization.completed",
      optimizationId: "opt_1",
      links: LINKS,
      response: RESPONSE,
      includeResult: true,
    });
    expect(withResult.data.result).toEqual(RESPONSE);
    expect(withResult.data.resultEncoding).toBe("json");
    expect(payloadBytes(withResult)).toBeGreaterThan(payloadBytes(p));
  });

  it("leaves out a result that fits in none of the ways and says so", () => {
    const summary = buildEventPayload({ type: "optimization.completed", optimizationId: "opt_1", links: LINKS, response: RESPONSE });
    // Room for the omission marker, not for any encoding of the result.
    const limit = payloadBytes(summary) + 30;
    const p = buildEventPayload({
      type: "optimization.completed",
      optimizationId: "opt_1",
      links: LINKS,
      response: RESPONSE,
      includeResult: true,
      maxPayloadBytes: limit,
    });
    expect(p.data.result).toBeUndefined();
    expect(p.data.resultEncoded).toBeUndefined();
    expect(p.data.resultEncoding).toBeUndefined();
    expect(p.data.resultOmitted).toBe("too_large");
    expect(payloadBytes(p)).toBeLessThanOrEqual(limit);
  });

  it("carries the error of a failed job", () => {
    const p = buildEventPayload({
      type: "optimization.failed",
      optimizationId: "opt_2",
      links: LINKS,
      error: { code: "ERR_SCHEDULER_FAILED", message: "boom" },
    });
    expect(p.data).toEqual({ id: "opt_2", status: "failed", error: { code: "ERR_SCHEDULER_FAILED", message: "boom" }, links: LINKS });
    expect(() => buildEventPayload({ type: "optimization.failed", optimizationId: "x", links: {} })).toThrow(/needs `error`/);
    expect(() => buildEventPayload({ type: "optimization.completed", optimizationId: "x", links: {} })).toThrow(/needs `response`/);
  });
});

describe("dispatcher options", () => {
  const base = { connection: { ...REDIS, lazyConnect: true }, prefix: "wh-test-options", secretsFor: () => [] };
  it.each([
    [{ retrySchedule: [] }, /at least one delay/],
    [{ retrySchedule: [0, -5] }, /retrySchedule\[1\]/],
    [{ allowCidrs: ["10.0.0.0/40"] }, /allowCidrs\[0\].*prefix length/],
    [{ jitter: 2 }, /jitter/],
    [{ attemptTimeoutMs: 0 }, /attemptTimeoutMs/],
    [{ retentionMs: 1000, retrySchedule: [0, 5000] }, /retentionMs.*5000 ms/],
    [{ prefix: "a:b" }, /prefix/],
  ])("rejects %j", (bad, message) => {
    expect(() => createWebhookDispatcher({ ...base, ...bad })).toThrow(message);
  });
});

describe("error registry", () => {
  it("has the webhook codes with their HTTP statuses", () => {
    expect(ERRORS.ERR_WEBHOOK_URL_REFUSED.status).toBe(400);
    expect(ERRORS.ERR_WEBHOOK_DELIVERY_PENDING.status).toBe(409);
    expect(ERRORS.ERR_WEBHOOK_ENDPOINT_DISABLED.status).toBe(409);
    expect(ERRORS.ERR_WEBHOOK_PAYLOAD_TOO_LARGE.status).toBe(500);
  });
});
