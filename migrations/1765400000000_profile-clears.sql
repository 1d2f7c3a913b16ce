-- An ended session whose TxDefaultProfile is still on its EVSE (a site whose
-- ocppProfiles.purpose is TxDefaultProfile): the next plan sends a
-- ClearChargingProfile for it and resets the flag.

-- Up Migration
ALTER TABLE site_sessions ADD COLUMN clear_pending boolean NOT NULL DEFAULT false;
CREATE INDEX site_sessions_clear_pending ON site_sessions (site_pk) WHERE clear_pending;

-- Down Migration
DROP INDEX site_sessions_clear_pending;
ALTER TABLE site_sessions DROP COLUMN clear_pending;
