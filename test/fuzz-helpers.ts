/** Fuzz inputs shared by the API fuzz tests: valid bodies with one field somewhere replaced, removed or added. */
import fc from "fast-check";

/**
 * JSON texts of `base` with the value at a random path (made of `keys`,
 * array indices and random strings) replaced by a random JSON value, or
 * removed; a path that leaves the object sets a key where it stopped.
 */
export function mutatedJson(base: unknown, keys: string[]): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.array(fc.oneof(fc.constantFrom(...keys), fc.nat(30), fc.string()), { minLength: 1, maxLength: 5 }),
      fc.option(fc.jsonValue(), { nil: undefined }),
    )
    .map(([path, value]) => {
      const copy = structuredClone(base) as Record<string, unknown>;
      let node: unknown = copy;
      for (let i = 0; i < path.length - 1; i++) {
        const next = (node as Record<string | number, unknown> | null)?.[path[i] as string];
        if (next === null || typeof next !== "object") break;
        node = next;
      }
      if (node !== null && typeof node === "object") {
        const key = path[path.length - 1] as string;
        if (value === undefined) delete (node as Record<string, unknown>)[key];
        else (node as Record<string, unknown>)[key] = value;
      }
      return JSON.stringify(copy);
    });
}

/** Random and malformed JSON texts around `mutated`: truncations, prototype keys, huge numbers. */
export function fuzzBodies(mutated: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    fc.json(),
    fc.string(),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    mutated,
    mutated,
    mutated.map((s) => s.slice(0, Math.max(0, s.length - 7))),
    fc.constantFrom("", "{", "[]", "null", "1e999", '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', "\u0000"),
  );
}
