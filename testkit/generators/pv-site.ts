/** Retail site with a large PV array and a tight export limit: short daytime stays, midday solar price dip. */
import { AC_11, AC_22, DC_50, clamp, generate, type Generator, type Profile } from "./site.js";

export const PV_SITE: Profile = {
  name: "pvSite",
  idPrefix: "pv",
  arrivalHour: (r) => clamp(r.normal(13, 3), 7, 21),
  stayHours: (r) => clamp(r.logNormal(3.2, 0.45), 0.5, 8),
  chargers: [
    [AC_11, 0.4],
    [AC_22, 0.3],
    [DC_50, 0.3],
  ],
  v2gShare: 0.3,
  baseLoadKw: (h) => (h >= 8 && h < 21 ? 1.0 : 0.3),
  pvKwpPerSession: 6,
  exportLimitKw: (pvPeak) => 0.25 * pvPeak,
  prices: (h, _day, r) => ({
    importPrice: (h >= 11 && h < 15 ? 0.12 : h >= 17 && h < 21 ? 0.32 : 0.22) + r.between(-0.005, 0.005),
    exportPrice: h >= 11 && h < 15 ? 0.03 : 0.06,
  }),
  demandChargePerKw: 15,
  circuitShare: 0.85,
  importShare: 0.15,
};

export const pvSite: Generator = (options) => generate(PV_SITE, options);
