//! The fleet page (stations by partner and site, state and alerts), a station's page with its
//! health history, and revoking a station.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use protocol::health::HealthReport;

use super::auth::{CsrfForm, ItAdmin};
use super::health::{self, Alert};
use super::{Nav, PageError, ago, bytes, html, now, when};
use crate::api::AppState;
use crate::store::{StationRow, StoreError};

/// One station as the fleet page shows it.
pub struct StationView {
    id: String,
    hostname: String,
    online: bool,
    seen: String,
    kiosk_version: String,
    agent_version: String,
    disk_free: String,
    printer: String,
    supplies: String,
    last_wipe: String,
    alerts: Vec<Alert>,
    revoked: bool,
}

struct SiteGroup {
    name: String,
    stations: Vec<StationView>,
}

struct PartnerGroup {
    name: String,
    sites: Vec<SiteGroup>,
}

fn parse_health(row: &StationRow) -> Option<HealthReport> {
    row.last_health.as_deref().and_then(|json| serde_json::from_str(json).ok())
}

fn view(row: &StationRow, now: i64, offline_after_s: u64) -> StationView {
    let report = parse_health(row);
    let report = report.as_ref();
    let revoked = row.revoked_at.is_some();
    let alerts =
        if revoked { Vec::new() } else { health::alerts(now, row.last_seen, offline_after_s, report) };
    StationView {
        id: row.id.clone(),
        hostname: row.hostname.clone(),
        online: !alerts.iter().any(|a| a.kind == "offline") && !revoked,
        seen: row.last_seen.map_or_else(|| "jamais".into(), |seen| ago(now, seen)),
        kiosk_version: report
            .and_then(|r| r.kiosk.version.clone())
            .or_else(|| row.kiosk_version.clone())
            .unwrap_or_else(|| "—".into()),
        agent_version: report.map_or_else(|| row.agent_version.clone(), |r| r.agent_version.clone()),
        disk_free: report.map_or_else(|| "—".into(), |r| bytes(r.system.disk_free_bytes)),
        printer: report.map_or_else(|| "—".into(), |r| health::printer_summary(r.printer.as_ref())),
        supplies: health::supplies(report.and_then(|r| r.printer.as_ref())),
        last_wipe: health::last_wipe(now, report),
        alerts,
        revoked,
    }
}

#[derive(Template)]
#[template(path = "fleet.html")]
struct FleetPage {
    nav: Nav,
    partners: Vec<PartnerGroup>,
    total: usize,
    online: usize,
    with_alerts: usize,
    revoked: usize,
}

/// `GET /admin/parc`.
pub async fn fleet_page(
    State(state): State<Arc<AppState>>,
    ItAdmin(admin): ItAdmin,
) -> Result<Response, PageError> {
    let now = now();
    let rows = state.store.stations().await?;
    let mut partners: Vec<PartnerGroup> = Vec::new();
    let (mut total, mut online, mut with_alerts, mut revoked) = (0, 0, 0, 0);
    for row in &rows {
        let station = view(row, now, state.settings.offline_after_s);
        if station.revoked {
            revoked += 1;
        } else {
            total += 1;
            online += usize::from(station.online);
            with_alerts += usize::from(!station.alerts.is_empty());
        }
        if partners.last().is_none_or(|p| p.name != row.partner) {
            partners.push(PartnerGroup { name: row.partner.clone(), sites: Vec::new() });
        }
        let sites = &mut partners.last_mut().expect("pushed above").sites;
        if sites.last().is_none_or(|s| s.name != row.site) {
            sites.push(SiteGroup { name: row.site.clone(), stations: Vec::new() });
        }
        sites.last_mut().expect("pushed above").stations.push(station);
    }
    Ok(html(&FleetPage { nav: Nav::new(&admin, "parc"), partners, total, online, with_alerts, revoked }))
}

/// One line of a station's health history.
struct HistoryLine {
    at: String,
    cpu: String,
    memory: String,
    disk_free: String,
    printer: String,
    kiosk: String,
    last_wipe: String,
}

#[derive(Template)]
#[template(path = "station.html")]
struct StationPage {
    nav: Nav,
    station: StationView,
    site: String,
    partner: String,
    enrolled: String,
    revoked_at: String,
    uptime: String,
    history: Vec<HistoryLine>,
}

/// Health reports shown on a station's page.
const HISTORY_LINES: i64 = 200;

/// `GET /admin/postes/{id}`.
pub async fn station_page(
    State(state): State<Arc<AppState>>,
    ItAdmin(admin): ItAdmin,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let now = now();
    let row =
        state.store.station(&id).await?.ok_or_else(|| PageError::NotFound(format!("Aucun poste {id}.")))?;
    let uptime = parse_health(&row).map_or_else(String::new, |r| {
        let hours = r.system.uptime_s / 3_600;
        format!("{} j {} h", hours / 24, hours % 24)
    });
    let history = state
        .store
        .health_history(&id, HISTORY_LINES)
        .await?
        .into_iter()
        .filter_map(|(at, json)| Some((at, serde_json::from_str::<HealthReport>(&json).ok()?)))
        .map(|(at, report)| HistoryLine {
            at: when(at),
            cpu: format!("{:.0} %", report.system.cpu_percent),
            memory: format!(
                "{} / {}",
                bytes(report.system.memory_used_bytes),
                bytes(report.system.memory_total_bytes)
            ),
            disk_free: bytes(report.system.disk_free_bytes),
            printer: health::printer_summary(report.printer.as_ref()),
            kiosk: if report.kiosk.running { "en marche".into() } else { "arrêté".into() },
            last_wipe: health::last_wipe(at, Some(&report)),
        })
        .collect();
    Ok(html(&StationPage {
        nav: Nav::new(&admin, "parc"),
        station: view(&row, now, state.settings.offline_after_s),
        site: row.site.clone(),
        partner: row.partner.clone(),
        enrolled: when(row.enrolled_at),
        revoked_at: row.revoked_at.map(when).unwrap_or_default(),
        uptime,
        history,
    }))
}

/// `POST /admin/postes/{id}/revoquer`: the station's token stops working at once.
pub async fn revoke_station(
    State(state): State<Arc<AppState>>,
    ItAdmin(admin): ItAdmin,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    admin.check_csrf(&form.csrf)?;
    let now = now();
    match state.store.revoke_station(&id, now).await {
        Ok(()) | Err(StoreError::NotFound) => {}
        Err(error) => return Err(error.into()),
    }
    state.store.audit(now, &admin.user, "station.revoke", &id).await?;
    tracing::info!(station = %id, by = %admin.user, "station revoked");
    Ok(Redirect::to(&format!("/admin/postes/{id}")).into_response())
}
