-- The forecast model each live site learned from its ended sessions
-- (service/sites/forecast.ts), replaced by each retraining.

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

-- Down Migration
DROP TABLE site_forecasts;
