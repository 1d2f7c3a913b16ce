/** Fleet depot: vans back at midday and overnight, AC and DC chargers, day-ahead-like prices with export paid near import. */
import { AC_11, AC_22, DC_50, clamp, generate, type Generator, type Profile } from "./site.js";

export const DEPOT_V2G: Profile = {
  name: "depotV2g",
  idPrefix: "van",
  arrivalHour: (r) => (r.chance(0.6) ? r.normal(18, 1.5) : r.normal(12.5, 1)),
  stayHours: (r) => clamp(r.logNormal(5, 0.3), 1.5, 12),
  chargers: [
    [AC_11, 0.3],
    [AC_22, 0.4],
    [DC_50, 0.3],
  ],
  v2gShare: 0.3,
  baseLoadKw: (h) => (h >= 6 && h < 18 ? 1.1 : 0.6),
  pvKwpPerSession: 0.8,
  exportLimitKw: (_pvPeak, v2gKw) => 0.25 * v2gKw + 10,
  prices: (h, day, r) => {
    // Two daily peaks (07-09 and 17-21) over a night trough, shifted a little per day.
    const morning = Math.exp(-((h - 8) ** 2) / 2);
    const evening = Math.exp(-((h - 19) ** 2) / 3);
    const price = 0.09 + 0.01 * (day % 3) + 0.14 * morning + 0.26 * evening + r.between(-0.01, 0.01);
    return { importPrice: price, exportPrice: 0.85 * price };
  },
  demandChargePerKw: 10,
  circuitShare: 0.8,
  importShare: 0.5,
};

export const depotV2g: Generator = (options) => generate(DEPOT_V2G, options);
