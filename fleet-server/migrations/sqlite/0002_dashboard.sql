-- Dashboard: the latest health of each station at hand, enrolment codes recognisable by their
-- last characters, admin sessions, per-site overrides of the policy's [station] settings.
ALTER TABLE station ADD COLUMN last_health TEXT;

ALTER TABLE enrolment_code ADD COLUMN hint TEXT NOT NULL DEFAULT '';

CREATE TABLE admin_session (
    token_hash TEXT PRIMARY KEY,
    user_name TEXT NOT NULL REFERENCES admin_user (name) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE site_override (
    site_id INTEGER PRIMARY KEY REFERENCES site (id),
    settings TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
