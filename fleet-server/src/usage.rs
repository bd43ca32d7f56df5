//! Usage figures for a period, filtered by partner, site or station: counted in SQL per
//! (group, month, duration), so medians are exact and the rows stay few however many records.

use std::collections::BTreeMap;

use chrono::NaiveDate;

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
const WHERE: &str = "WHERE u.day >= $1 AND u.day <= $2
    AND (CAST($3 AS BIGINT) IS NULL OR p.id = $3)
    AND (CAST($4 AS BIGINT) IS NULL OR si.id = $4)
    AND (CAST($5 AS TEXT) IS NULL OR u.station_id = $5)";

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
    let sql = format!(
        "SELECT {key}, substr(u.day, 1, 7), CAST(u.duration_min AS BIGINT), count(*),
                CAST(sum(CASE WHEN u.assisted THEN 1 ELSE 0 END) AS BIGINT),
                CAST(sum(u.pages_printed) AS BIGINT), CAST(sum(u.scans) AS BIGINT)
         {JOINS} {WHERE}
         GROUP BY {group}substr(u.day, 1, 7), u.duration_min"
    );
    let sql = if store.backend_name() == "sqlite" { sql.replace("chr(31)", "char(31)") } else { sql };
    let lines: Vec<Line> = with_pool!(store, pool => {
        bind_filter!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), filter).fetch_all(pool).await?
    });
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
/// both), most used first.
pub async fn per_procedure(store: &Store, filter: &Filter) -> Result<Vec<(String, i64)>, StoreError> {
    let sql = format!("SELECT u.procedures, count(*) {JOINS} {WHERE} GROUP BY u.procedures");
    let lines: Vec<(String, i64)> = with_pool!(store, pool => {
        bind_filter!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), filter).fetch_all(pool).await?
    });
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    for (procedures, count) in lines {
        let mut seen: Vec<&str> = procedures.split(',').filter(|p| !p.is_empty()).collect();
        seen.sort_unstable();
        seen.dedup();
        if seen.is_empty() {
            *counts.entry(String::new()).or_default() += count;
        }
        for procedure in seen {
            *counts.entry(procedure.to_owned()).or_default() += count;
        }
    }
    let mut counts: Vec<(String, i64)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_come_from_the_histogram() {
        let histogram: BTreeMap<i64, i64> = [(5, 2), (10, 1), (30, 1)].into();
        assert_eq!(median(&histogram, 4), 7.5);
        let histogram: BTreeMap<i64, i64> = [(5, 2), (10, 1)].into();
        assert_eq!(median(&histogram, 3), 5.0);
        assert_eq!(median(&BTreeMap::new(), 0), 0.0);
    }
}
