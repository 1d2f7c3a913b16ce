/**
 * One re-plan of a live site: read its state under the planning lock,
 * compile the model request at the site's clock, solve it with the same
 * engine as the job API, turn each session's schedule into its OCPP
 * profile (its own chargingProfileId for its whole stay), and publish the
 * plan unless a newer one is out. Returns the OCPP entries whose profile
 * changed, for the `site.plan.updated` webhook. The computation itself
 * (plan-compute.ts) runs in this thread or, given a {@link PlanThreads}
 * pool, in a plan thread while this one keeps serving.
 */
import type pg from "pg";
import { slotStart } from "./compile.js";
import {
  carriedRecalibration,
  learnEnded,
  plugInForecasts,
  trainingDue,
  trainSite,
  type SiteForecast,
  type TrainingMetrics,
} from "./forecast.js";
import type { ForecastSettings } from "./schema.js";
import { computePlan, type PlanInput } from "./plan-compute.js";
import type { PlanThreads } from "./plan-threads.js";
import type { OcppEntry } from "./schema.js";
import type { SiteRecord } from "./state.js";
import type { SiteStore, StoredPlan } from "./store.js";

export { limitTimeline, profileChanged } from "./plan-compute.js";

export interface PlanOutcome {
  site: SiteRecord;
  /** The published version; undefined when a newer plan was already out (or the site is gone). */
  version?: number;
  stateVersion: number;
  /** OCPP entries of sessions whose profile changed since the last plan. */
  changed: OcppEntry[];
  /** The published plan's horizon start and computedAt (with `version`). */
  horizonStart?: string;
  computedAt?: string;
  /** The site's forecast is due for (re)training (site.forecast set, enough new ended sessions). */
  trainForecast?: boolean;
}

export interface PlannerOptions {
  /** The wall clock (tests pin it). @defaultValue Date.now */
  now?: () => number;
  /** Compute plans in these threads. @defaultValue in the calling thread */
  threads?: PlanThreads;
}

export async function planSite(store: SiteStore, pk: number, options: PlannerOptions = {}): Promise<PlanOutcome | undefined> {
  const now = options.now ?? Date.now;
  return store.withPlanningLock(pk, async (client) => {
    const snapshot = await store.planningSnapshot(client, pk);
    if (snapshot === undefined) return undefined;
    const { site, latest } = snapshot;
    const nowMs = site.body.planning.clock === "events" && site.clock !== undefined ? Date.parse(site.clock) : now();
    const settings = site.body.forecast;
    const cached = settings === undefined ? undefined : await cachedForecast(store, pk, client);
    const forecast = cached === undefined || settings === undefined ? undefined : await recalibrated(store, pk, client, cached, settings);
    if (forecast?.recalibration !== undefined) {
      // The first plan to see a session keeps the forecast it gave it: what the recalibration judges when it ends.
      const fresh = snapshot.sessions.filter((s) => snapshot.withoutPlugInForecast.has(s.sessionId));
      await store.savePlugInForecasts(pk, plugInForecasts(forecast.recalibration, forecast.model, fresh), client);
    }
    const trainForecast = settings !== undefined && trainingDue(settings, await store.endedSessionCount(pk, client), forecast, now());
    // Plans are published only under this lock: a plan of this state and slot already out (a coalesced ask
    // that came after the plan that took its event, or a retry) needs no solve, only its webhook handed back.
    const horizonStart = new Date(slotStart(nowMs, site.body.planning.slotMinutes)).toISOString();
    if (latest !== undefined && latest.stateVersion === site.stateVersion && latest.horizonStart === horizonStart) {
      const stored = await store.latestPlan(pk, client);
      if (stored !== undefined && stored.version === latest.version) return republished(site, stored);
    }
    const input: PlanInput = {
      site,
      sessions: snapshot.sessions,
      pendingClears: snapshot.pendingClears,
      fallbacks: snapshot.fallbacks,
      stationMax: snapshot.stationMax,
      nowMs,
      computedAt: new Date(now()).toISOString(),
      ...(settings !== undefined && forecast !== undefined && { forecast: { forecast, settings } }),
    };
    const plan = options.threads === undefined ? computePlan(input) : await options.threads.run(input);
    const version = await store.publishPlan(
      client,
      pk,
      plan,
      plan.horizonStart,
      new Map(plan.profiles),
      plan.fallbackKeys,
      plan.cleared,
      plan.stationKeys,
    );
    if (version !== undefined)
      return {
        site,
        version,
        stateVersion: site.stateVersion,
        changed: plan.changed,
        horizonStart: plan.horizonStart,
        computedAt: plan.computedAt,
        trainForecast,
      };
    // Not newer than the published plan. When that plan is of this very state and slot, this is a retry
    // of a job whose webhook may not have gone out: hand back that plan (its delivery id makes the webhook once-only).
    const stored = await store.latestPlan(pk, client);
    if (
      stored !== undefined &&
      stored.stateVersion === site.stateVersion &&
      stored.horizonStart === new Date(plan.horizonStart).toISOString()
    )
      return republished(site, stored);
    return { site, stateVersion: site.stateVersion, changed: [], trainForecast };
  });
}

/** The outcome of a plan already published, with the entries it changed (its webhook's delivery id makes it once-only). */
function republished(site: SiteRecord, latest: StoredPlan): PlanOutcome {
  const changed = new Set(latest.body.changedSessions);
  const changedFallbacks = new Set(latest.body.changedFallbacks ?? []);
  const changedStations = new Set(latest.body.changedStations ?? []);
  return {
    site,
    version: latest.version,
    stateVersion: latest.stateVersion,
    changed: latest.body.ocpp.filter((e) =>
      e.evseId === null
        ? changedStations.has(e.stationId)
        : e.sessionId === null
          ? changedFallbacks.has(e.evseId)
          : changed.has(e.sessionId),
    ) as OcppEntry[],
    horizonStart: latest.horizonStart,
    computedAt: latest.body.computedAt,
  };
}

/** Models by site, re-read only when the stored one was retrained (a model is parsed once, not on every plan). */
const forecastCache = new Map<number, SiteForecast>();

async function cachedForecast(store: SiteStore, pk: number, client: pg.ClientBase): Promise<SiteForecast | undefined> {
  const stamp = await store.forecastStamp(pk, client);
  if (stamp === undefined) {
    forecastCache.delete(pk);
    return undefined;
  }
  const cached = forecastCache.get(pk);
  if (cached !== undefined && cached.trainedAt === stamp.trainedAt) return cached;
  const fresh = await store.forecast(pk, client);
  if (fresh === undefined) return undefined;
  if (forecastCache.size > 1000) forecastCache.clear();
  forecastCache.set(pk, fresh);
  return fresh;
}

/**
 * The model with its online recalibration brought up to date: the sessions
 * that ended since the stored state's latest outcome are learned (in the
 * order they ended) and the state stored again, under the planning lock.
 * Without the setting (recalibrationGamma 0) the plan gets the model's own
 * levels, and the state waits.
 */
async function recalibrated(
  store: SiteStore,
  pk: number,
  client: pg.ClientBase,
  forecast: SiteForecast,
  settings: ForecastSettings,
): Promise<SiteForecast> {
  const { recalibration: _cached, ...model } = forecast;
  if (!(settings.recalibrationGamma > 0)) return model;
  const stored = await store.recalibration(pk, client);
  // A model stored before recalibration existed: learn what ended after its newest arrival.
  const state = {
    ...(stored ?? carriedRecalibration(undefined, settings, forecast.model.trainedOn.toMs)),
    gamma: settings.recalibrationGamma,
  };
  const learned = learnEnded(state, forecast.model, await store.sessionsEndedAfter(pk, state.lastDepartureMs, client));
  if (
    stored === undefined ||
    learned.outcomes !== stored.outcomes ||
    learned.lastDepartureMs !== stored.lastDepartureMs ||
    learned.gamma !== stored.gamma
  )
    await store.saveRecalibration(pk, learned, client);
  return { ...model, recalibration: learned };
}

/**
 * Train the site's forecast from its ended sessions and store it (the queue's
 * `train` job). Returns its metrics; undefined when the site is gone, has
 * no forecast setting, or has too few sessions yet.
 */
export async function trainSiteForecast(store: SiteStore, pk: number, now: () => number = Date.now): Promise<TrainingMetrics | undefined> {
  const site = await store.getSiteByPk(pk);
  const settings = site?.body.forecast;
  if (site === undefined || settings === undefined) return undefined;
  const trained = trainSite(await store.sessions(pk, "ended"), settings);
  if (trained === undefined) return undefined;
  // Saved under the planning lock: a plan's recalibration update is never overwritten by this one's carry-over.
  await store.withPlanningLock(pk, async (client) => {
    const recalibration = carriedRecalibration(await store.recalibration(pk, client), settings, trained.latestDepartureMs);
    await store.saveForecast(pk, { ...trained, recalibration }, new Date(now()), client);
  });
  return trained.metrics;
}
