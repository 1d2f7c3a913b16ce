/**
 * A live site's profiles against simulated charging stations: an ocpp-rpc
 * server (the CSMS, in strict mode, so every outgoing SetChargingProfile is
 * validated against the official schema) forwards each site.plan.updated
 * webhook's messages to ocpp-rpc station clients on 127.0.0.1, which keep
 * their installed profiles and apply the K01 rules: a profile with the same
 * stack level and purpose but another id on an EVSE is rejected (2.0.1/2.1,
 * K01.FR.39), the same id replaces (K01.FR.05), a TxProfile needs the EVSE's
 * running transaction (K01.FR.03/09), TxProfiles go when it ends, and
 * ClearChargingProfile removes a profile by id.
 */
import type { AddressInfo } from "node:net";
import { RPCClient, RPCServer } from "ocpp-rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OcppVersion } from "../service/ocpp/index.js";
import { api } from "./service-helpers.js";
import { profileOf, schemaValidator } from "./ocpp-helpers.js";
import { depot, eventId, startSitesService, type SitesService } from "./sites-helpers.js";
import { startReceiver, waitFor, type Receiver } from "./webhooks-helpers.js";

interface Installed {
  id: number;
  stackLevel: number;
  purpose: string;
  transactionId?: string;
}

/** A charging station: its connectors' running transactions and installed profiles. */
class Station {
  readonly transactions = new Map<number, string>();
  readonly profiles = new Map<number, Installed[]>();
  readonly rejected: string[] = [];
  accepted = 0;
  cleared = 0;
  client!: RPCClient;

  constructor(
    readonly identity: string,
    readonly version: OcppVersion,
  ) {}

  setChargingProfile(params: Record<string, unknown>): { status: "Accepted" | "Rejected" } {
    const reject = (why: string) => {
      this.rejected.push(why);
      return { status: "Rejected" as const };
    };
    if (this.version === "2.1" && !schemaValidator("2.1")(params)) return reject("schema");
    const p = profileOf(this.version, params);
    const id = p.id;
    const transactionId = p.transactionId === undefined ? undefined : String(p.transactionId);
    const running = this.transactions.get(p.target);
    if (p.purpose === "TxProfile" && (running === undefined || (transactionId !== undefined && transactionId !== running)))
      return reject(`TxProfile ${id} for connector ${p.target} without its running transaction (K01.FR.09)`);
    if (this.version !== "1.6" && p.purpose === "TxProfile" && transactionId === undefined)
      return reject(`TxProfile ${id} without transactionId (K01.FR.03)`);
    const list = this.profiles.get(p.target) ?? [];
    const clash = list.find((q) => q.id !== id && q.stackLevel === p.stackLevel && q.purpose === p.purpose);
    if (clash !== undefined) {
      // 1.6 replaces a profile of the same stack level and purpose; 2.x rejects it (K01.FR.39).
      if (this.version !== "1.6") return reject(`profile ${id} clashes with ${clash.id} at stack level ${clash.stackLevel} (K01.FR.39)`);
    }
    const kept = list.filter((q) => q.id !== id && !(this.version === "1.6" && clash !== undefined && q.id === clash.id));
    kept.push({ id, stackLevel: p.stackLevel, purpose: p.purpose, ...(transactionId !== undefined && { transactionId }) });
    this.profiles.set(p.target, kept);
    this.accepted++;
    return { status: "Accepted" };
  }

  /** ClearChargingProfile by id (1.6 `id`, 2.x `chargingProfileId`), on whichever connector holds it. */
  clearChargingProfile(params: Record<string, unknown>): { status: "Accepted" | "Unknown" } {
    const id = this.version === "1.6" ? params.id : params.chargingProfileId;
    let found = false;
    for (const [connector, list] of this.profiles) {
      const kept = list.filter((q) => q.id !== id);
      found ||= kept.length < list.length;
      this.profiles.set(connector, kept);
    }
    if (found) this.cleared++;
    return { status: found ? "Accepted" : "Unknown" };
  }

  startTransaction(connector: number, transactionId: string): void {
    this.transactions.set(connector, transactionId);
  }

  /** The transaction ends: its TxProfiles are removed. */
  stopTransaction(connector: number): void {
    this.transactions.delete(connector);
    this.profiles.set(
      connector,
      (this.profiles.get(connector) ?? []).filter((q) => q.purpose !== "TxProfile"),
    );
  }
}

const PROTOCOL: Record<OcppVersion, string> = { "1.6": "ocpp1.6", "2.0.1": "ocpp2.0.1", "2.1": "ocpp2.1" };

let svc: SitesService;
let receiver: Receiver;
let server: RPCServer;
const stations = new Map<string, Station>();
const serverClients = new Map<string, { call: (method: string, params: unknown) => Promise<unknown> }>();
const forwarded: Promise<unknown>[] = [];

beforeAll(async () => {
  svc = await startSitesService("ocpp");
  // 2.1: ocpp-rpc 2.2.1's bundled 2.1 schemas cannot be looked up in strict mode (NOTES.md); the station validates them with ajv instead.
  server = new RPCServer({ protocols: ["ocpp1.6", "ocpp2.0.1", "ocpp2.1"], strictMode: ["ocpp1.6", "ocpp2.0.1"] });
  server.on("client", (client: { identity: string; call: (method: string, params: unknown) => Promise<unknown> }) => {
    serverClients.set(client.identity, client);
  });
  const http = await server.listen(0, "127.0.0.1");
  const port = (http.address() as AddressInfo).port;
  for (const [identity, version] of [
    ["CP-16", "1.6"],
    ["CP-201", "2.0.1"],
    ["CP-21", "2.1"],
  ] as const) {
    const station = new Station(identity, version);
    // ocpp-rpc's typings make every option required; its defaults fill in the rest.
    const options = {
      endpoint: `ws://127.0.0.1:${port}`,
      identity,
      protocols: [PROTOCOL[version]],
      strictMode: version !== "2.1",
      reconnect: false,
    };
    const client = new RPCClient(options as unknown as ConstructorParameters<typeof RPCClient>[0]);
    client.handle("SetChargingProfile", async ({ params }) => station.setChargingProfile((params ?? {}) as Record<string, unknown>));
    client.handle("ClearChargingProfile", async ({ params }) => station.clearChargingProfile((params ?? {}) as Record<string, unknown>));
    await client.connect();
    station.client = client;
    stations.set(identity, station);
  }
  await waitFor(
    async () => serverClients.size,
    (n) => n === 3,
  );
  // The CSMS: every webhook's messages go to their stations, in order, as the calls they name.
  receiver = await startReceiver((request) => {
    const payload = JSON.parse(request.body) as { data: { ocpp: { stationId: string; action: string; payload: unknown }[] } };
    for (const entry of payload.data.ocpp) {
      const client = serverClients.get(entry.stationId);
      if (client === undefined) throw new Error(`no station ${entry.stationId}`);
      forwarded.push(client.call(entry.action, entry.payload));
    }
    return { status: 204 };
  });
});

afterAll(async () => {
  // The service first: a plan still finishing sends its webhook, whose calls must be answered before the stations go.
  await svc?.close();
  await receiver?.close();
  await Promise.allSettled(forwarded);
  for (const s of stations.values()) await s.client?.close({ force: true }).catch(() => {});
  await server?.close({ force: true }).catch(() => {});
});

describe("a live site's OCPP profiles on simulated stations", () => {
  it("are accepted on every re-plan, replace each other, and never pile up", async () => {
    await svc.put(
      "s-ocpp",
      depot({
        site: { importLimitKw: 30 },
        evses: [
          { id: "a", stationId: "CP-16", connectorId: 1, maxChargeKw: 11, phases: 3, ocpp: { version: "1.6", unit: "A" } },
          { id: "b", stationId: "CP-201", connectorId: 1, maxChargeKw: 11, ocpp: { version: "2.0.1", unit: "W" } },
          { id: "c", stationId: "CP-201", connectorId: 2, maxChargeKw: 11, ocpp: { version: "2.0.1", unit: "W" } },
          { id: "d", stationId: "CP-21", connectorId: 1, maxChargeKw: 11, maxDischargeKw: 11, ocpp: { version: "2.1", unit: "W" } },
        ],
        webhook: { url: receiver.url("/csms") },
      }),
    );
    const at = (m: number) => new Date(Date.parse("2026-12-07T07:00:00Z") + m * 60_000).toISOString();
    const start = (sessionId: string, evseId: string, tx: string, minutes: number, extra: Record<string, unknown> = {}) => ({
      eventId: eventId(),
      type: "session.started",
      at: at(minutes),
      sessionId,
      evseId,
      transactionId: tx,
      departure: at(minutes + 6 * 60),
      targetEnergyKwh: 35,
      ...extra,
    });
    stations.get("CP-16")!.startTransaction(1, "16001");
    stations.get("CP-201")!.startTransaction(1, "tx-B");
    stations.get("CP-201")!.startTransaction(2, "tx-C");
    stations.get("CP-21")!.startTransaction(1, "tx-V");
    await svc.events(
      "s-ocpp",
      [
        start("A", "a", "16001", 0),
        start("B", "b", "tx-B", 0),
        start("C", "c", "tx-C", 1),
        start("V", "d", "tx-V", 2, { v2g: true, initialEnergyKwh: 30, capacityKwh: 70, targetEnergyKwh: 50 }),
      ],
      {
        wait: 20,
      },
    );
    // Meter values: every re-plan changes the profiles, which replace the installed ones.
    for (let k = 1; k <= 4; k++) {
      await svc.events(
        "s-ocpp",
        ["A", "B", "C"].map((sessionId, j) => ({
          eventId: eventId(),
          type: "session.updated",
          at: at(15 * k),
          sessionId,
          energyDeliveredKwh: k * (1.5 + j),
        })),
        { wait: 20 },
      );
    }
    // Every message of the plans so far has reached its station (a CSMS forwards them before the transaction ends).
    const last = (await svc.plan("s-ocpp")).body;
    if (last.changedSessions.length > 0)
      await waitFor(
        async () => receiver.requests.map((r) => (JSON.parse(r.body) as { data: { version: number } }).data.version),
        (versions) => versions.some((v) => v >= last.version),
      );
    await Promise.all(forwarded);
    // B leaves; D takes its EVSE with a new transaction: its profile gets a new id, and nothing clashes.
    stations.get("CP-201")!.stopTransaction(1);
    stations.get("CP-201")!.startTransaction(1, "tx-D");
    await svc.events("s-ocpp", [{ eventId: eventId(), type: "session.ended", at: at(70), sessionId: "B" }, start("D", "b", "tx-D", 71)], {
      wait: 20,
    });

    const final = (await svc.plan("s-ocpp")).body;
    await waitFor(
      async () => receiver.requests.map((r) => (JSON.parse(r.body) as { data: { version: number } }).data.version),
      (versions) => versions.some((v) => v >= final.version),
    );
    const answers = (await Promise.all(forwarded)) as { status: string }[];
    expect(answers.length).toBeGreaterThanOrEqual(8);
    for (const s of stations.values()) expect(s.rejected).toEqual([]);
    expect(answers.every((a) => a.status === "Accepted")).toBe(true);

    // One Wattplan profile per EVSE, with the id the site gave its session.
    const sessions = await api<{ sessions: { sessionId: string; chargingProfileId: number }[] }>(
      svc.url,
      "GET",
      "/v1/sites/s-ocpp/sessions",
      {
        key: svc.acme.key,
      },
    );
    const idOf = new Map(sessions.body.sessions.map((s) => [s.sessionId, s.chargingProfileId]));
    expect(
      stations
        .get("CP-16")!
        .profiles.get(1)!
        .map((p) => p.id),
    ).toEqual([idOf.get("A")]);
    expect(
      stations
        .get("CP-201")!
        .profiles.get(1)!
        .map((p) => p.id),
    ).toEqual([idOf.get("D")]);
    expect(
      stations
        .get("CP-201")!
        .profiles.get(2)!
        .map((p) => p.id),
    ).toEqual([idOf.get("C")]);
    expect(
      stations
        .get("CP-21")!
        .profiles.get(1)!
        .map((p) => p.id),
    ).toEqual([idOf.get("V")]);
  });

  it("clear a session's TxDefaultProfile when it ends, so the next session's profile does not clash", async () => {
    await svc.put(
      "s-txdefault",
      depot({
        site: { importLimitKw: 30 },
        evses: [
          { id: "e16", stationId: "CP-16", connectorId: 2, maxChargeKw: 11, ocpp: { version: "1.6", unit: "W" } },
          { id: "e201", stationId: "CP-201", connectorId: 3, maxChargeKw: 11, ocpp: { version: "2.0.1", unit: "W" } },
        ],
        ocppProfiles: { purpose: "TxDefaultProfile" },
        webhook: { url: receiver.url("/csms-txdefault") },
      }),
    );
    const at = (m: number) => new Date(Date.parse("2026-12-07T09:00:00Z") + m * 60_000).toISOString();
    const start = (sessionId: string, evseId: string, minutes: number) => ({
      eventId: eventId(),
      type: "session.started",
      at: at(minutes),
      sessionId,
      evseId,
      departure: at(minutes + 5 * 60),
      targetEnergyKwh: 30,
    });
    const end = (sessionId: string, minutes: number) => ({ eventId: eventId(), type: "session.ended", at: at(minutes), sessionId });
    const delivered = async (version: number) => {
      await waitFor(
        async () =>
          receiver.requests
            .filter((r) => r.path === "/csms-txdefault")
            .map((r) => (JSON.parse(r.body) as { data: { version: number } }).data.version),
        (versions) => versions.some((v) => v >= version),
      );
      await Promise.all(forwarded);
    };
    const rejectedBefore = [...stations.values()].reduce((n, s) => n + s.rejected.length, 0);

    await svc.events("s-txdefault", [start("X", "e16", 0), start("Y", "e201", 0)], { wait: 20 });
    await delivered((await svc.plan("s-txdefault")).body.version);
    // X and Y leave; Z and W take their EVSEs. Without the clears, 2.0.1 rejects W's profile (K01.FR.39).
    await svc.events("s-txdefault", [end("X", 30), end("Y", 30), start("Z", "e16", 31), start("W", "e201", 31)], { wait: 20 });
    const plan = (await svc.plan("s-txdefault")).body;
    await delivered(plan.version);

    const clears = plan.ocpp.filter((e) => e.action === "ClearChargingProfile");
    expect(clears.map((e) => e.sessionId).sort()).toEqual(["X", "Y"]);
    expect(plan.ocpp.slice(0, 2).every((e) => e.action === "ClearChargingProfile")).toBe(true);
    const sessions = await api<{ sessions: { sessionId: string; chargingProfileId: number }[] }>(
      svc.url,
      "GET",
      "/v1/sites/s-txdefault/sessions?state=all",
      { key: svc.acme.key },
    );
    const idOf = new Map(sessions.body.sessions.map((s) => [s.sessionId, s.chargingProfileId]));
    expect(clears.find((e) => e.sessionId === "X")!.payload).toEqual({ id: idOf.get("X") });
    expect(clears.find((e) => e.sessionId === "Y")!.payload).toEqual({ chargingProfileId: idOf.get("Y") });
    expect([...stations.values()].reduce((n, s) => n + s.rejected.length, 0)).toBe(rejectedBefore);
    expect(
      stations
        .get("CP-16")!
        .profiles.get(2)!
        .map((p) => p.id),
    ).toEqual([idOf.get("Z")]);
    expect(
      stations
        .get("CP-201")!
        .profiles.get(3)!
        .map((p) => p.id),
    ).toEqual([idOf.get("W")]);

    // A clear goes out once: the next plan has none.
    await svc.events("s-txdefault", [{ eventId: eventId(), type: "session.updated", at: at(45), sessionId: "Z", energyDeliveredKwh: 2 }], {
      wait: 20,
    });
    const next = (await svc.plan("s-txdefault")).body;
    expect(next.version).toBeGreaterThan(plan.version);
    expect(next.ocpp.some((e) => e.action === "ClearChargingProfile")).toBe(false);
  });

  it("cap each station at its EVSEs' safe shares with a station-max profile", async () => {
    // CP-201's two EVSEs sit under different circuits: the station may put its whole cap on one of them.
    const body = depot({
      site: { importLimitKw: 40 },
      circuits: [
        { id: "c1", limitKw: 10 },
        { id: "c2", limitKw: 20 },
      ],
      evses: [
        { id: "m16", stationId: "CP-16", connectorId: 4, maxChargeKw: 11, phases: 3, ocpp: { version: "1.6", unit: "A" } },
        { id: "m201a", stationId: "CP-201", connectorId: 4, circuitId: "c1", maxChargeKw: 11, ocpp: { version: "2.0.1", unit: "W" } },
        { id: "m201b", stationId: "CP-201", connectorId: 5, circuitId: "c2", maxChargeKw: 11, ocpp: { version: "2.0.1", unit: "W" } },
      ],
      ocppProfiles: { stationMax: { idBase: 900 } },
      webhook: { url: receiver.url("/csms-station-max") },
    });
    const overlap = await svc.put("s-station-max", { ...body, ocppProfiles: { idMin: 1000, idMax: 1999, stationMax: { idBase: 1999 } } });
    expect(overlap.status).toBe(400);
    expect(JSON.stringify(overlap.body)).toContain("ocppProfiles.stationMax.idBase");
    expect((await svc.put("s-station-max", body)).status).toBe(201);
    const at = (m: number) => new Date(Date.parse("2026-12-07T11:00:00Z") + m * 60_000).toISOString();
    stations.get("CP-201")!.startTransaction(4, "tx-M");
    await svc.events(
      "s-station-max",
      [
        {
          eventId: eventId(),
          type: "session.started",
          at: at(0),
          sessionId: "M",
          evseId: "m201a",
          transactionId: "tx-M",
          departure: at(300),
          targetEnergyKwh: 20,
        },
      ],
      { wait: 20 },
    );
    const plan = (await svc.plan("s-station-max")).body;
    await waitFor(
      async () =>
        receiver.requests
          .filter((r) => r.path === "/csms-station-max")
          .map((r) => (JSON.parse(r.body) as { data: { version: number } }).data.version),
      (versions) => versions.some((v) => v >= plan.version),
    );
    const answers = (await Promise.all(forwarded)) as { status: string }[];
    expect(answers.every((a) => a.status === "Accepted")).toBe(true);

    const station = plan.ocpp.filter((e) => e.evseId === null);
    expect(station.map((e) => e.stationId)).toEqual(["CP-16", "CP-201"]);
    const p16 = station[0].payload as {
      connectorId: number;
      csChargingProfiles: { chargingProfileId: number; chargingProfilePurpose: string; chargingSchedule: ScheduleOf };
    };
    const p201 = station[1].payload as {
      evseId: number;
      chargingProfile: { id: number; chargingProfilePurpose: string; chargingSchedule: ScheduleOf[] };
    };
    expect(p16).toMatchObject({
      connectorId: 0,
      csChargingProfiles: { chargingProfileId: 900, chargingProfilePurpose: "ChargePointMaxProfile" },
    });
    expect(p201).toMatchObject({ evseId: 0, chargingProfile: { id: 901, chargingProfilePurpose: "ChargingStationMaxProfile" } });
    // CP-16: its one EVSE's 11 kW in A per phase (11 000 / (3 · 230) = 15.94 A, rounded down).
    expect(p16.csChargingProfiles.chargingSchedule.chargingRateUnit).toBe("A");
    expect(p16.csChargingProfiles.chargingSchedule.chargingSchedulePeriod).toEqual([{ startPeriod: 0, limit: 15.9, numberPhases: 3 }]);
    // CP-201: 10 kW (c1's whole limit) + 11 kW, but all of it could land on c1: at most 10 kW.
    expect(p201.chargingProfile.chargingSchedule[0].chargingRateUnit).toBe("W");
    expect(p201.chargingProfile.chargingSchedule[0].chargingSchedulePeriod).toEqual([{ startPeriod: 0, limit: 10000 }]);
    expect(
      stations
        .get("CP-16")!
        .profiles.get(0)!
        .map((q) => [q.id, q.purpose]),
    ).toEqual([[900, "ChargePointMaxProfile"]]);
    expect(
      stations
        .get("CP-201")!
        .profiles.get(0)!
        .map((q) => [q.id, q.purpose]),
    ).toEqual([[901, "ChargingStationMaxProfile"]]);
    // Sent once (with the plan after the PUT): the session's plan changed no cap.
    const sent = receiver.requests
      .filter((r) => r.path === "/csms-station-max")
      .flatMap((r) => (JSON.parse(r.body) as { data: { ocpp: OcppEntryOf[] } }).data.ocpp)
      .filter((e) => e.evseId === null);
    expect(sent.map((e) => e.stationId)).toEqual(["CP-16", "CP-201"]);
    expect(plan.changedStations).toEqual([]);

    // A limit that does not move the caps sends them no more; one that does, sends them again.
    await svc.events(
      "s-station-max",
      [{ eventId: eventId(), type: "session.updated", at: at(15), sessionId: "M", energyDeliveredKwh: 2 }],
      {
        wait: 20,
      },
    );
    const same = (await svc.plan("s-station-max")).body;
    expect(same.version).toBeGreaterThan(plan.version);
    expect(same.changedStations).toEqual([]);
    await svc.events(
      "s-station-max",
      [{ eventId: eventId(), type: "limit.changed", at: at(16), start: at(16), end: at(120), importLimitKw: 15 }],
      { wait: 20 },
    );
    const lower = (await svc.plan("s-station-max")).body;
    // 15 kW among three EVSEs: 5 kW each; CP-201 keeps 5 kW under each circuit.
    expect(lower.changedStations).toEqual(["CP-16", "CP-201"]);
    const lowered = lower.ocpp.find((e) => e.evseId === null && e.stationId === "CP-201")!.payload as typeof p201;
    expect(lowered.chargingProfile.chargingSchedule[0].chargingSchedulePeriod).toEqual([{ startPeriod: 0, limit: 5000 }]);
  });
});

interface ScheduleOf {
  chargingRateUnit: string;
  chargingSchedulePeriod: { startPeriod: number; limit: number; numberPhases?: number }[];
}

interface OcppEntryOf {
  evseId: string | null;
  stationId: string;
}
