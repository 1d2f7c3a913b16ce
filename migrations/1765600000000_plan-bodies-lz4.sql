-- Plans (~120 KB of JSON at 40 sessions, ~850 KB at 300) and the profiles
-- last sent are written on every re-plan: lz4 compresses them several times
-- faster than the default pglz. A server built without lz4 keeps pglz.
-- Only rows written from now on are compressed with lz4.

-- Up Migration
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
    ALTER TABLE site_plans ALTER COLUMN body SET COMPRESSION lz4;
    ALTER TABLE site_sessions ALTER COLUMN last_profile SET COMPRESSION lz4;
  END IF;
END
$$;

-- Down Migration
ALTER TABLE site_plans ALTER COLUMN body SET COMPRESSION default;
ALTER TABLE site_sessions ALTER COLUMN last_profile SET COMPRESSION default;
