// What ab.ts, iters.ts and warm.ts share: the --sizes list, the nearest-rank
// quantile their tables print (median, p90) and spec §7's tolerance.

/** "1000x96,3000x96" → [{ sessions: 1000, slots: 96 }, …]. */
export function parseSizes(list: string): { sessions: number; slots: number }[] {
  return list.split(",").map((s) => {
    const [sessions, slots] = s.split("x").map(Number);
    return { sessions, slots };
  });
}

/** Nearest-rank quantile p of xs (unsorted): bench/stats.ts's, one definition for every table. */
export { quantile as nearestRank } from "../stats.js";

/** Spec §7's tolerance on a total: the yardstick of every "worst … / tol" column. */
export const specTolerance = (total: number) => Math.max(1e-4 * Math.abs(total), 1e-3);
