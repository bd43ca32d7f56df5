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
    /// Sessions per procedure and month, with per-procedure totals.
    Procedures,
}

impl Preset {
    /// The preset named in a URL or on the command line (`rapport`, `sites` or `demarches`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "rapport" | "grant" => Some(Self::Grant),
            "sites" => Some(Self::Sites),
            "demarches" | "procedures" => Some(Self::Procedures),
            _ => None,
        }
    }

    /// Its name in URLs and file names.
    pub fn name(self) -> &'static str {
        match self {
            Self::Grant => "rapport",
            Self::Sites => "sites",
            Self::Procedures => "demarches",
        }
    }
}

/// One cell of an export.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A count.
    Int(i64),
    /// A figure with one decimal.
    Decimal(f64),
}

/// An export: a sheet name, column titles and rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The XLSX sheet's name.
    pub sheet: &'static str,
    /// Column titles.
    pub columns: Vec<&'static str>,
    /// The rows, as many cells as columns.
    pub rows: Vec<Vec<Cell>>,
}

/// One line of the grant report.
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

impl GrantRow {
    fn cells(&self) -> Vec<Cell> {
        let mut cells = vec![
            Cell::Text(self.partner.clone()),
            Cell::Text(self.month.clone()),
            Cell::Int(self.sessions),
            Cell::Int(self.assisted),
            Cell::Int(self.alone),
            Cell::Int(self.pages_printed),
            Cell::Int(self.scans),
            Cell::Decimal(self.median_duration_min),
        ];
        if let Some(site) = &self.site {
            cells.insert(1, Cell::Text(site.clone()));
        }
        cells
    }
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
    grouped(store, filter, Grouping::Partner).await
}

/// Rows per group and month, then one per group, then the grand total.
async fn grouped(store: &Store, filter: &Filter, grouping: Grouping) -> Result<Vec<GrantRow>, StoreError> {
    let buckets = usage::buckets(store, filter, grouping).await?;
    let split = |key: &str| -> (String, Option<String>) {
        match (grouping, key.split_once('\u{1f}')) {
            (Grouping::Site, Some((partner, site))) => (partner.to_owned(), Some(site.to_owned())),
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
    let site = (grouping == Grouping::Site).then_some("");
    rows.push(row(&grand, "Total", site, ""));
    Ok(rows)
}

/// An export of `filter`.
pub async fn export(store: &Store, filter: &Filter, preset: Preset) -> Result<Table, StoreError> {
    match preset {
        Preset::Grant | Preset::Sites => {
            let grouping = if preset == Preset::Grant { Grouping::Partner } else { Grouping::Site };
            let rows = grouped(store, filter, grouping).await?;
            let mut columns = COLUMNS.to_vec();
            if preset == Preset::Sites {
                columns.insert(1, "site");
            }
            let sheet = if preset == Preset::Grant { "Rapport FEDER" } else { "Par site" };
            Ok(Table { sheet, columns, rows: rows.iter().map(GrantRow::cells).collect() })
        }
        Preset::Procedures => {
            let counts = usage::procedures_by_month(store, filter).await?;
            let mut rows = Vec::new();
            let mut totals: BTreeMap<String, i64> = BTreeMap::new();
            for ((procedure, month), sessions) in &counts {
                let name = if procedure.is_empty() { "(accueil seulement)" } else { procedure };
                rows.push(vec![Cell::Text(name.to_owned()), Cell::Text(month.clone()), Cell::Int(*sessions)]);
                *totals.entry(name.to_owned()).or_default() += sessions;
            }
            for (procedure, sessions) in totals {
                rows.push(vec![Cell::Text(procedure), Cell::Text("total".into()), Cell::Int(sessions)]);
            }
            Ok(Table { sheet: "Par démarche", columns: vec!["demarche", "mois", "sessions"], rows })
        }
    }
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
pub fn to_csv(table: &Table) -> String {
    let mut out = table.columns.join(",");
    out.push('\n');
    for row in &table.rows {
        let line: Vec<String> = row
            .iter()
            .map(|cell| match cell {
                Cell::Text(text) => csv_field(text),
                Cell::Int(value) => value.to_string(),
                Cell::Decimal(value) => format!("{value:.1}"),
            })
            .collect();
        let _ = writeln!(out, "{}", line.join(","));
    }
    out
}

/// The export as an XLSX workbook (numbers as numbers).
pub fn to_xlsx(table: &Table) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name(table.sheet)?;
    let bold = Format::new().set_bold();
    for (column, title) in table.columns.iter().enumerate() {
        sheet.write_string_with_format(0, u16::try_from(column).unwrap_or(u16::MAX), *title, &bold)?;
    }
    for (index, row) in table.rows.iter().enumerate() {
        let r = u32::try_from(index + 1).unwrap_or(u32::MAX);
        for (column, cell) in row.iter().enumerate() {
            let c = u16::try_from(column).unwrap_or(u16::MAX);
            match cell {
                Cell::Text(text) => sheet.write_string(r, c, text)?,
                Cell::Int(value) => sheet.write_number(r, c, *value as f64)?,
                Cell::Decimal(value) => sheet.write_number(r, c, *value)?,
            };
        }
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
