-- The forecast model each live site learned from its ended sessions
-- (service/sites/forecast.ts), replaced by each retraining; and whether a
-- session's EV has suspended charging by itself.

-- Up Migration
CREATE TABLE site_forecasts (
  site_pk bigint PRIMARY KEY REFERENCES sites (pk) ON DELETE CASCADE,
  trained_at timestamptz NOT NULL,
  -- Ended sessions it was trained on: retraining waits for retrainEvery more.
  sessions integer NOT NULL,
  -- Held-out metrics of the training (service/sites/forecast.ts, TrainingMetrics).
  metrics jsonb NOT NULL,
  model jsonb NOT NULL
);

-- The EV stopped charging by itself (OCPP SuspendedEV): planned for nothing more until it resumes.
ALTER TABLE site_sessions ADD COLUMN ev_suspended boolean NOT NULL DEFAULT false;

-- Down Migration
ALTER TABLE site_sessions DROP COLUMN ev_suspended;
DROP TABLE site_forecasts;
