-- Records are read for one station at a time (figures over the fleet come from the rollups), through
-- the (station_id, record_id) key: the index on the day alone served no query, cost every insert,
-- and led PostgreSQL's generic plans to read it whole for one station's figures.
DROP INDEX IF EXISTS usage_record_day;
