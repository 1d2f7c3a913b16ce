-- The online recalibration of each live site's forecast (service/forecast/recalibrate.ts):
-- its adjusted quantile levels, updated by the plans as sessions end, carried over by
-- each retraining. Null for a model trained before it (the planner starts one then).

-- Up Migration
ALTER TABLE site_forecasts ADD COLUMN recalibration jsonb;

-- Down Migration
ALTER TABLE site_forecasts DROP COLUMN recalibration;
