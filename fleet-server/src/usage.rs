//! Usage figures for a period, filtered by partner, site or station: counted in SQL per
//! (group, month, duration), so medians are exact and the rows stay few however many records.

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate};

use crate::store::{Store, StoreError, with_pool};

/// Which sessions to count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// First day (included).
    pub from: NaiveDate,
    /// Last day (included).
    pub to: NaiveDate,
    /// Only this partner's sites.
    pub partner: Option<i64>,
    /// Only this site.
    pub site: Option<i64>,
    /// Only this station.
    pub station: Option<String>,
}

impl Filter {
    /// Every session from `from` to `to`.
    pub fn period(from: NaiveDate, to: NaiveDate) -> Self {
        Self { from, to, partner: None, site: None, station: None }
    }
}

/// How sessions are grouped besides the month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// Per partner.
    Partner,
    /// Per partner and site (the key is `partner\u{1f}site`).
    Site,
    /// All together (the key is empty).
    All,
}

/// Counts of a group of sessions, with the histogram of their durations in minutes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Bucket {
    /// Sessions.
    pub sessions: i64,
    /// Sessions a volunteer accompanied.
    pub assisted: i64,
    /// Pages printed.
    pub pages_printed: i64,
    /// Documents scanned.
    pub scans: i64,
    /// Minutes → sessions.
    pub durations: BTreeMap<i64, i64>,
}

impl Bucket {
    /// Adds another bucket's counts to this one.
    pub fn add(&mut self, other: &Bucket) {
        self.sessions += other.sessions;
        self.assisted += other.assisted;
        self.pages_printed += other.pages_printed;
        self.scans += other.scans;
        for (minutes, count) in &other.durations {
            *self.durations.entry(*minutes).or_default() += count;
        }
    }

    /// Sessions without a volunteer.
    pub fn alone(&self) -> i64 {
        self.sessions - self.assisted
    }

    /// The median duration in minutes (mean of the two middle ones for an even count).
    pub fn median_duration_min(&self) -> f64 {
        median(&self.durations, self.sessions)
    }
}

/// The median of a histogram of `total` values.
fn median(histogram: &BTreeMap<i64, i64>, total: i64) -> f64 {
    if total == 0 {
        return 0.0;
    }
    let nth = |n: i64| {
        let mut seen = 0;
        for (value, count) in histogram {
            seen += count;
            if seen > n {
                return *value as f64;
            }
        }
        0.0
    };
    if total % 2 == 1 { nth(total / 2) } else { (nth(total / 2 - 1) + nth(total / 2)) / 2.0 }
}

/// The filter as a SQL condition on `u` (usage_record), `si` (site) and `p` (partner), with
/// parameters $1–$5 bound by [`bind_filter`].
/// Records are only read for one station: a plain condition on it lets the database use the
/// (station, record) key.
const WHERE: &str = "WHERE u.station_id = $5 AND u.day >= $1 AND u.day <= $2
    AND (CAST($3 AS BIGINT) IS NULL OR p.id = $3)
    AND (CAST($4 AS BIGINT) IS NULL OR si.id = $4)";

const JOINS: &str = "FROM usage_record u
    JOIN station s ON s.id = u.station_id
    JOIN site si ON si.id = s.site_id
    JOIN partner p ON p.id = si.partner_id";

macro_rules! bind_filter {
    ($query:expr, $filter:expr) => {
        $query
            .bind($filter.from.to_string())
            .bind($filter.to.to_string())
            .bind($filter.partner)
            .bind($filter.site)
            .bind($filter.station.clone())
    };
}

type Line = (String, String, i64, i64, i64, i64, i64);

/// How a period is read: whole months from the monthly rollups, the days of partial months
/// from the daily rollups, a single station from its records.
#[derive(Debug, PartialEq, Eq)]
struct Plan {
    /// First and last whole month (`YYYY-MM`) read from the monthly rollups.
    months: Option<(String, String)>,
    /// Day ranges read from the daily rollups.
    days: Vec<(NaiveDate, NaiveDate)>,
    /// Day range read from the records (one station).
    records: Option<(NaiveDate, NaiveDate)>,
}

fn plan(filter: &Filter) -> Plan {
    if filter.station.is_some() {
        return Plan { months: None, days: Vec::new(), records: Some((filter.from, filter.to)) };
    }
    let first_of = |d: NaiveDate| d.with_day(1).expect("day 1 exists");
    let next_month =
        |d: NaiveDate| first_of(d).checked_add_months(Months::new(1)).expect("dates stay in range");
    // First whole month: the month of `from` if it starts on the 1st, else the next one.
    let start = if filter.from.day() == 1 { filter.from } else { next_month(filter.from) };
    // Last whole month: the month of `to` if it ends that month, else the previous one.
    let end_exclusive = if filter.to.succ_opt().is_none_or(|d| d.day() == 1) {
        next_month(filter.to)
    } else {
        first_of(filter.to)
    };
    if start >= end_exclusive {
        return Plan { months: None, days: vec![(filter.from, filter.to)], records: None };
    }
    let last_month = end_exclusive.pred_opt().expect("dates stay in range");
    let mut days = Vec::new();
    if filter.from < start {
        days.push((filter.from, start.pred_opt().expect("dates stay in range")));
    }
    if end_exclusive <= filter.to {
        days.push((end_exclusive, filter.to));
    }
    let months = Some((start.format("%Y-%m").to_string(), last_month.format("%Y-%m").to_string()));
    Plan { months, days, records: None }
}

/// Joins and filter of a rollup table `m` whose period column is `{period}`; parameters $1–$4.
const ROLLUP_JOINS: &str = "JOIN site si ON si.id = m.site_id JOIN partner p ON p.id = si.partner_id
    WHERE m.{period} >= $1 AND m.{period} <= $2
    AND (CAST($3 AS BIGINT) IS NULL OR p.id = $3)
    AND (CAST($4 AS BIGINT) IS NULL OR si.id = $4)";

/// The rollup reads of a plan: (table suffix, period column, first, last).
fn rollup_reads(plan: &Plan) -> Vec<(&'static str, String, String)> {
    let mut reads = Vec::new();
    if let Some((first, last)) = &plan.months {
        reads.push(("month", first.clone(), last.clone()));
    }
    for (from, to) in &plan.days {
        reads.push(("day", from.to_string(), to.to_string()));
    }
    reads
}

/// The sessions of `filter`, per (group key, month `YYYY-MM`).
pub async fn buckets(
    store: &Store,
    filter: &Filter,
    grouping: Grouping,
) -> Result<BTreeMap<(String, String), Bucket>, StoreError> {
    let key = match grouping {
        Grouping::Partner => "p.name",
        Grouping::Site => "p.name || chr(31) || si.name",
        Grouping::All => "''",
    };
    // PostgreSQL refuses a constant in GROUP BY.
    let group = if grouping == Grouping::All { String::new() } else { format!("{key}, ") };
    let sqlite = store.backend_name() == "sqlite";
    let dialect = |sql: String| if sqlite { sql.replace("chr(31)", "char(31)") } else { sql };
    let plan = plan(filter);
    let mut lines: Vec<Line> = Vec::new();
    for (period, first, last) in rollup_reads(&plan) {
        let month = if period == "month" { "m.month" } else { "substr(m.day, 1, 7)" };
        let joins = ROLLUP_JOINS.replace("{period}", period);
        let sql = dialect(format!(
            "SELECT {key}, {month}, CAST(m.duration_min AS BIGINT), CAST(sum(m.sessions) AS BIGINT),
                    CAST(sum(m.assisted) AS BIGINT), CAST(sum(m.pages_printed) AS BIGINT), CAST(sum(m.scans) AS BIGINT)
             FROM usage_{period} m {joins}
             GROUP BY {group}{month}, m.duration_min"
        ));
        lines.extend(with_pool!(store, pool => {
            sqlx::query_as::<_, Line>(sqlx::AssertSqlSafe(sql))
                .bind(&first)
                .bind(&last)
                .bind(filter.partner)
                .bind(filter.site)
                .fetch_all(pool)
                .await?
        }));
    }
    if let Some((from, to)) = plan.records {
        let sql = dialect(format!(
            "SELECT {key}, substr(u.day, 1, 7), CAST(u.duration_min AS BIGINT), count(*),
                    CAST(sum(CASE WHEN u.assisted THEN 1 ELSE 0 END) AS BIGINT),
                    CAST(sum(u.pages_printed) AS BIGINT), CAST(sum(u.scans) AS BIGINT)
             {JOINS} {WHERE}
             GROUP BY {group}substr(u.day, 1, 7), u.duration_min"
        ));
        let part = Filter { from, to, ..filter.clone() };
        lines.extend(with_pool!(store, pool => {
            bind_filter!(sqlx::query_as::<_, Line>(sqlx::AssertSqlSafe(sql)), part).fetch_all(pool).await?
        }));
    }
    let mut buckets: BTreeMap<(String, String), Bucket> = BTreeMap::new();
    for (group, month, minutes, count, assisted, pages, scans) in lines {
        let bucket = buckets.entry((group, month)).or_default();
        bucket.sessions += count;
        bucket.assisted += assisted;
        bucket.pages_printed += pages;
        bucket.scans += scans;
        *bucket.durations.entry(minutes).or_default() += count;
    }
    Ok(buckets)
}

/// Sessions per procedure opened in `filter` (a session that opened two procedures counts for
/// both; `""` stands for sessions that opened none), most used first.
pub async fn per_procedure(store: &Store, filter: &Filter) -> Result<Vec<(String, i64)>, StoreError> {
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    for ((procedure, _), sessions) in procedures_by_month(store, filter).await? {
        *counts.entry(procedure).or_default() += sessions;
    }
    let mut counts: Vec<(String, i64)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(counts)
}

/// Sessions per (procedure, month `YYYY-MM`) in `filter`, counted like [`per_procedure`].
pub async fn procedures_by_month(
    store: &Store,
    filter: &Filter,
) -> Result<BTreeMap<(String, String), i64>, StoreError> {
    let plan = plan(filter);
    let mut counts: BTreeMap<(String, String), i64> = BTreeMap::new();
    for (period, first, last) in rollup_reads(&plan) {
        let month = if period == "month" { "m.month" } else { "substr(m.day, 1, 7)" };
        let joins = ROLLUP_JOINS.replace("{period}", period);
        let sql = format!(
            "SELECT m.procedure, {month}, CAST(sum(m.sessions) AS BIGINT) FROM usage_{period}_procedure m {joins}
             GROUP BY m.procedure, {month}"
        );
        let lines: Vec<(String, String, i64)> = with_pool!(store, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(&first)
                .bind(&last)
                .bind(filter.partner)
                .bind(filter.site)
                .fetch_all(pool)
                .await?
        });
        for (procedure, month, count) in lines {
            *counts.entry((procedure, month)).or_default() += count;
        }
    }
    if let Some((from, to)) = plan.records {
        let sql = format!(
            "SELECT u.procedures, substr(u.day, 1, 7), count(*) {JOINS} {WHERE} GROUP BY u.procedures, substr(u.day, 1, 7)"
        );
        let part = Filter { from, to, ..filter.clone() };
        let lines: Vec<(String, String, i64)> = with_pool!(store, pool => {
            bind_filter!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), part).fetch_all(pool).await?
        });
        for (procedures, month, count) in lines {
            let mut seen: Vec<&str> = procedures.split(',').filter(|p| !p.is_empty()).collect();
            seen.sort_unstable();
            seen.dedup();
            if seen.is_empty() {
                seen.push("");
            }
            for procedure in seen {
                *counts.entry((procedure.to_owned(), month.clone())).or_default() += count;
            }
        }
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn whole_months_come_from_the_rollups_and_the_rest_from_the_records() {
        let months = |from: &str, to: &str| plan(&Filter::period(day(from), day(to)));
        assert_eq!(
            months("2025-01-01", "2026-12-31"),
            Plan { months: Some(("2025-01".into(), "2026-12".into())), days: vec![], records: None }
        );
        assert_eq!(
            months("2025-01-15", "2025-03-10"),
            Plan {
                months: Some(("2025-02".into(), "2025-02".into())),
                days: vec![(day("2025-01-15"), day("2025-01-31")), (day("2025-03-01"), day("2025-03-10"))],
                records: None,
            }
        );
        assert_eq!(months("2024-02-01", "2024-02-29").months, Some(("2024-02".into(), "2024-02".into())));
        assert_eq!(
            months("2025-01-02", "2025-01-30"),
            Plan { months: None, days: vec![(day("2025-01-02"), day("2025-01-30"))], records: None }
        );
        let mut station = Filter::period(day("2025-01-01"), day("2025-12-31"));
        station.station = Some("s".into());
        assert_eq!(
            plan(&station),
            Plan { months: None, days: vec![], records: Some((day("2025-01-01"), day("2025-12-31"))) },
            "stations are read from their records"
        );
    }

    #[test]
    fn medians_come_from_the_histogram() {
        let histogram: BTreeMap<i64, i64> = [(5, 2), (10, 1), (30, 1)].into();
        assert_eq!(median(&histogram, 4), 7.5);
        let histogram: BTreeMap<i64, i64> = [(5, 2), (10, 1)].into();
        assert_eq!(median(&histogram, 3), 5.0);
        assert_eq!(median(&BTreeMap::new(), 0), 0.0);
    }
}
