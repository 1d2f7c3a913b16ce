// The stages of the minChargeKw rounding that buy blocks: which room a block
// may take and whether the schedule is settled afterwards.

/** How `roundMinCharge` buys blocks (mincharge/round.ts). */
export enum Rounding {
  /** Stage one: powers below the floor dropped to zero, the lost energy bought back in blocks, then settled. */
  Drop = 0,
  /** Stage one, second try: sub-floor powers first pooled per circuit and slot into whole blocks. */
  Pool = 1,
  /**
   * Stage three: blocks for the short sessions at the dearest penalty, only
   * where the penalty pays, counting as free the room other sessions hold
   * above their floors; not settled (a pattern for the re-solve, which takes
   * that room back).
   */
  Claim = 2,
  /** Stage three once a claiming round did not pay: blocks in free room only. */
  Augment = 3,
}
