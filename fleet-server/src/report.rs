//! The exports: the grant report (per partner and per month: sessions, accompaniments, sessions
//! alone, pages printed, scans, median duration, with totals) and the same figures per site; as
//! CSV or XLSX, for a period and the dashboard's filters.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::store::{Store, StoreError};
use crate::usage::{self, Bucket, Filter, Grouping};

/// Column titles of the grant report, in French for the project team's reports.
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

/// Which export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// Per partner and month, with per-partner and overall totals.
    Grant,
    /// Per partner, site and month, with per-site and overall totals.
    Sites,
}

impl Preset {
    /// The preset named in a URL or on the command line (`rapport` or `sites`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "rapport" | "grant" => Some(Self::Grant),
            "sites" => Some(Self::Sites),
            _ => None,
        }
    }

    /// Its name in URLs and file names.
    pub fn name(self) -> &'static str {
        match self {
            Self::Grant => "rapport",
            Self::Sites => "sites",
        }
    }

    fn columns(self) -> Vec<&'static str> {
        let mut columns = COLUMNS.to_vec();
        if self == Self::Sites {
            columns.insert(1, "site");
        }
        columns
    }
}

/// One line of an export.
#[derive(Debug, Clone, PartialEq)]
pub struct GrantRow {
    /// Partner name ("Total" for the grand total line).
    pub partner: String,
    /// Site name (per-site export only).
    pub site: Option<String>,
    /// `YYYY-MM`, `total` for a group's total, empty for the grand total.
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

fn row(bucket: &Bucket, partner: &str, site: Option<&str>, month: &str) -> GrantRow {
    GrantRow {
        partner: partner.to_owned(),
        site: site.map(str::to_owned),
        month: month.to_owned(),
        sessions: bucket.sessions,
        assisted: bucket.assisted,
        alone: bucket.alone(),
        pages_printed: bucket.pages_printed,
        scans: bucket.scans,
        median_duration_min: bucket.median_duration_min(),
    }
}

/// The grant report of `filter`: one row per partner and month, then one "total" row per
/// partner and a grand total.
pub async fn grant_report(store: &Store, filter: &Filter) -> Result<Vec<GrantRow>, StoreError> {
    export(store, filter, Preset::Grant).await
}

/// The rows of an export: one per group and month, then one per group, then the grand total.
pub async fn export(store: &Store, filter: &Filter, preset: Preset) -> Result<Vec<GrantRow>, StoreError> {
    let grouping = match preset {
        Preset::Grant => Grouping::Partner,
        Preset::Sites => Grouping::Site,
    };
    let buckets = usage::buckets(store, filter, grouping).await?;
    let split = |key: &str| -> (String, Option<String>) {
        match (preset, key.split_once('\u{1f}')) {
            (Preset::Sites, Some((partner, site))) => (partner.to_owned(), Some(site.to_owned())),
            _ => (key.to_owned(), None),
        }
    };
    let mut rows = Vec::new();
    let mut per_group: BTreeMap<String, Bucket> = BTreeMap::new();
    let mut grand = Bucket::default();
    for ((key, month), bucket) in &buckets {
        let (partner, site) = split(key);
        rows.push(row(bucket, &partner, site.as_deref(), month));
        per_group.entry(key.clone()).or_default().add(bucket);
        grand.add(bucket);
    }
    for (key, bucket) in &per_group {
        let (partner, site) = split(key);
        rows.push(row(bucket, &partner, site.as_deref(), "total"));
    }
    let site = (preset == Preset::Sites).then_some("");
    rows.push(row(&grand, "Total", site, ""));
    Ok(rows)
}

fn cells(row: &GrantRow) -> Vec<String> {
    let mut cells = vec![
        row.partner.clone(),
        row.month.clone(),
        row.sessions.to_string(),
        row.assisted.to_string(),
        row.alone.to_string(),
        row.pages_printed.to_string(),
        row.scans.to_string(),
        format!("{:.1}", row.median_duration_min),
    ];
    if let Some(site) = &row.site {
        cells.insert(1, site.clone());
    }
    cells
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

/// The export as CSV (comma-separated, header line first).
pub fn to_csv(rows: &[GrantRow], preset: Preset) -> String {
    let mut out = preset.columns().join(",");
    out.push('\n');
    for row in rows {
        let line: Vec<String> = cells(row).iter().map(|c| csv_field(c)).collect();
        let _ = writeln!(out, "{}", line.join(","));
    }
    out
}

/// The export as an XLSX workbook (numbers as numbers).
pub fn to_xlsx(rows: &[GrantRow], preset: Preset) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let name = match preset {
        Preset::Grant => "Rapport FEDER",
        Preset::Sites => "Par site",
    };
    let sheet = workbook.add_worksheet().set_name(name)?;
    let bold = Format::new().set_bold();
    for (column, title) in preset.columns().iter().enumerate() {
        sheet.write_string_with_format(0, u16::try_from(column).unwrap_or(0), *title, &bold)?;
    }
    for (index, row) in rows.iter().enumerate() {
        let r = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let mut column = 0u16;
        let mut text = |sheet: &mut rust_xlsxwriter::Worksheet, value: &str| {
            column += 1;
            sheet.write_string(r, column - 1, value).map(|_| ())
        };
        text(sheet, &row.partner)?;
        if let Some(site) = &row.site {
            text(sheet, site)?;
        }
        text(sheet, &row.month)?;
        let numbers = [row.sessions, row.assisted, row.alone, row.pages_printed, row.scans];
        for value in numbers {
            sheet.write_number(r, column, value as f64)?;
            column += 1;
        }
        sheet.write_number(r, column, row.median_duration_min)?;
    }
    sheet.autofit();
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_field("Mairie, Nord"), "\"Mairie, Nord\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("CCAS"), "CCAS");
    }
}
