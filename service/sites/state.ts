/** What a live site remembers between events, as the store keeps it. */
import type { Series, SiteBody } from "./schema.js";

/** A limit window from a `limit.changed` event. */
export interface LimitWindow {
  eventId: string;
  start: string;
  end: string;
  importLimitKw?: number;
  phaseLimitA?: number;
  circuitId?: string;
}

/** A `forecast.updated` event: each series replaces the older one from its first step on. */
export interface ForecastOverlay {
  eventId: string;
  at: string;
  importPrice?: Series;
  exportPrice?: Series;
  baseLoadKw?: Series;
  pvKw?: Series;
}

/** Everything events changed that is not a session. */
export interface SiteState {
  unavailableEvses: string[];
  limits: LimitWindow[];
  forecasts: ForecastOverlay[];
}

export const EMPTY_STATE: SiteState = { unavailableEvses: [], limits: [], forecasts: [] };

/** What the driver announced (or the site's defaults filled in), resolved to the model's terms. */
export interface Announced {
  departure: string;
  initialEnergyKwh: number;
  targetEnergyKwh: number;
  capacityKwh?: number;
  minEnergyKwh?: number;
  chargeEfficiency: number;
  dischargeEfficiency?: number;
  degradationCostPerKwh?: number;
  shortfallPenaltyPerKwh: number;
  v2g: boolean;
  /** The driver, when the CSMS said: forecasts learn per driver. */
  userId?: string;
  /** Phases the car draws on, when the CSMS said (else the EVSE's). */
  phases?: 1 | 3;
  /** Which fields came from the site's sessionDefaults rather than the driver. */
  defaulted: ("departure" | "targetEnergyKwh")[];
}

/** The setpoints last published for a session: what a meter value is compared with. */
export interface PublishedProfile {
  startMs: number;
  slotMinutes: number;
  powerKw: number[];
  /** Absolute OCPP limit timeline [[ms, limit]...] of the message sent, for change detection. */
  limits: [number, number][];
  endMs: number;
  transactionId?: string;
}

export interface SessionRecord {
  sessionId: string;
  evseId: string;
  state: "active" | "ended";
  startedAt: string;
  endedAt?: string;
  announced: Announced;
  deliveredKwh: number;
  meteredAt?: string;
  learnedMaxKw?: number;
  slowReadings: number;
  profileId: number;
  transactionId?: string;
  lastProfile?: PublishedProfile;
  /** The EV suspended charging by itself (SuspendedEV): it is planned for nothing more until it charges again. */
  evSuspended?: boolean;
  /**
   * The session ended with its TxDefaultProfile still on the EVSE (the
   * site's purpose is TxDefaultProfile): the next plan clears it.
   */
  clearPending?: boolean;
}

export interface SiteRecord {
  pk: number;
  tenantId: string;
  siteId: string;
  body: SiteBody;
  state: SiteState;
  stateVersion: number;
  /** Latest event time, ISO (the site clock when planning.clock is "events"). */
  clock?: string;
  createdAt: string;
  updatedAt: string;
}
