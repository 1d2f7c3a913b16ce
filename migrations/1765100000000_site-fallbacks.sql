-- The fallback profile last published per EVSE of a live site ({ evseId: limit key }),
-- written only by the planner under the site's planning lock.

-- Up Migration
ALTER TABLE sites ADD COLUMN fallbacks jsonb NOT NULL DEFAULT '{}'::jsonb;

-- Down Migration
ALTER TABLE sites DROP COLUMN fallbacks;
