//! The grant report: per partner and per month, sessions, accompaniments, sessions alone, pages
//! printed, scans and median duration, with totals; as CSV or XLSX.
//!
//! Counted in SQL per (partner, month, duration); the median comes exactly from that histogram,
//! which stays small (durations are whole minutes) however many records there are.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::store::{Store, StoreError, with_pool};

/// Column titles, in French for the project team's reports.
pub const COLUMNS: [&str; 8] = [
    "partenaire",
    "mois",
    "sessions",
    "accompagnements",
    "sessions_autonomes",
    "pages_imprimees",
    "numerisations",
    "duree_mediane_min",
];

/// One line of the grant report.
#[derive(Debug, Clone, PartialEq)]
pub struct GrantRow {
    /// Partner name ("Total" for the totals line).
    pub partner: String,
    /// `YYYY-MM`, or empty for the totals line.
    pub month: String,
    /// Sessions.
    pub sessions: i64,
    /// Sessions a volunteer accompanied.
    pub assisted: i64,
    /// Sessions alone.
    pub alone: i64,
    /// Pages printed.
    pub pages_printed: i64,
    /// Documents scanned.
    pub scans: i64,
    /// Median session length in minutes.
    pub median_duration_min: f64,
}

/// Counts of one (partner, month), with its duration histogram.
#[derive(Default)]
struct Bucket {
    sessions: i64,
    assisted: i64,
    pages_printed: i64,
    scans: i64,
    durations: BTreeMap<i64, i64>,
}

impl Bucket {
    fn add(&mut self, other: &Bucket) {
        self.sessions += other.sessions;
        self.assisted += other.assisted;
        self.pages_printed += other.pages_printed;
        self.scans += other.scans;
        for (minutes, count) in &other.durations {
            *self.durations.entry(*minutes).or_default() += count;
        }
    }

    fn row(&self, partner: &str, month: &str) -> GrantRow {
        GrantRow {
            partner: partner.to_owned(),
            month: month.to_owned(),
            sessions: self.sessions,
            assisted: self.assisted,
            alone: self.sessions - self.assisted,
            pages_printed: self.pages_printed,
            scans: self.scans,
            median_duration_min: median(&self.durations, self.sessions),
        }
    }
}

/// The median of a histogram of `total` values (mean of the two middle ones for an even count).
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

type Line = (String, String, i64, i64, i64, i64, i64);

/// The grant report for sessions from `from` to `to` (inclusive): one row per partner and month,
/// then one "Total" row per partner and a grand total.
pub async fn grant_report(
    store: &Store,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<GrantRow>, StoreError> {
    let lines: Vec<Line> = with_pool!(store, pool => {
        sqlx::query_as(
            "SELECT p.name, substr(u.day, 1, 7), CAST(u.duration_min AS BIGINT),
                    count(*), sum(CASE WHEN u.assisted THEN 1 ELSE 0 END), sum(u.pages_printed), sum(u.scans)
             FROM usage_record u
             JOIN station s ON s.id = u.station_id
             JOIN site si ON si.id = s.site_id
             JOIN partner p ON p.id = si.partner_id
             WHERE u.day >= $1 AND u.day <= $2
             GROUP BY p.name, substr(u.day, 1, 7), u.duration_min",
        )
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(pool)
        .await?
    });
    let mut buckets: BTreeMap<(String, String), Bucket> = BTreeMap::new();
    for (partner, month, minutes, count, assisted, pages, scans) in lines {
        let bucket = buckets.entry((partner, month)).or_default();
        bucket.sessions += count;
        bucket.assisted += assisted;
        bucket.pages_printed += pages;
        bucket.scans += scans;
        *bucket.durations.entry(minutes).or_default() += count;
    }
    let mut rows = Vec::new();
    let mut per_partner: BTreeMap<String, Bucket> = BTreeMap::new();
    let mut grand = Bucket::default();
    for ((partner, month), bucket) in &buckets {
        rows.push(bucket.row(partner, month));
        per_partner.entry(partner.clone()).or_default().add(bucket);
        grand.add(bucket);
    }
    for (partner, bucket) in &per_partner {
        rows.push(bucket.row(partner, "total"));
    }
    rows.push(grand.row("Total", ""));
    Ok(rows)
}

fn cells(row: &GrantRow) -> [String; 8] {
    [
        row.partner.clone(),
        row.month.clone(),
        row.sessions.to_string(),
        row.assisted.to_string(),
        row.alone.to_string(),
        row.pages_printed.to_string(),
        row.scans.to_string(),
        format!("{:.1}", row.median_duration_min),
    ]
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) || text.starts_with(['=', '+', '-', '@']) {
        // Quoted, and a leading formula character neutralised for spreadsheets.
        let text = if text.starts_with(['=', '+', '-', '@']) { format!("'{text}") } else { text.to_owned() };
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The report as CSV (comma-separated, header line first).
pub fn to_csv(rows: &[GrantRow]) -> String {
    let mut out = COLUMNS.join(",");
    out.push('\n');
    for row in rows {
        let line: Vec<String> = cells(row).iter().map(|c| csv_field(c)).collect();
        let _ = writeln!(out, "{}", line.join(","));
    }
    out
}

/// The report as an XLSX workbook (numbers as numbers).
pub fn to_xlsx(rows: &[GrantRow]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name("Rapport FEDER")?;
    let bold = Format::new().set_bold();
    for (column, title) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, u16::try_from(column).unwrap_or(0), *title, &bold)?;
    }
    for (index, row) in rows.iter().enumerate() {
        let r = u32::try_from(index + 1).unwrap_or(u32::MAX);
        sheet.write_string(r, 0, &row.partner)?;
        sheet.write_string(r, 1, &row.month)?;
        let numbers = [row.sessions, row.assisted, row.alone, row.pages_printed, row.scans];
        for (offset, value) in numbers.iter().enumerate() {
            sheet.write_number(r, 2 + u16::try_from(offset).unwrap_or(0), *value as f64)?;
        }
        sheet.write_number(r, 7, row.median_duration_min)?;
    }
    sheet.autofit();
    workbook.save_to_buffer()
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

    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_field("Mairie, Nord"), "\"Mairie, Nord\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("CCAS"), "CCAS");
    }
}
