/**
 * The forecasts' inputs, validated with zod (the model's own validation
 * library): a site's session history, a query for a car that just plugged
 * in, and the training options. Invalid input is a ForecastInputError that
 * names every problem by its path, e.g. `history[3].departureMs: must be
 * after arrivalMs`.
 */
import * as z from "zod";
import { isTimeZone } from "../simulate/time.js";

export class ForecastInputError extends Error {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(message);
    this.name = "ForecastInputError";
  }
}

const instant = z.number().finite().int("must be an integer (ms since the epoch)");
const kwh = z.number().finite().nonnegative("must be ≥ 0 kWh");
const id = z.string().min(1, "must not be empty");

/** One past session of the site. */
export const historySessionSchema = z
  .object({
    /** The EVSE (charger or parking space) it used. */
    evseId: id,
    arrivalMs: instant,
    departureMs: instant,
    /** Energy the EV really took. */
    energyKwh: kwh,
    userId: id.optional(),
    /** Departure the driver announced (app input), when given. */
    announcedDepartureMs: instant.optional(),
    /** Energy the driver announced, when given. */
    announcedEnergyKwh: kwh.optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (!(s.departureMs > s.arrivalMs)) ctx.addIssue({ code: "custom", path: ["departureMs"], message: "must be after arrivalMs" });
    if (s.announcedDepartureMs !== undefined && !(s.announcedDepartureMs > s.arrivalMs))
      ctx.addIssue({ code: "custom", path: ["announcedDepartureMs"], message: "must be after arrivalMs" });
  });

export type HistorySession = z.infer<typeof historySessionSchema>;

export const historySchema = z.array(historySessionSchema).min(1, "needs at least one session to learn from");

const level = z.number().gt(0, "must be in (0, 1)").lt(1, "must be in (0, 1)");

/** A car that just plugged in (or, with nowMs, one still plugged in at nowMs). */
export const sessionQuerySchema = z
  .object({
    evseId: id.optional(),
    arrivalMs: instant,
    userId: id.optional(),
    announcedDepartureMs: instant.optional(),
    announcedEnergyKwh: kwh.optional(),
    /** When given (≥ arrivalMs), the departure is predicted knowing the car is still there at nowMs. */
    nowMs: instant.optional(),
    /**
     * Energy the car has taken so far while still taking more (it has not
     * stopped by itself): the energy is predicted knowing it wants more than that.
     */
    drawingPastKwh: kwh.optional(),
    /** Quantile levels, ascending in the answer's order; default 0.1, 0.25, 0.5, 0.75, 0.9. */
    levels: z.array(level).min(1).optional(),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.announcedDepartureMs !== undefined && !(q.announcedDepartureMs > q.arrivalMs))
      ctx.addIssue({ code: "custom", path: ["announcedDepartureMs"], message: "must be after arrivalMs" });
    if (q.nowMs !== undefined && q.nowMs < q.arrivalMs)
      ctx.addIssue({ code: "custom", path: ["nowMs"], message: "must not be before arrivalMs" });
  });

export type SessionQuery = z.infer<typeof sessionQuerySchema>;

/** How the announcement enters the departure forecast. */
export const ANNOUNCEMENT_MODES = ["none", "ratio", "shift"] as const;
export type AnnouncementMode = (typeof ANNOUNCEMENT_MODES)[number];
/** An announcement mode, or `auto`: chosen per site at training, on the latest part of its own history. */
export const ANNOUNCEMENT_SETTINGS = ["auto", ...ANNOUNCEMENT_MODES] as const;

export const forecastOptionsSchema = z
  .object({
    /** IANA zone in which hours of arrival and weekdays are read. */
    timeZone: z.string().refine(isTimeZone, "is not an IANA time zone"),
    /** Departure: pseudo-sessions of the level below given to a user's own history (shrinkage strength); 0 = user only. */
    userPrior: z.number().finite().nonnegative(),
    /** Departure: whether EVSE histories form a level between the user and the site. */
    useEvse: z.boolean(),
    /** Energy: the same two settings. */
    energyUserPrior: z.number().finite().nonnegative(),
    energyUseEvse: z.boolean(),
    /** Pseudo-sessions of the site given to an EVSE's history. */
    evsePrior: z.number().finite().nonnegative(),
    /** Gaussian kernel bandwidth on the circular hour-of-day distance between arrivals, hours (site and EVSE levels). */
    hourBandwidth: z.number().finite().positive(),
    /** The same for a user's own sessions (wider: a user's habits carry across hours more than the site's mix does). */
    userHourBandwidth: z.number().finite().positive(),
    /** Weight of a session of the other day type (weekday vs weekend) relative to one of the same type. */
    otherDaytypeWeight: z.number().min(0).max(1),
    /**
     * How an announced departure is used: not at all, through the
     * actual/announced duration ratio, or the actual−announced shift; `auto`
     * picks one of the three per site by validation at training (a model
     * records the mode it was trained with, never `auto`).
     */
    departureAnnouncement: z.enum(ANNOUNCEMENT_SETTINGS),
    /** Whether an announced energy is used (through the delivered/announced ratio). */
    energyAnnouncement: z.boolean(),
    /** Half-life of a training day's weight in the arrivals forecast, days; 0 = all days weigh the same. */
    arrivalHalfLifeDays: z.number().finite().nonnegative(),
    /** Points kept of each site-level conditional distribution. */
    gridSize: z.number().int().min(5).max(1000),
  })
  .strict();

export type ForecastOptions = z.infer<typeof forecastOptionsSchema>;

export const DEFAULT_OPTIONS: ForecastOptions = {
  timeZone: "America/Los_Angeles",
  // The levels and announcement modes were chosen per target by
  // bench:forecast on two rolling validation folds of the 2020-21 Caltech
  // training months (docs/forecast.md): departures from the user's own stays
  // shrunk to their EVSE's and the site's; energy from the user's own
  // sessions with a light prior, through the delivered/announced ratio.
  // Whether an announced departure helps depends on the site: there its
  // drivers' own past stays beat it (mode none), while at a site whose
  // announcements are reliable the ratio to them is exact, so the mode is
  // chosen per site on its own history (`auto`, trainForecast).
  userPrior: 5,
  useEvse: true,
  energyUserPrior: 1,
  energyUseEvse: false,
  evsePrior: 20,
  hourBandwidth: 1.5,
  userHourBandwidth: 3,
  otherDaytypeWeight: 0.2,
  departureAnnouncement: "auto",
  energyAnnouncement: true,
  arrivalHalfLifeDays: 30,
  gridSize: 50,
};

export const DEFAULT_LEVELS: readonly number[] = [0.1, 0.25, 0.5, 0.75, 0.9];

/**
 * The energy quantile a planner gives a car that announced no energy
 * (`simulate --forecast-energy-level`, a live site's `forecast.energyLevel`).
 * High, because a car planned for less than it wants is short whenever the
 * plan defers its charging (to cheap hours, behind other cars) and it leaves
 * before catching up, while a car planned for more stops by itself when
 * full. Chosen on 2019-03-18, a week outside the strategy grid
 * (bench/RESULTS.md §7): 0.9 delivered as much or more than 0.5 with a flat
 * price (20 and 50 kW) and 1.8–3.5 points more under TOU-EV-4 (20, 30,
 * 50 kW).
 */
export const DEFAULT_ENERGY_PLANNING_LEVEL = 0.9;

function problems(error: z.ZodError, root: string): string[] {
  return error.issues.map((i) => {
    const path = i.path.reduce<string>((p, k) => (typeof k === "number" ? `${p}[${k}]` : `${p}.${String(k)}`), root);
    return `${path}: ${i.message}`;
  });
}

/** Parse with a schema, or throw a ForecastInputError listing every problem by path. */
export function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown, root: string): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const list = problems(parsed.error, root);
  throw new ForecastInputError(`invalid ${root}:\n  ${list.join("\n  ")}`, list);
}
