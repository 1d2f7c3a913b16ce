/**
 * The OCPP versions and charging-rate units the export speaks: plain
 * constants, apart from options.ts's zod schemas, so that `wattplan solve`
 * (whose flag table lists them) does not build those schemas unless
 * `--ocpp` is given (bench/RESULTS.md §9).
 */
export const OCPP_VERSIONS = ["1.6", "2.0.1", "2.1"] as const;
export type OcppVersion = (typeof OCPP_VERSIONS)[number];

export const CHARGING_RATE_UNITS = ["W", "A"] as const;
export type ChargingRateUnit = (typeof CHARGING_RATE_UNITS)[number];
