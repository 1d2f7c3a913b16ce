/**
 * A site's session history from the simulator's session files (ACN-Data or
 * ACN-Sim events CSV, service/simulate/sessions.ts), with the driver's user
 * id where the file has one (ACN-Data's `userID`, which the replay loader
 * ignores).
 */
import { column, readCsv } from "../simulate/csv.js";
import { type ReplaySession, loadSessions } from "../simulate/sessions.js";
import type { HistorySession } from "./schema.js";

export interface HistoryOptions {
  /**
   * Keep the driver's announced departure and energy. The ACN-Sim events of
   * 2019-03 carry an "estimated departure" equal to the real one in every
   * row (and a requested energy equal to the delivered one): not an
   * announcement but the answer, so the bench drops them there.
   * @defaultValue true
   */
  announcements?: boolean;
}

/** History records of replay sessions, with user ids by session id where known. */
export function historyFromReplay(
  sessions: readonly ReplaySession[],
  users: ReadonlyMap<string, string> = new Map(),
  options: HistoryOptions = {},
): HistorySession[] {
  const keep = options.announcements ?? true;
  return sessions.map((s) => {
    const userId = users.get(s.id);
    return {
      evseId: s.stationId === "" ? "unknown" : s.stationId,
      arrivalMs: s.arrivalMs,
      departureMs: s.departureMs,
      energyKwh: s.energyKwh,
      ...(userId !== undefined && { userId }),
      ...(keep &&
        s.declaredDepartureMs !== undefined &&
        s.declaredDepartureMs > s.arrivalMs && { announcedDepartureMs: Math.round(s.declaredDepartureMs) }),
      ...(keep && s.declaredEnergyKwh !== undefined && { announcedEnergyKwh: s.declaredEnergyKwh }),
    };
  });
}

/** Load a session file as a history (rows the replay loader skips are skipped here too). */
export function loadHistory(file: string, options: HistoryOptions = {}): HistorySession[] {
  const { sessions } = loadSessions(file);
  const table = readCsv(file);
  const idCol = column(table, "sessionID", "session_id", "id");
  const userCol = column(table, "userID", "user_id");
  const users = new Map<string, string>();
  if (idCol >= 0 && userCol >= 0)
    for (const r of table.rows) {
      const u = r[userCol]?.trim();
      if (u) users.set(r[idCol], u);
    }
  return historyFromReplay(sessions, users, options);
}
