-- The station-max profile last published per charging station of a live site
-- ({ stationId: limit key }), written only by the planner under the site's
-- planning lock.

-- Up Migration
ALTER TABLE sites ADD COLUMN station_max jsonb NOT NULL DEFAULT '{}'::jsonb;

-- Down Migration
ALTER TABLE sites DROP COLUMN station_max;
