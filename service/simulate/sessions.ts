/**
 * Real charging sessions from CSV. Two layouts are read (docs/simulate.md):
 * - ACN-Data (the API's session records flattened to CSV): one row per
 *   session with connection/disconnection times, kWh delivered and, when the
 *   driver used the app, the energy and departure they declared;
 * - ACN-Sim events (acnportal-experiments): arrival/departure periods and
 *   local timestamps, requested energy, battery power.
 */
import { InputError, column, readCsv, requireColumn, type CsvTable } from "./csv.js";
import { HOUR_MS } from "./time.js";

export interface ReplaySession {
  id: string;
  stationId: string;
  /** ACN-Data's parking space (`CA-303`), when the file has one apart from the station; what the Caltech phases are keyed by. */
  spaceId?: string;
  arrivalMs: number;
  departureMs: number;
  /** Energy the EV really took (kWh): what it needed, and the most it can take. */
  energyKwh: number;
  /** Grid-side power limit of the EV and its EVSE, kW. */
  maxChargeKw: number;
  /** Departure the driver declared, when the data has it. */
  declaredDepartureMs?: number;
  /** Energy the driver declared, when the data has it. */
  declaredEnergyKwh?: number;
}

export type SessionFormat = "acn-data" | "acn-sim-events";

export interface SessionFile {
  file: string;
  format: SessionFormat;
  sessions: ReplaySession[];
  /** Rows left out (departure not after arrival, negative energy). */
  skipped: number;
}

export interface SessionLoadOptions {
  /**
   * Power limit for rows without a power value, kW. Such a session that
   * really drew more on average (DC fast chargers) gets its average power.
   * @defaultValue 6.6 (the Caltech ACN's Level-2 EVSEs)
   */
  defaultMaxChargeKw?: number;
}

export const DEFAULT_MAX_CHARGE_KW = 6.6;

function timestamp(table: CsvTable, row: number, value: string, name: string): number {
  const ms = Date.parse(value);
  const zoned = /(Z|[+-]\d{2}:?\d{2}|GMT|UTC)$/i.test(value.trim());
  if (!zoned || !Number.isFinite(ms)) {
    throw new InputError(`${table.file}: row ${row + 2}: ${name} "${value}" is not a timestamp with a zone (e.g. 2020-12-01T13:59:06Z)`);
  }
  return ms;
}

function number(table: CsvTable, row: number, value: string, name: string): number {
  const x = Number(value);
  if (value.trim() === "" || !Number.isFinite(x)) throw new InputError(`${table.file}: row ${row + 2}: ${name} "${value}" is not a number`);
  return x;
}

function optionalNumber(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const x = Number(value);
  return Number.isFinite(x) ? x : undefined;
}

export function detectFormat(table: CsvTable): SessionFormat {
  if (column(table, "arrival_period") >= 0 && column(table, "arrival_local") >= 0) return "acn-sim-events";
  if (column(table, "connectionTime", "connectionTime_utc") >= 0) return "acn-data";
  throw new InputError(
    `${table.file}: not a session file this tool reads (expected ACN-Data columns connectionTime, disconnectTime, kWhDelivered, or ACN-Sim event columns arrival_period, arrival_local, …); header: ${table.header.join(", ")}`,
  );
}

export function loadSessions(file: string, options: SessionLoadOptions = {}): SessionFile {
  const table = readCsv(file);
  const format = detectFormat(table);
  const defaultPower = options.defaultMaxChargeKw ?? DEFAULT_MAX_CHARGE_KW;
  const sessions: ReplaySession[] = [];
  let skipped = 0;
  const seen = new Set<string>();

  if (format === "acn-data") {
    const id = requireColumn(table, "sessionID", "session_id", "id");
    const station = column(table, "stationID", "station_id", "spaceID");
    const space = column(table, "spaceID");
    const arrival = requireColumn(table, "connectionTime", "connectionTime_utc");
    const departure = requireColumn(table, "disconnectTime", "disconnectTime_utc");
    const energy = requireColumn(table, "kWhDelivered");
    const declaredEnergy = column(table, "kWhRequested", "kWhRequested_last_input");
    const declaredDeparture = column(table, "requestedDeparture", "requestedDeparture_utc", "requestedDeparture_utc_last_input");
    const power = column(table, "maxChargeKw", "battery_max_power_kW");
    table.rows.forEach((r, i) => {
      const a = timestamp(table, i, r[arrival], "connectionTime");
      const d = timestamp(table, i, r[departure], "disconnectTime");
      const e = number(table, i, r[energy], "kWhDelivered");
      if (!(d > a) || e < 0) {
        skipped++;
        return;
      }
      const declaredMs = declaredDeparture >= 0 && r[declaredDeparture]?.trim() ? Date.parse(r[declaredDeparture]) : Number.NaN;
      const rated = power >= 0 ? optionalNumber(r[power]) : undefined;
      sessions.push({
        id: r[id],
        stationId: station >= 0 ? r[station] : "",
        ...(space >= 0 && space !== station && r[space]?.trim() && { spaceId: r[space].trim() }),
        arrivalMs: a,
        departureMs: d,
        energyKwh: e,
        maxChargeKw: rated ?? Math.max(defaultPower, e / ((d - a) / HOUR_MS)),
        ...(Number.isFinite(declaredMs) && { declaredDepartureMs: declaredMs }),
        ...(declaredEnergy >= 0 &&
          optionalNumber(r[declaredEnergy]) !== undefined && { declaredEnergyKwh: optionalNumber(r[declaredEnergy]) }),
      });
    });
  } else {
    const id = requireColumn(table, "session_id");
    const station = column(table, "station_id");
    const arrivalPeriod = requireColumn(table, "arrival_period");
    const departurePeriod = requireColumn(table, "departure_period");
    const estimated = column(table, "estimated_departure_period");
    const energy = requireColumn(table, "requested_energy_kWh");
    const power = column(table, "battery_max_power_kW");
    const arrival = requireColumn(table, "arrival_local");
    const departure = requireColumn(table, "departure_local");
    table.rows.forEach((r, i) => {
      const a = timestamp(table, i, r[arrival], "arrival_local");
      const d = timestamp(table, i, r[departure], "departure_local");
      const e = number(table, i, r[energy], "requested_energy_kWh");
      if (!(d > a) || e < 0) {
        skipped++;
        return;
      }
      const periods = number(table, i, r[departurePeriod], "departure_period") - number(table, i, r[arrivalPeriod], "arrival_period");
      const periodMs = periods > 0 ? (d - a) / periods : 0;
      const est = estimated >= 0 ? optionalNumber(r[estimated]) : undefined;
      const rated = power >= 0 ? optionalNumber(r[power]) : undefined;
      sessions.push({
        id: r[id],
        stationId: station >= 0 ? r[station] : "",
        arrivalMs: a,
        departureMs: d,
        energyKwh: e,
        maxChargeKw: rated ?? Math.max(defaultPower, e / ((d - a) / HOUR_MS)),
        ...(est !== undefined && periodMs > 0 && { declaredDepartureMs: d + (est - Number(r[departurePeriod])) * periodMs }),
      });
    });
  }
  for (const s of sessions) {
    if (seen.has(s.id)) throw new InputError(`${file}: duplicate session id "${s.id}"`);
    seen.add(s.id);
  }
  sessions.sort((x, y) => x.arrivalMs - y.arrivalMs || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  return { file, format, sessions, skipped };
}
