-- Daily rollups per site, for the days of partial months (the current month on the dashboard,
-- periods that do not start or end on a month boundary). Filled here from the records stored.
CREATE TABLE usage_day (
    site_id BIGINT NOT NULL REFERENCES site (id),
    day TEXT NOT NULL,
    duration_min INTEGER NOT NULL,
    sessions BIGINT NOT NULL,
    assisted BIGINT NOT NULL,
    pages_printed BIGINT NOT NULL,
    scans BIGINT NOT NULL,
    PRIMARY KEY (site_id, day, duration_min)
);

CREATE TABLE usage_day_procedure (
    site_id BIGINT NOT NULL REFERENCES site (id),
    day TEXT NOT NULL,
    procedure TEXT NOT NULL,
    sessions BIGINT NOT NULL,
    PRIMARY KEY (site_id, day, procedure)
);

INSERT INTO usage_day (site_id, day, duration_min, sessions, assisted, pages_printed, scans)
SELECT s.site_id, u.day, u.duration_min, count(*),
       sum(CASE WHEN u.assisted THEN 1 ELSE 0 END), sum(u.pages_printed), sum(u.scans)
FROM usage_record u JOIN station s ON s.id = u.station_id
GROUP BY s.site_id, u.day, u.duration_min;

INSERT INTO usage_day_procedure (site_id, day, procedure, sessions)
SELECT s.site_id, u.day, p.procedure, count(DISTINCT u.station_id || '/' || u.record_id)
FROM usage_record u JOIN station s ON s.id = u.station_id,
     unnest(CASE WHEN u.procedures = '' THEN ARRAY[''] ELSE string_to_array(u.procedures, ',') END) AS p (procedure)
GROUP BY s.site_id, u.day, p.procedure;
