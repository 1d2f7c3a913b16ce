/**
 * Re-plans of a request, as a live site or a rolling horizon makes them:
 * the horizon shifted by one slot after the first slot of the previous
 * plan ran, one session arriving, one session leaving. Deterministic; the
 * warm re-plan tests and bench/solver-dev/warm.ts read them.
 */
import type { Request, Response } from "../../engine/model/schema.js";
import { validateRequest } from "../../engine/model/validate.js";

const MINUTE_MS = 60_000;

const rotate = <T>(value: T | T[]): T | T[] => (Array.isArray(value) ? [...value.slice(1), value[0]] : value);

/**
 * The next slot's request: the horizon one slot later (per-slot series
 * rotated, so the new last slot repeats the old first one: a day ahead at
 * 96 × 15 min), sessions gone by then dropped, and those plugged in during
 * the first slot starting from the energy `previous` planned for its end;
 * the demand charge's peak raised to what the first slot imported.
 */
export function shiftOneSlot(request: Request, previous: Response): Request {
  const slotMs = request.horizon.slotMinutes * MINUTE_MS;
  const startMs = Date.parse(request.horizon.start);
  const nextMs = startMs + slotMs;
  const energyAfterFirst = new Map(previous.sessions.map((s) => [s.id, s.energyKwh[0]]));
  const storageAfterFirst = new Map((previous.storage ?? []).map((b) => [b.id, b.energyKwh[0]]));
  const sessions = request.sessions
    .filter((s) => Date.parse(s.departure) > nextMs)
    .map((s) => {
      const arrivalMs = s.arrival === undefined ? startMs : Date.parse(s.arrival);
      if (arrivalMs > startMs) return s;
      const e = energyAfterFirst.get(s.id) ?? s.initialEnergyKwh;
      return { ...s, initialEnergyKwh: Math.min(Math.max(0, e), s.capacityKwh ?? Infinity) };
    });
  const storage = request.storage.map((b) => ({
    ...b,
    initialEnergyKwh: Math.min(Math.max(0, storageAfterFirst.get(b.id) ?? b.initialEnergyKwh), b.capacityKwh),
  }));
  const tariff = { ...request.tariff, importPrice: rotate(request.tariff.importPrice), exportPrice: rotate(request.tariff.exportPrice) };
  if ((request.tariff.demandChargePerKw ?? 0) > 0)
    tariff.peakThresholdKw = Math.max(request.tariff.peakThresholdKw ?? 0, previous.site.netImportKw[0] ?? 0);
  return {
    ...request,
    horizon: { ...request.horizon, start: new Date(nextMs).toISOString() },
    site: {
      ...request.site,
      importLimitKw: rotate(request.site.importLimitKw),
      exportLimitKw: rotate(request.site.exportLimitKw),
      baseLoadKw: rotate(request.site.baseLoadKw),
      pvKw: rotate(request.site.pvKw),
    },
    circuits: request.circuits.map((c) => ({ ...c, limitKw: rotate(c.limitKw) })),
    tariff,
    sessions,
    storage,
  };
}

/**
 * One more session: a copy of one of the request's sessions (chosen by
 * `seed`) under a new id, arriving at the horizon's start plus one slot and
 * staying as many slots as the original; the first copy that validates.
 */
export function addArrival(request: Request, seed: number): Request {
  const slotMs = request.horizon.slotMinutes * MINUTE_MS;
  const startMs = Date.parse(request.horizon.start);
  const n = request.sessions.length;
  for (let k = 0; k < n; k++) {
    const s = request.sessions[(seed * 7919 + k) % n];
    const arrivalMs = s.arrival === undefined ? startMs : Date.parse(s.arrival);
    const stayMs = Math.max(slotMs, Date.parse(s.departure) - Math.max(arrivalMs, startMs));
    const arrival = startMs + slotMs;
    const copy = {
      ...s,
      id: `arrival-${seed}`,
      arrival: new Date(arrival).toISOString(),
      departure: new Date(arrival + stayMs).toISOString(),
    };
    const v = validateRequest({ ...request, sessions: [...request.sessions, copy] });
    if (v.ok) return v.request;
  }
  throw new Error("addArrival: no copy of a session validates");
}

/** The request without one session (chosen by `seed`). */
export function removeSession(request: Request, seed: number): Request {
  const k = (seed * 7919) % request.sessions.length;
  return { ...request, sessions: request.sessions.filter((_, i) => i !== k) };
}
