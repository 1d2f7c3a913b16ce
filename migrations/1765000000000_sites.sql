-- Live sites (service/sites): the site as the CSMS put it, its events (the
-- idempotency record and the history), its sessions with their meter
-- readings (what the forecasting models learn from), and its plans.

-- Up Migration
CREATE TABLE sites (
  pk bigserial PRIMARY KEY,
  tenant_id text NOT NULL,
  site_id text NOT NULL,
  -- The PUT body, validated, as given (time series, not slot arrays).
  body jsonb NOT NULL,
  -- Everything events changed that is not a session: EVSE availability,
  -- limit windows, forecast overlays.
  state jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- +1 for every change a plan depends on (PUT, an applied event).
  state_version bigint NOT NULL DEFAULT 1,
  -- Latest event time: the site clock of sites whose planning clock is "events".
  clock timestamptz,
  -- Next OCPP chargingProfileId to hand out, inside the site's id range.
  next_profile_id bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- Set by DELETE without purge: the site is gone from the API, its history stays.
  deleted_at timestamptz
);
CREATE UNIQUE INDEX sites_tenant_site ON sites (tenant_id, site_id);

CREATE TABLE site_events (
  site_pk bigint NOT NULL REFERENCES sites (pk) ON DELETE CASCADE,
  event_id text NOT NULL,
  type text NOT NULL,
  at timestamptz NOT NULL,
  body jsonb NOT NULL,
  -- The state version this event's batch produced.
  state_version bigint NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (site_pk, event_id)
);
CREATE INDEX site_events_at ON site_events (site_pk, at);

CREATE TABLE site_sessions (
  site_pk bigint NOT NULL REFERENCES sites (pk) ON DELETE CASCADE,
  session_id text NOT NULL,
  evse_id text NOT NULL,
  state text NOT NULL CHECK (state IN ('active', 'ended')),
  started_at timestamptz NOT NULL,
  ended_at timestamptz,
  -- What the driver announced, updated by session.updated (departure, target, ...).
  announced jsonb NOT NULL,
  -- Grid-side energy through the connector so far, from meter values.
  delivered_kwh double precision NOT NULL DEFAULT 0,
  metered_at timestamptz,
  -- A cap learned from meter values when the car draws less than its setpoint.
  learned_max_kw double precision,
  slow_readings integer NOT NULL DEFAULT 0,
  profile_id bigint NOT NULL,
  transaction_id text,
  -- The profile last published for the session (for change detection).
  last_profile jsonb,
  PRIMARY KEY (site_pk, session_id)
);
CREATE UNIQUE INDEX site_sessions_active_evse ON site_sessions (site_pk, evse_id) WHERE state = 'active';
CREATE INDEX site_sessions_state ON site_sessions (site_pk, state, started_at);

CREATE TABLE site_meter_readings (
  site_pk bigint NOT NULL,
  session_id text NOT NULL,
  at timestamptz NOT NULL,
  delivered_kwh double precision NOT NULL,
  FOREIGN KEY (site_pk, session_id) REFERENCES site_sessions (site_pk, session_id) ON DELETE CASCADE
);
CREATE INDEX site_meter_readings_session ON site_meter_readings (site_pk, session_id, at);

CREATE TABLE site_plans (
  site_pk bigint NOT NULL REFERENCES sites (pk) ON DELETE CASCADE,
  version bigint NOT NULL,
  state_version bigint NOT NULL,
  horizon_start timestamptz NOT NULL,
  computed_at timestamptz NOT NULL DEFAULT now(),
  body jsonb NOT NULL,
  PRIMARY KEY (site_pk, version)
);

-- Down Migration
DROP TABLE site_plans;
DROP TABLE site_meter_readings;
DROP TABLE site_sessions;
DROP TABLE site_events;
DROP TABLE sites;
