/**
 * A live site's state at one instant → the model request of
 * ../shared/spec/model.md that its plan solves. Pure: the same state and
 * instant always give the same request, which the plan carries so that
 * anyone can re-check it.
 */
import { MAX_SLOTS, type PhaseName, type RequestInput } from "../../engine/model/schema.js";
import type { Evse, ForecastSettings, Series, SiteBody } from "./schema.js";
import { expectedArrivals, forecastSession, type ExpectedArrivalView, type SessionForecastView, type SiteForecast } from "./forecast.js";
import { compact, overlay, sample, toSteps, type Aggregate, type Step } from "./series.js";
import type { ForecastOverlay, SessionRecord, SiteState } from "./state.js";

export interface SitePlanInput {
  request: RequestInput;
  /** Why a session is not in the request, or was changed to fit it. */
  notes: string[];
  /** With a forecast: what each session was planned with. */
  forecasts: SessionForecastView[];
  /** With forecast.arrivals: the sessions standing for cars still to come. */
  expected?: ExpectedArrivalView[];
}

/** A trained model and the site's settings for it. */
export interface PlanningForecast {
  forecast: SiteForecast;
  settings: ForecastSettings;
}

const MINUTE_MS = 60_000;

/** The start of the slot holding `nowMs` (slots are aligned to the epoch, so to every hour for divisors of 60). */
export function slotStart(nowMs: number, slotMinutes: number): number {
  const slotMs = slotMinutes * MINUTE_MS;
  return Math.floor(nowMs / slotMs) * slotMs;
}

type ForecastField = "importPrice" | "exportPrice" | "baseLoadKw" | "pvKw";

/** A series of the site body with every forecast update laid over it, in the order they were applied. */
function effective(base: Series, forecasts: readonly ForecastOverlay[], field: ForecastField): Step[] {
  let steps = toSteps(base);
  for (const f of forecasts) {
    const update = f[field];
    if (update !== undefined) steps = overlay(steps, toSteps(update, Date.parse(f.at)));
  }
  return steps;
}

/**
 * Spec §11 for a car at an EVSE: it draws on the fewer of the phases the CSMS
 * said it uses and the EVSE supplies; a one-phase car sits on the EVSE's
 * `phase` (its L1 after rotation), or on an unknown phase.
 */
function phasesOf(evse: Evse, carPhases: 1 | 3 | undefined): { phases?: 1 | 3; phase?: PhaseName } {
  const phases =
    carPhases === undefined ? evse.phases : evse.phases === undefined ? carPhases : carPhases === 1 || evse.phases === 1 ? 1 : 3;
  if (phases === undefined) return {};
  return { phases, ...(phases === 1 && evse.phase !== undefined && { phase: evse.phase }) };
}

/** Spec §6 horizon cap of a site's plans: `maxHorizonHours`, by default the larger of `horizonHours` and 48 h. */
function maxHorizonSlots(planning: SiteBody["planning"]): number {
  const hours = planning.maxHorizonHours ?? Math.max(planning.horizonHours, DEFAULT_MAX_HORIZON_HOURS);
  return Math.min(MAX_SLOTS, Math.floor((hours * 60) / planning.slotMinutes));
}

/** Default of `planning.maxHorizonHours` and of simulate's `--horizon-max-hours`. */
export const DEFAULT_MAX_HORIZON_HOURS = 48;

export function compileSitePlan(
  body: SiteBody,
  state: SiteState,
  sessions: readonly SessionRecord[],
  nowMs: number,
  forecast?: PlanningForecast,
): SitePlanInput {
  const { slotMinutes, horizonHours } = body.planning;
  const slotMs = slotMinutes * MINUTE_MS;
  const startMs = slotStart(nowMs, slotMinutes);
  const notes: string[] = [];
  const forecasts: SessionForecastView[] = [];

  const evses = new Map(body.evses.map((e) => [e.id, e]));
  const unavailable = new Set(state.unavailableEvses);
  const requestSessions: RequestInput["sessions"] = [];
  for (const s of sessions) {
    if (s.state !== "active") continue;
    const evse = evses.get(s.evseId);
    if (evse === undefined) {
      notes.push(`session ${s.sessionId}: EVSE "${s.evseId}" is no longer on the site; not planned`);
      continue;
    }
    if (unavailable.has(evse.id)) {
      notes.push(`session ${s.sessionId}: EVSE "${evse.id}" is unavailable; not planned`);
      continue;
    }
    const a = s.announced;
    let departureMs = Date.parse(a.departure);
    let targetEnergyKwh = a.targetEnergyKwh;
    if (forecast !== undefined) {
      try {
        const f = forecastSession(s, forecast.forecast, forecast.settings, startMs);
        departureMs = f.departureMs;
        if (f.targetEnergyKwh !== undefined) targetEnergyKwh = f.targetEnergyKwh;
        forecasts.push(f.view);
      } catch (error) {
        notes.push(`session ${s.sessionId}: no forecast (${(error as Error).message}); planned as announced`);
      }
    }
    // A car still plugged in after its planned departure keeps charging: plan it one slot at a time.
    if (departureMs < startMs + slotMs) {
      notes.push(`session ${s.sessionId}: past its announced departure ${a.departure}; planned for the current slot`);
      departureMs = startMs + slotMs;
    }
    const reached = a.initialEnergyKwh + s.deliveredKwh * a.chargeEfficiency;
    const initial = a.capacityKwh === undefined ? reached : Math.min(reached, a.capacityKwh);
    // An EV that suspended charging by itself takes nothing more: its battery is full as far as the plan goes.
    const capacity = s.evSuspended === true ? initial : a.capacityKwh;
    if (s.evSuspended === true) {
      targetEnergyKwh = initial;
      notes.push(`session ${s.sessionId}: the EV suspended charging (SuspendedEV); planned to take nothing until it charges again`);
    }
    const learned = body.planning.meterCaps ? s.learnedMaxKw : undefined;
    const maxChargeKw = Math.min(evse.maxChargeKw, learned ?? Number.POSITIVE_INFINITY);
    // A session stamped after the horizon start (an event ahead of the wall clock) charges from its start only.
    const startedMs = Date.parse(s.startedAt);
    requestSessions.push({
      id: s.sessionId,
      evseId: evse.id,
      ...(startedMs > startMs && { arrival: new Date(startedMs).toISOString() }),
      ...(evse.circuitId !== undefined && { circuitId: evse.circuitId }),
      departure: new Date(departureMs).toISOString(),
      initialEnergyKwh: initial,
      targetEnergyKwh,
      ...(capacity !== undefined && { capacityKwh: capacity }),
      ...(a.minEnergyKwh !== undefined && { minEnergyKwh: Math.min(a.minEnergyKwh, capacity ?? a.minEnergyKwh) }),
      maxChargeKw,
      minChargeKw: Math.min(evse.minChargeKw, maxChargeKw),
      maxDischargeKw: a.v2g ? evse.maxDischargeKw : 0,
      chargeEfficiency: a.chargeEfficiency,
      ...(a.dischargeEfficiency !== undefined && { dischargeEfficiency: a.dischargeEfficiency }),
      ...(a.degradationCostPerKwh !== undefined && { degradationCostPerKwh: a.degradationCostPerKwh }),
      shortfallPenaltyPerKwh: a.shortfallPenaltyPerKwh,
      connectorId: evse.connectorId,
      ...(s.transactionId !== undefined && { transactionId: s.transactionId }),
      ...phasesOf(evse, a.phases),
      ...(evse.voltageV !== undefined && { voltageV: evse.voltageV }),
    });
    if (learned !== undefined && learned < evse.maxChargeKw)
      notes.push(`session ${s.sessionId}: capped at ${round(learned)} kW, what its meter values show it takes`);
  }

  // The horizon: horizonHours, or further, up to maxHorizonHours, to the latest planned departure (schema.ts says why).
  const minSlots = Math.round((horizonHours * 60) / slotMinutes);
  const maxSlots = Math.max(minSlots, maxHorizonSlots(body.planning));
  const latest = requestSessions.reduce((most, r) => Math.max(most, Date.parse(r.departure)), startMs);
  const slots = Math.min(maxSlots, Math.max(minSlots, Math.ceil((latest - startMs) / slotMs)));
  const at = (steps: Step[], aggregate: Aggregate) => sample(steps, startMs, slotMs, slots, aggregate);

  // A limit window counts for every slot it touches: a limit that starts mid-slot holds for the whole slot.
  const windowed = (values: number[], circuitId: string | undefined, field: "importLimitKw" | "phaseLimitA") => {
    for (const w of state.limits) {
      const limit = w[field];
      if (w.circuitId !== circuitId || limit === undefined) continue;
      const a = Date.parse(w.start);
      const b = Date.parse(w.end);
      for (let i = 0; i < slots; i++) {
        const s = startMs + i * slotMs;
        if (a < s + slotMs && b > s) values[i] = Math.min(values[i], limit);
      }
    }
    return compact(values);
  };
  const phaseLimit = (series: Series | undefined, circuitId: string | undefined) =>
    series === undefined ? {} : { phaseLimitA: windowed(at(toSteps(series), "min"), circuitId, "phaseLimitA") };

  const site = {
    importLimitKw: windowed(at(toSteps(body.site.importLimitKw), "min"), undefined, "importLimitKw"),
    exportLimitKw: compact(at(toSteps(body.site.exportLimitKw), "min")),
    baseLoadKw: compact(at(effective(body.site.baseLoadKw, state.forecasts, "baseLoadKw"), "max")),
    pvKw: compact(at(effective(body.site.pvKw, state.forecasts, "pvKw"), "min")),
    ...(body.site.voltageV !== undefined && { voltageV: body.site.voltageV }),
    ...phaseLimit(body.site.phaseLimitA, undefined),
  };
  const circuits = body.circuits.map((c) => ({
    id: c.id,
    ...(c.parentId !== undefined && { parentId: c.parentId }),
    limitKw: windowed(at(toSteps(c.limitKw), "min"), c.id, "importLimitKw"),
    ...phaseLimit(c.phaseLimitA, c.id),
    ...(c.unbalanceLimitA !== undefined && { unbalanceLimitA: c.unbalanceLimitA }),
  }));
  const tariff = {
    importPrice: compact(at(effective(body.tariff.importPrice, state.forecasts, "importPrice"), "mean")),
    exportPrice: compact(at(effective(body.tariff.exportPrice, state.forecasts, "exportPrice"), "mean")),
    demandChargePerKw: body.tariff.demandChargePerKw,
    peakThresholdKw: body.tariff.peakThresholdKw,
  };

  let expected: ExpectedArrivalView[] | undefined;
  if (forecast !== undefined && forecast.settings.arrivals) {
    const meanEvseKw = body.evses.reduce((sum, e) => sum + e.maxChargeKw, 0) / body.evses.length;
    try {
      const arrivals = expectedArrivals(
        forecast.forecast,
        startMs,
        slots,
        slotMinutes,
        meanEvseKw,
        body.sessionDefaults.shortfallPenaltyPerKwh,
      );
      requestSessions.push(...arrivals.sessions);
      expected = arrivals.views;
    } catch (error) {
      notes.push(`no expected arrivals (${(error as Error).message})`);
    }
  }

  return {
    request: {
      horizon: { start: new Date(startMs).toISOString(), slotMinutes, slots },
      site,
      circuits,
      tariff,
      sessions: requestSessions,
      strategy: body.planning.strategy,
      solverOptions: { tieBreak: body.planning.tieBreak },
    },
    notes,
    forecasts,
    ...(expected !== undefined && { expected }),
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
