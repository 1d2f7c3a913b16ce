/** Office car park: morning arrivals, AC chargers, rooftop PV, time-of-use prices with an evening peak. */
import { AC_11, AC_22, AC_7, clamp, generate, type Generator, type Profile } from "./site.js";

export const WORKPLACE: Profile = {
  name: "workplace",
  idPrefix: "wp",
  arrivalHour: (r) => clamp(r.normal(8.5, 1.3), 5, 14),
  stayHours: (r) => clamp(r.logNormal(4.5, 0.35), 1, 10),
  chargers: [
    [AC_7, 0.2],
    [AC_11, 0.6],
    [AC_22, 0.2],
  ],
  v2gShare: 0.3,
  baseLoadKw: (h) => (h >= 7 && h < 19 ? 1.2 : 0.45),
  pvKwpPerSession: 1.5,
  exportLimitKw: (pvPeak) => 0.3 * pvPeak,
  prices: (h, _day, r) => ({
    importPrice: (h >= 17 && h < 21 ? 0.38 : h >= 7 && h < 22 ? 0.26 : 0.16) + r.between(-0.005, 0.005),
    exportPrice: 0.07,
  }),
  demandChargePerKw: 12,
  circuitShare: 0.6,
  importShare: 0.3,
};

export const workplace: Generator = (options) => generate(WORKPLACE, options);
