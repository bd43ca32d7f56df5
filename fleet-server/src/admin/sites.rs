//! Sites and their enrolment codes (a new code is shown once), revoking codes, and each site's
//! override of the policy's `[station]` settings.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::ItAdmin;
use super::{Nav, PageError, html, now, when};
use crate::api::AppState;
use crate::site_policy;
use crate::store::{SiteRow, StoreError};

/// Days a code from the dashboard stays valid unless the form says otherwise.
const DEFAULT_VALID_DAYS: u32 = 30;

struct CodeView {
    code_hash: String,
    site: String,
    hint: String,
    created: String,
    expires: String,
    state: &'static str,
    usable: bool,
}

/// A code just created, shown once.
struct NewCode {
    code: String,
    site: String,
    expires: String,
}

#[derive(Template)]
#[template(path = "sites.html")]
struct SitesPage {
    nav: Nav,
    sites: Vec<SiteRow>,
    overridden: Vec<i64>,
    codes: Vec<CodeView>,
    new_code: Option<NewCode>,
    error: Option<String>,
    partner: String,
    name: String,
}

async fn render(
    state: &AppState,
    admin: &super::auth::Admin,
    new_code: Option<NewCode>,
    error: Option<String>,
    form: (&str, &str),
) -> Result<Response, PageError> {
    let now = now();
    let sites = state.store.sites().await?;
    let names: HashMap<i64, String> =
        sites.iter().map(|s| (s.id, format!("{} — {}", s.partner, s.name))).collect();
    let mut overridden = Vec::new();
    for site in &sites {
        if state.store.site_override(site.id).await?.is_some() {
            overridden.push(site.id);
        }
    }
    let codes = state
        .store
        .enrolment_codes()
        .await?
        .into_iter()
        .map(|code| {
            let state = if code.revoked_at.is_some() {
                "révoqué"
            } else if code.expires_at <= now {
                "expiré"
            } else {
                "valide"
            };
            CodeView {
                site: names.get(&code.site_id).cloned().unwrap_or_default(),
                hint: if code.hint.is_empty() { "…".into() } else { format!("…{}", code.hint) },
                created: when(code.created_at),
                expires: when(code.expires_at),
                usable: state == "valide",
                state,
                code_hash: code.code_hash,
            }
        })
        .collect();
    let page = SitesPage {
        nav: Nav::new(admin, "sites"),
        sites,
        overridden,
        codes,
        new_code,
        error,
        partner: form.0.to_owned(),
        name: form.1.to_owned(),
    };
    Ok(html(&page))
}

/// `GET /admin/sites`.
pub async fn sites_page(
    State(state): State<Arc<AppState>>,
    ItAdmin(admin): ItAdmin,
) -> Result<Response, PageError> {
    render(&state, &admin, None, None, ("", "")).await
}

/// The new-site form.
#[derive(Debug, Deserialize)]
pub struct SiteForm {
    csrf: String,
    partner: String,
    name: String,
    valid_days: Option<String>,
}

fn valid_days(text: Option<&str>) -> Result<u32, String> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(DEFAULT_VALID_DAYS),
        Some(text) => match text.parse::<u32>() {
            Ok(days @ 1..=365) => Ok(days),
            _ => Err(format!("Durée de validité « {text} » : indiquez un nombre de jours entre 1 et 365.")),
        },
    }
}

async fn issue(
    state: &AppState,
    actor: &str,
    site_id: i64,
    site: String,
    days: u32,
) -> Result<NewCode, StoreError> {
    let now = now();
    let expires_at = now + i64::from(days) * 86_400;
    let code = state.store.issue_enrolment_code(site_id, now, expires_at).await?;
    state.store.audit(now, actor, "code.issue", &site).await?;
    Ok(NewCode { code, site, expires: when(expires_at) })
}

/// `POST /admin/sites`: creates the site (and partner) if needed and shows a new code.
pub async fn add_site(
    State(state): State<Arc<AppState>>,
    ItAdmin(admin): ItAdmin,
    Form(form): Form<SiteForm>,
) -> Result<Response, PageError> {
    admin.check_csrf(&form.csrf)?;
    let (partner, name) = (form.partner.trim(), form.name.trim());
    let problem = if partner.is_empty() || name.is_empty() {
        Some("Indiquez le partenaire et le nom du site.".to_owned())
    } else if partner.chars().count() > 120 || name.chars().count() > 120 {
        Some("Le nom du partenaire et celui du site font au plus 120 caractères.".to_owned())
    } else {
        valid_days(form.valid_days.as_deref()).err()
    };
    if let Some(problem) = problem {
        return render(&state, &admin, None, Some(problem), (partner, name)).await;
    }
    let days = valid_days(form.valid_days.as_deref()).unwrap_or(DEFAULT_VALID_DAYS);
    let site = state.store.ensure_site(partner, name).await?;
    let code = issue(&state, &admin.user, site.id, format!("{} — {}", site.partner, site.name), days).await?;
    render(&state, &admin, Some(code), None, ("", "")).await
}

/// The new-code form of a site.
#[derive(Debug, Deserialize)]
pub struct CodeForm {
    csrf: String,
    valid_days: Option<String>,
}

/// `POST /admin/sites/{id}/code`.
pub async fn new_code(
    State(state): State<Arc<AppState>>,
    ItAdmin(admin): ItAdmin,
    Path(site_id): Path<i64>,
    Form(form): Form<CodeForm>,
) -> Result<Response, PageError> {
    admin.check_csrf(&form.csrf)?;
    let site = find_site(&state, site_id).await?;
    let days = match valid_days(form.valid_days.as_deref()) {
        Ok(days) => days,
        Err(problem) => return render(&state, &admin, None, Some(problem), ("", "")).await,
    };
    let code = issue(&state, &admin.user, site.id, format!("{} — {}", site.partner, site.name), days).await?;
    render(&state, &admin, Some(code), None, ("", "")).await
}

async fn find_site(state: &AppState, site_id: i64) -> Result<SiteRow, PageError> {
    state
        .store
        .sites()
        .await?
        .into_iter()
        .find(|s| s.id == site_id)
        .ok_or_else(|| PageError::NotFound(format!("Aucun site n° {site_id}.")))
}

/// The revoke-code form.
#[derive(Debug, Deserialize)]
pub struct RevokeCodeForm {
    csrf: String,
    code_hash: String,
}

/// `POST /admin/codes/revoquer`.
pub async fn revoke_code(
    State(state): State<Arc<AppState>>,
    ItAdmin(admin): ItAdmin,
    Form(form): Form<RevokeCodeForm>,
) -> Result<Response, PageError> {
    admin.check_csrf(&form.csrf)?;
    let now = now();
    match state.store.revoke_enrolment_code(&form.code_hash, now).await {
        Ok(()) => {
            state
                .store
                .audit(now, &admin.user, "code.revoke", &form.code_hash[..form.code_hash.len().min(12)])
                .await?
        }
        Err(StoreError::NotFound) => {}
        Err(error) => return Err(error.into()),
    }
    Ok(Redirect::to("/admin/sites").into_response())
}

#[derive(Template)]
#[template(path = "site_override.html")]
struct OverridePage {
    nav: Nav,
    site: SiteRow,
    settings: String,
    updated: String,
    keys: String,
    errors: Vec<String>,
    saved: bool,
}

/// `GET /admin/sites/{id}/reglages`.
pub async fn override_page(
    State(state): State<Arc<AppState>>,
    ItAdmin(admin): ItAdmin,
    Path(site_id): Path<i64>,
) -> Result<Response, PageError> {
    let site = find_site(&state, site_id).await?;
    let current = state.store.site_override(site_id).await?;
    let updated =
        current.as_ref().map(|o| format!("{} par {}", when(o.updated_at), o.updated_by)).unwrap_or_default();
    Ok(html(&OverridePage {
        nav: Nav::new(&admin, "sites"),
        site,
        settings: current.map(|o| o.settings).unwrap_or_default(),
        updated,
        keys: site_policy::KEYS.join(", "),
        errors: Vec::new(),
        saved: false,
    }))
}

/// The override form.
#[derive(Debug, Deserialize)]
pub struct OverrideForm {
    csrf: String,
    settings: String,
}

/// `POST /admin/sites/{id}/reglages`: checked against the current fleet policy, then saved.
pub async fn save_override(
    State(state): State<Arc<AppState>>,
    ItAdmin(admin): ItAdmin,
    Path(site_id): Path<i64>,
    Form(form): Form<OverrideForm>,
) -> Result<Response, PageError> {
    admin.check_csrf(&form.csrf)?;
    let site = find_site(&state, site_id).await?;
    let settings = form.settings.replace("\r\n", "\n");
    let errors = if settings.trim().is_empty() {
        Vec::new()
    } else {
        match state.store.latest_policy().await? {
            Some(policy) => site_policy::apply(&policy.text, &settings).err().unwrap_or_default(),
            None => site_policy::check_settings(&settings).err().unwrap_or_default(),
        }
    };
    let saved = errors.is_empty();
    if saved {
        let now = now();
        state.store.set_site_override(site_id, &settings, now, &admin.user).await?;
        state
            .store
            .audit(now, &admin.user, "site.override", &format!("{} — {}", site.partner, site.name))
            .await?;
    }
    let status =
        if saved { axum::http::StatusCode::OK } else { axum::http::StatusCode::UNPROCESSABLE_ENTITY };
    let page = OverridePage {
        nav: Nav::new(&admin, "sites"),
        site,
        settings,
        updated: String::new(),
        keys: site_policy::KEYS.join(", "),
        errors,
        saved,
    };
    Ok((status, html(&page)).into_response())
}
