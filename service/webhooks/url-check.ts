import { checkAddress, parseCidr, parseIp, type Cidr } from "./ip-policy.js";

/** Longest webhook URL accepted. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

const ALLOWED_SCHEMES = new Set(["http:", "https:"]);
const LOOPBACK_NAME_ADDRESSES = ["127.0.0.1", "::1"] as const;

export type WebhookUrlVerdict = { readonly ok: true; readonly url: URL } | { readonly ok: false; readonly reason: string };

/**
 * Submit-time check of a webhook URL, so the API can answer 400 early with a
 * reason. It is not the SSRF guard: names are resolved and each address is
 * checked again when the delivery connects.
 *
 * Refuses: unparsable or over-long URLs, schemes other than http/https,
 * credentials in the URL, IP literals in a denied range (see
 * {@link DENIED_RANGES}), and `localhost` / `*.localhost` (always loopback,
 * RFC 6761) — unless `allowCidrs` covers the address.
 */
export function checkWebhookUrl(url: string, options: { allowCidrs?: readonly (string | Cidr)[] } = {}): WebhookUrlVerdict {
  if (typeof url !== "string" || url.length === 0) return { ok: false, reason: "the URL is empty" };
  if (url.length > MAX_WEBHOOK_URL_LENGTH) return { ok: false, reason: `the URL is longer than ${MAX_WEBHOOK_URL_LENGTH} characters` };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, reason: "the URL is not a valid absolute URL" };
  }
  if (!ALLOWED_SCHEMES.has(parsed.protocol))
    return { ok: false, reason: `the scheme "${parsed.protocol.slice(0, -1)}" is not allowed; use http or https` };
  if (parsed.username || parsed.password)
    return { ok: false, reason: "credentials in the URL are not allowed; authenticate with the webhook signature" };
  if (!parsed.hostname) return { ok: false, reason: "the URL has no host" };

  const allow = (options.allowCidrs ?? []).map((c) => (typeof c === "string" ? parseCidr(c) : c));
  const host = parsed.hostname;
  if (parseIp(host)) {
    const verdict = checkAddress(host.replace(/^\[|\]$/g, ""), allow);
    return verdict.allowed ? { ok: true, url: parsed } : { ok: false, reason: `the host ${verdict.reason}` };
  }
  const name = host.toLowerCase().replace(/\.$/, "");
  if (name === "localhost" || name.endsWith(".localhost")) {
    const reachable = LOOPBACK_NAME_ADDRESSES.some((a) => checkAddress(a, allow).allowed);
    if (!reachable) return { ok: false, reason: `the host "${host}" always resolves to a loopback address` };
  }
  return { ok: true, url: parsed };
}
