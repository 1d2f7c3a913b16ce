-- The forecast each live session was given at plug-in (service/forecast/recalibrate.ts
-- PlugInForecast: the model's quantiles at the recalibration's levels as adjusted then),
-- stored by the first plan that saw the session. When the session ends, the online
-- recalibration judges that forecast, not one made again with a later state, a later
-- model or an announcement changed since. Null for sessions planned before it, or on
-- a site without recalibration (they are forecast again at the end, as before).

-- Up Migration
ALTER TABLE site_sessions ADD COLUMN plug_in_forecast jsonb;

-- Down Migration
ALTER TABLE site_sessions DROP COLUMN plug_in_forecast;
