import { isIP } from "node:net";

/** An IP address as a number: 32 bits for IPv4, 128 bits for IPv6. */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly value: bigint;
}

/** A CIDR block, e.g. `10.0.0.0/8` or `fc00::/7`. */
export interface Cidr {
  readonly family: 4 | 6;
  readonly base: bigint;
  readonly bits: number;
  readonly text: string;
}

/**
 * Address ranges a webhook may never reach unless an allowlist CIDR covers
 * the address. Order matters: the first match names the reason, so the
 * narrow metadata entries come before the blocks that contain them.
 */
export const DENIED_RANGES: readonly { readonly cidr: string; readonly reason: string }[] = [
  { cidr: "169.254.169.254/32", reason: "a cloud metadata address" },
  { cidr: "fd00:ec2::254/128", reason: "a cloud metadata address" },
  { cidr: "0.0.0.0/8", reason: "an unspecified ('this network') address" },
  { cidr: "10.0.0.0/8", reason: "a private address" },
  { cidr: "100.64.0.0/10", reason: "a carrier-grade NAT (shared) address" },
  { cidr: "127.0.0.0/8", reason: "a loopback address" },
  { cidr: "169.254.0.0/16", reason: "a link-local address" },
  { cidr: "172.16.0.0/12", reason: "a private address" },
  { cidr: "192.0.0.0/24", reason: "an IETF protocol assignment address" },
  { cidr: "192.0.2.0/24", reason: "a documentation address" },
  { cidr: "192.168.0.0/16", reason: "a private address" },
  { cidr: "198.18.0.0/15", reason: "a benchmarking address" },
  { cidr: "198.51.100.0/24", reason: "a documentation address" },
  { cidr: "203.0.113.0/24", reason: "a documentation address" },
  { cidr: "224.0.0.0/4", reason: "a multicast address" },
  { cidr: "240.0.0.0/4", reason: "a reserved or broadcast address" },
  { cidr: "::/128", reason: "an unspecified address" },
  { cidr: "::1/128", reason: "a loopback address" },
  { cidr: "::/96", reason: "a deprecated IPv4-compatible IPv6 address" },
  { cidr: "100::/64", reason: "a discard-only address" },
  { cidr: "2001:db8::/32", reason: "a documentation address" },
  { cidr: "fc00::/7", reason: "a unique-local address" },
  { cidr: "fe80::/10", reason: "a link-local address" },
  { cidr: "fec0::/10", reason: "a site-local address" },
  { cidr: "ff00::/8", reason: "a multicast address" },
];

/**
 * IPv6 blocks that carry an IPv4 address in their low 32 bits (or, for 6to4,
 * bits 16-48). The embedded address is what the packets finally reach, so it
 * is judged by the IPv4 rules.
 */
const EMBEDDING_RANGES: readonly { readonly cidr: string; readonly shift: bigint }[] = [
  { cidr: "::ffff:0:0/96", shift: 0n }, // IPv4-mapped
  { cidr: "64:ff9b::/96", shift: 0n }, // NAT64 well-known prefix
  { cidr: "2002::/16", shift: 80n }, // 6to4
];

/** Parse an IPv4 or IPv6 literal (zone ids and brackets are dropped); undefined when it is not one. */
export function parseIp(text: string): IpAddress | undefined {
  let s = text.trim();
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  const family = isIP(s);
  if (family === 4) return { family: 4, value: parseIpv4(s) };
  if (family === 6) return { family: 6, value: parseIpv6(s) };
  return undefined;
}

function parseIpv4(s: string): bigint {
  let value = 0n;
  for (const part of s.split(".")) value = (value << 8n) | BigInt(Number(part));
  return value;
}

function parseIpv6(s: string): bigint {
  let head = s;
  let tail: bigint | undefined;
  // A dotted-quad tail (::ffff:1.2.3.4) fills the last two groups.
  const lastColon = s.lastIndexOf(":");
  if (s.slice(lastColon + 1).includes(".")) {
    tail = parseIpv4(s.slice(lastColon + 1));
    head = s.slice(0, lastColon + 1) + "0:0";
  }
  const [left, right] = head.includes("::") ? head.split("::") : [head, undefined];
  const leftGroups = left ? left.split(":") : [];
  const rightGroups = right === undefined ? [] : right ? right.split(":") : [];
  const missing = right === undefined ? 0 : 8 - leftGroups.length - rightGroups.length;
  const groups = [...leftGroups, ...Array<string>(missing).fill("0"), ...rightGroups];
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(parseInt(g, 16));
  if (tail !== undefined) value = (value & ~0xffffffffn) | tail;
  return value;
}

/** Parse `a.b.c.d/n` or `x::y/n` (a bare address means a single host); throws with a specific message. */
export function parseCidr(text: string): Cidr {
  const slash = text.lastIndexOf("/");
  const addressText = slash >= 0 ? text.slice(0, slash) : text;
  const address = parseIp(addressText);
  if (!address || addressText.includes("%")) throw new Error(`"${text}" is not a CIDR block: "${addressText}" is not an IP address`);
  const width = address.family === 4 ? 32 : 128;
  const bitsText = slash >= 0 ? text.slice(slash + 1) : String(width);
  const bits = Number(bitsText);
  if (!/^\d+$/.test(bitsText) || bits > width) throw new Error(`"${text}" is not a CIDR block: prefix length must be 0-${width}`);
  const mask = prefixMask(address.family, bits);
  return { family: address.family, base: address.value & mask, bits, text };
}

function prefixMask(family: 4 | 6, bits: number): bigint {
  const width = family === 4 ? 32n : 128n;
  const all = (1n << width) - 1n;
  return bits === 0 ? 0n : (all << (width - BigInt(bits))) & all;
}

/** Whether `address` lies inside `cidr` (families must match). */
export function cidrContains(cidr: Cidr, address: IpAddress): boolean {
  return cidr.family === address.family && (address.value & prefixMask(cidr.family, cidr.bits)) === cidr.base;
}

const DENIED = DENIED_RANGES.map((r) => ({ cidr: parseCidr(r.cidr), reason: r.reason }));
const EMBEDDING = EMBEDDING_RANGES.map((r) => ({ cidr: parseCidr(r.cidr), shift: r.shift }));

/** The IPv4 address an IPv6 address stands for (mapped, NAT64, 6to4), if any. */
export function embeddedIpv4(address: IpAddress): IpAddress | undefined {
  if (address.family !== 6) return undefined;
  const range = EMBEDDING.find((e) => cidrContains(e.cidr, address));
  return range ? { family: 4, value: (address.value >> range.shift) & 0xffffffffn } : undefined;
}

export type AddressVerdict = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

/**
 * Judge one resolved address: allowed when an allowlist block covers it (or
 * the IPv4 address it embeds), otherwise refused when a denied range covers
 * it (or its embedded IPv4 address).
 */
export function checkAddress(text: string, allow: readonly Cidr[]): AddressVerdict {
  const address = parseIp(text);
  if (!address) return { allowed: false, reason: `"${text}" is not an IP address` };
  const v4 = embeddedIpv4(address);
  const candidates = v4 ? [address, v4] : [address];
  if (allow.some((c) => candidates.some((a) => cidrContains(c, a)))) return { allowed: true };
  for (const a of v4 ? [v4, address] : [address]) {
    const hit = DENIED.find((d) => cidrContains(d.cidr, a));
    if (hit) return { allowed: false, reason: `${text} is ${hit.reason} (${hit.cidr.text})` };
  }
  return { allowed: true };
}
