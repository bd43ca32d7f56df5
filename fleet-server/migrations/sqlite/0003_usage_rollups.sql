-- Monthly rollups per site, kept up to date by each report, so that reports over years of
-- records read thousands of rows instead of millions. Filled here from the records already stored.
CREATE TABLE usage_month (
    site_id INTEGER NOT NULL REFERENCES site (id),
    month TEXT NOT NULL,
    duration_min INTEGER NOT NULL,
    sessions BIGINT NOT NULL,
    assisted BIGINT NOT NULL,
    pages_printed BIGINT NOT NULL,
    scans BIGINT NOT NULL,
    PRIMARY KEY (site_id, month, duration_min)
);

CREATE TABLE usage_month_procedure (
    site_id INTEGER NOT NULL REFERENCES site (id),
    month TEXT NOT NULL,
    procedure TEXT NOT NULL,
    sessions BIGINT NOT NULL,
    PRIMARY KEY (site_id, month, procedure)
);

INSERT INTO usage_month (site_id, month, duration_min, sessions, assisted, pages_printed, scans)
SELECT s.site_id, substr(u.day, 1, 7), u.duration_min, count(*),
       sum(CASE WHEN u.assisted THEN 1 ELSE 0 END), sum(u.pages_printed), sum(u.scans)
FROM usage_record u JOIN station s ON s.id = u.station_id
GROUP BY s.site_id, substr(u.day, 1, 7), u.duration_min;

INSERT INTO usage_month_procedure (site_id, month, procedure, sessions)
SELECT s.site_id, substr(u.day, 1, 7), p.value, count(DISTINCT u.station_id || '/' || u.record_id)
FROM usage_record u JOIN station s ON s.id = u.station_id,
     json_each('["' || replace(u.procedures, ',', '","') || '"]') AS p
GROUP BY s.site_id, substr(u.day, 1, 7), p.value;
