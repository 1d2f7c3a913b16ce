-- Plans and the profiles last published are written on every re-plan and
-- never queried inside: json (stored as text) is cheaper to write than jsonb.

-- Up Migration
ALTER TABLE site_plans ALTER COLUMN body TYPE json USING body::json;
ALTER TABLE site_sessions ALTER COLUMN last_profile TYPE json USING last_profile::json;

-- Down Migration
ALTER TABLE site_plans ALTER COLUMN body TYPE jsonb USING body::jsonb;
ALTER TABLE site_sessions ALTER COLUMN last_profile TYPE jsonb USING last_profile::jsonb;
