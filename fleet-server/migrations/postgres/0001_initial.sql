-- Fleet server schema, PostgreSQL flavour. Timestamps are Unix seconds; ids of stations are UUID text.
CREATE TABLE partner (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE site (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id BIGINT NOT NULL REFERENCES partner (id),
    name TEXT NOT NULL,
    UNIQUE (partner_id, name)
);

CREATE TABLE enrolment_code (
    code_hash TEXT PRIMARY KEY,
    site_id BIGINT NOT NULL REFERENCES site (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE station (
    id TEXT PRIMARY KEY,
    site_id BIGINT NOT NULL REFERENCES site (id),
    hostname TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    agent_version TEXT NOT NULL,
    kiosk_version TEXT,
    enrolled_at BIGINT NOT NULL,
    last_seen BIGINT,
    revoked_at BIGINT
);

CREATE TABLE usage_record (
    station_id TEXT NOT NULL REFERENCES station (id),
    record_id TEXT NOT NULL,
    day TEXT NOT NULL,
    hour SMALLINT NOT NULL,
    duration_min INTEGER NOT NULL,
    procedures TEXT NOT NULL,
    assisted BOOLEAN NOT NULL,
    language TEXT NOT NULL,
    large_text BOOLEAN NOT NULL,
    high_contrast BOOLEAN NOT NULL,
    pages_printed INTEGER NOT NULL,
    scans INTEGER NOT NULL,
    downloads INTEGER NOT NULL,
    blocked INTEGER NOT NULL,
    end_reason TEXT NOT NULL,
    wipe_ms INTEGER NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (station_id, record_id)
);
CREATE INDEX usage_record_day ON usage_record (day);

CREATE TABLE health_snapshot (
    station_id TEXT NOT NULL REFERENCES station (id),
    received_at BIGINT NOT NULL,
    report TEXT NOT NULL
);
CREATE INDEX health_snapshot_station ON health_snapshot (station_id, received_at);

CREATE TABLE policy_version (
    version BIGINT PRIMARY KEY,
    text TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    published_by TEXT NOT NULL
);

CREATE TABLE admin_user (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE audit_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
