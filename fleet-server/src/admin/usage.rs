//! The usage page (period picker, partner/site/station filters, key figures, charts and the
//! table per month) and the CSV/XLSX exports of the same selection.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Months, NaiveDate};
use protocol::{Language, Policy};
use serde::Deserialize;

use super::auth::Admin;
use super::chart::{self, Series};
use super::{Nav, PageError, html};
use crate::api::AppState;
use crate::report::{self, Preset};
use crate::usage::{self, Bucket, Filter, Grouping};

/// The selection, as the page's form and the export links carry it.
#[derive(Debug, Default, Deserialize)]
pub struct UsageQuery {
    from: Option<String>,
    to: Option<String>,
    partner: Option<String>,
    site: Option<String>,
    station: Option<String>,
    format: Option<String>,
    preset: Option<String>,
}

fn date(text: Option<&str>, name: &str, default: NaiveDate) -> Result<NaiveDate, PageError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(default),
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            PageError::BadRequest(format!("{name} « {text} » : date attendue au format AAAA-MM-JJ."))
        }),
    }
}

fn id(text: Option<&str>, name: &str) -> Result<Option<i64>, PageError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => text.parse().map(Some).map_err(|_| {
            PageError::BadRequest(format!("{name} « {text} » : identifiant numérique attendu."))
        }),
    }
}

impl UsageQuery {
    /// The filter it asks for; by default the last twelve months up to today.
    fn filter(&self, today: NaiveDate) -> Result<Filter, PageError> {
        let first_of_month = today.with_day(1).unwrap_or(today);
        let default_from = first_of_month.checked_sub_months(Months::new(11)).unwrap_or(first_of_month);
        let from = date(self.from.as_deref(), "Début", default_from)?;
        let to = date(self.to.as_deref(), "Fin", today)?;
        if to < from {
            return Err(PageError::BadRequest(format!("La fin ({to}) est avant le début ({from}).")));
        }
        Ok(Filter {
            from,
            to,
            partner: id(self.partner.as_deref(), "Partenaire")?,
            site: id(self.site.as_deref(), "Site")?,
            station: self.station.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned),
        })
    }
}

/// The query string of a filter (for export links).
fn query_string(filter: &Filter) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("from", &filter.from.to_string()).append_pair("to", &filter.to.to_string());
    if let Some(partner) = filter.partner {
        query.append_pair("partner", &partner.to_string());
    }
    if let Some(site) = filter.site {
        query.append_pair("site", &site.to_string());
    }
    if let Some(station) = &filter.station {
        query.append_pair("station", station);
    }
    query.finish()
}

/// Every month `YYYY-MM` from `from` to `to`.
fn months(from: NaiveDate, to: NaiveDate) -> Vec<String> {
    let mut months = Vec::new();
    let mut month = from.with_day(1).unwrap_or(from);
    while month <= to && months.len() < 600 {
        months.push(month.format("%Y-%m").to_string());
        month = month.checked_add_months(Months::new(1)).unwrap_or(to + chrono::Days::new(1));
    }
    months
}

/// Duration classes of the distribution chart, in minutes (upper bound excluded).
const DURATION_CLASSES: [(i64, i64, &str); 7] = [
    (0, 5, "< 5 min"),
    (5, 10, "5–9"),
    (10, 20, "10–19"),
    (20, 30, "20–29"),
    (30, 45, "30–44"),
    (45, 60, "45–59"),
    (60, i64::MAX, "≥ 60"),
];

struct MonthLine {
    month: String,
    sessions: i64,
    assisted: i64,
    alone: i64,
    pages_printed: i64,
    scans: i64,
    median: String,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "usage.html")]
struct UsagePage {
    nav: Nav,
    from: String,
    to: String,
    partners: Vec<Choice>,
    sites: Vec<Choice>,
    stations: Vec<Choice>,
    total: MonthLine,
    lines: Vec<MonthLine>,
    procedures: Vec<(String, i64)>,
    chart_sessions: String,
    chart_procedures: String,
    chart_prints: String,
    chart_durations: String,
    query: String,
}

fn line(month: String, bucket: &Bucket) -> MonthLine {
    MonthLine {
        month,
        sessions: bucket.sessions,
        assisted: bucket.assisted,
        alone: bucket.alone(),
        pages_printed: bucket.pages_printed,
        scans: bucket.scans,
        median: format!("{:.1}", bucket.median_duration_min()).replace('.', ","),
    }
}

/// `GET /admin/usage`: both roles.
pub async fn usage_page(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Query(query): Query<UsageQuery>,
) -> Result<Response, PageError> {
    let filter = query.filter(chrono::Utc::now().date_naive())?;
    let buckets = usage::buckets(&state.store, &filter, Grouping::All).await?;
    let per_month: BTreeMap<String, Bucket> = buckets.into_iter().map(|((_, month), b)| (month, b)).collect();
    let months = months(filter.from, filter.to);
    let empty = Bucket::default();
    let mut total = Bucket::default();
    per_month.values().for_each(|b| total.add(b));
    let lines: Vec<MonthLine> =
        months.iter().map(|m| line(m.clone(), per_month.get(m).unwrap_or(&empty))).collect();
    let values = |f: fn(&Bucket) -> i64| -> Vec<i64> {
        months.iter().map(|m| per_month.get(m).map_or(0, f)).collect()
    };
    let chart_sessions = chart::bars(
        "Sessions par mois, seules ou accompagnées",
        &months,
        &[
            Series { label: "seules", color: "#2b6cb0", values: values(Bucket::alone) },
            Series { label: "accompagnées", color: "#dd6b20", values: values(|b| b.assisted) },
        ],
        true,
    );
    let chart_prints = chart::bars(
        "Pages imprimées et numérisations par mois",
        &months,
        &[
            Series { label: "pages imprimées", color: "#2f855a", values: values(|b| b.pages_printed) },
            Series { label: "numérisations", color: "#6b46c1", values: values(|b| b.scans) },
        ],
        false,
    );
    let classes: Vec<String> = DURATION_CLASSES.iter().map(|(_, _, label)| (*label).to_owned()).collect();
    let distribution: Vec<i64> = DURATION_CLASSES
        .iter()
        .map(|(low, high, _)| total.durations.range(*low..*high).map(|(_, count)| count).sum())
        .collect();
    let chart_durations = chart::bars(
        "Durée des sessions (minutes)",
        &classes,
        &[Series { label: "sessions", color: "#2c7a7b", values: distribution }],
        false,
    );
    let titles: BTreeMap<String, String> = match state.store.latest_policy().await? {
        Some(latest) => Policy::parse(&latest.text, "politique")
            .map(|policy| {
                policy
                    .procedures
                    .iter()
                    .map(|p| {
                        let title = p.title.get(&Language::french()).unwrap_or_default().to_owned();
                        (p.id.to_string(), title)
                    })
                    .collect()
            })
            .unwrap_or_default(),
        None => BTreeMap::new(),
    };
    let procedures: Vec<(String, i64)> = usage::per_procedure(&state.store, &filter)
        .await?
        .into_iter()
        .map(|(id, count)| {
            let label = match titles.get(&id) {
                Some(title) => title.clone(),
                None if id.is_empty() => "(accueil seulement)".into(),
                None => id,
            };
            (label, count)
        })
        .collect();
    let chart_procedures = chart::ranking("Sessions par démarche", &procedures, "#2b6cb0");
    let sites = state.store.sites().await?;
    let mut partners: BTreeMap<i64, String> = BTreeMap::new();
    for site in &sites {
        partners.insert(site.partner_id, site.partner.clone());
    }
    let choice = |value: String, label: String, selected: bool| Choice { value, label, selected };
    let partners = partners
        .into_iter()
        .map(|(id, name)| choice(id.to_string(), name, filter.partner == Some(id)))
        .collect();
    let site_choices = sites
        .iter()
        .map(|s| choice(s.id.to_string(), format!("{} — {}", s.partner, s.name), filter.site == Some(s.id)))
        .collect();
    let stations = state
        .store
        .stations()
        .await?
        .into_iter()
        .map(|s| {
            let selected = filter.station.as_deref() == Some(s.id.as_str());
            choice(s.id, format!("{} ({})", s.hostname, s.site), selected)
        })
        .collect();
    let page = UsagePage {
        nav: Nav::new(&admin, "usage"),
        from: filter.from.to_string(),
        to: filter.to.to_string(),
        partners,
        sites: site_choices,
        stations,
        total: line("Total".into(), &total),
        lines,
        procedures,
        chart_sessions,
        chart_procedures,
        chart_prints,
        chart_durations,
        query: query_string(&filter),
    };
    Ok(html(&page))
}

/// `GET /admin/export?format=csv|xlsx&preset=rapport|sites&from=…`: both roles.
pub async fn export(
    State(state): State<Arc<AppState>>,
    _admin: Admin,
    Query(query): Query<UsageQuery>,
) -> Result<Response, PageError> {
    let filter = query.filter(chrono::Utc::now().date_naive())?;
    let preset_name = query.preset.as_deref().unwrap_or("rapport");
    let preset = Preset::from_name(preset_name).ok_or_else(|| {
        PageError::BadRequest(format!(
            "Export « {preset_name} » inconnu : « rapport », « sites » ou « demarches »."
        ))
    })?;
    let table = report::export(&state.store, &filter, preset).await?;
    let name = format!("{}-{}-{}", preset.name(), filter.from, filter.to);
    match query.format.as_deref().unwrap_or("csv") {
        "csv" => Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.csv\"")),
            ],
            report::to_csv(&table),
        )
            .into_response()),
        "xlsx" => {
            let bytes = report::to_xlsx(&table).map_err(|e| {
                tracing::error!(error = %e, "cannot build an XLSX export");
                PageError::BadRequest("Le fichier XLSX n'a pas pu être construit.".into())
            })?;
            Ok((
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
                    ),
                    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.xlsx\"")),
                ],
                bytes,
            )
                .into_response())
        }
        other => Err(PageError::BadRequest(format!("Format « {other} » inconnu : « csv » ou « xlsx »."))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_period_is_the_last_twelve_months() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let filter = UsageQuery::default().filter(today).unwrap();
        assert_eq!(filter.from, NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
        assert_eq!(filter.to, today);
        assert_eq!(months(filter.from, filter.to).len(), 12);
    }

    #[test]
    fn bad_dates_and_ids_are_named() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let bad = UsageQuery { from: Some("03/12/2026".into()), ..Default::default() };
        assert!(bad.filter(today).unwrap_err().to_string().contains("03/12/2026"));
        let bad = UsageQuery { site: Some("1 OR 1=1".into()), ..Default::default() };
        assert!(bad.filter(today).unwrap_err().to_string().contains("Site"));
        let reversed = UsageQuery {
            from: Some("2026-12-01".into()),
            to: Some("2026-11-01".into()),
            ..Default::default()
        };
        assert!(reversed.filter(today).is_err());
    }
}
