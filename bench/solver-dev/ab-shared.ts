// What ab.ts and iters.ts share: the --sizes list and the nearest-rank
// quantile their tables print (median, p90).

/** "1000x96,3000x96" → [{ sessions: 1000, slots: 96 }, …]. */
export function parseSizes(list: string): { sessions: number; slots: number }[] {
  return list.split(",").map((s) => {
    const [sessions, slots] = s.split("x").map(Number);
    return { sessions, slots };
  });
}

/** Nearest-rank quantile p of xs (unsorted): bench/stats.ts's, one definition for every table. */
export { quantile as nearestRank } from "../stats.js";
