import { lookup as dnsLookup } from "node:dns/promises";
import type { IncomingHttpHeaders } from "node:http";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { checkAddress, parseIp, type Cidr } from "./ip-policy.js";

/** Resolves a host name to its addresses (all families). */
export type Resolver = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

/** The system resolver (`dns.lookup`, i.e. /etc/hosts then DNS). */
export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** Error code on the error a guarded lookup raises for a refused address. */
export const ADDRESS_REFUSED = "ERR_WEBHOOK_ADDRESS_REFUSED";

/** How one HTTP attempt ended. */
export type PostOutcome =
  | { readonly kind: "response"; readonly statusCode: number; readonly headers: IncomingHttpHeaders }
  | { readonly kind: "refused"; readonly reason: string }
  | { readonly kind: "error"; readonly error: string };

export interface PostOptions {
  readonly url: URL;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly allow: readonly Cidr[];
  readonly resolver?: Resolver;
  readonly signal?: AbortSignal;
}

class AddressRefusedError extends Error {
  readonly code = ADDRESS_REFUSED;
}

/**
 * A `lookup` for http(s).request that resolves the name and hands the socket
 * only permitted addresses, so the address checked is the address connected
 * to (no resolve-then-connect-by-name window for DNS rebinding).
 */
export function guardedLookup(allow: readonly Cidr[], resolver: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolver(hostname).then(
      (addresses) => {
        const wanted = addresses.filter((a) => !options.family || a.family === options.family);
        const permitted = wanted.filter((a) => checkAddress(a.address, allow).allowed);
        if (permitted.length === 0) {
          const reasons = wanted.flatMap((a) => {
            const verdict = checkAddress(a.address, allow);
            return verdict.allowed ? [] : [verdict.reason];
          });
          const why = reasons.length > 0 ? `resolves only to refused addresses: ${reasons.join("; ")}` : "has no address";
          callback(new AddressRefusedError(`"${hostname}" ${why}`), "", 0);
          return;
        }
        if (options.all)
          callback(
            null,
            permitted.map((a) => ({ address: a.address, family: a.family })),
          );
        else callback(null, permitted[0].address, permitted[0].family);
      },
      (error: NodeJS.ErrnoException) => callback(error, "", 0),
    );
  };
}

/**
 * POST `body` once: no redirects (node's client never follows them), the
 * whole exchange bounded by `timeoutMs`, the peer address checked against
 * the SSRF policy at connect time. Never throws.
 */
export function postWebhook(options: PostOptions): Promise<PostOutcome> {
  const { url, body, timeoutMs, allow } = options;
  const literal = parseIp(url.hostname);
  if (literal) {
    // IP literals skip `lookup`, so they are judged here.
    const verdict = checkAddress(url.hostname.replace(/^\[|\]$/g, ""), allow);
    if (!verdict.allowed) return Promise.resolve({ kind: "refused", reason: verdict.reason });
  }
  if (options.signal?.aborted) return Promise.resolve({ kind: "error", error: "aborted" });

  return new Promise<PostOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: PostOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      resolve(outcome);
    };
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(url, {
      method: "POST",
      agent: false,
      lookup: guardedLookup(allow, options.resolver),
      headers: { ...options.headers, "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) },
    });
    const timer = setTimeout(() => {
      finish({ kind: "error", error: `timed out after ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    const onAbort = (): void => {
      finish({ kind: "error", error: "aborted" });
      req.destroy();
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });

    req.on("response", (res) => {
      finish({ kind: "response", statusCode: res.statusCode ?? 0, headers: res.headers });
      // The body is not needed; dropping the connection keeps the attempt bounded.
      res.destroy();
    });
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === ADDRESS_REFUSED) finish({ kind: "refused", reason: error.message });
      else finish({ kind: "error", error: describeError(error) });
    });
    req.end(body);
  });
}

function describeError(error: NodeJS.ErrnoException): string {
  // With several candidate addresses node reports an AggregateError whose own message is empty.
  if (error instanceof AggregateError && error.errors.length > 0) return describeError(error.errors[0] as NodeJS.ErrnoException);
  return error.code ? `${error.code}: ${error.message}` : error.message || String(error);
}
