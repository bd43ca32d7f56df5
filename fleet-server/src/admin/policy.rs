//! The policy page: the current version, an editor whose errors are shown beside the lines they
//! are about, a URL tester (the matcher's explanation), and publishing a new version.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Form, Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use protocol::matcher::Context;
use protocol::{Policy, ProcedureId};
use serde::Deserialize;

use super::auth::ItAdmin;
use super::{Nav, PageError, html, now, when};
use crate::api::AppState;
use crate::site_policy;

/// One line of the policy with the problems found on it.
struct ListingLine {
    number: usize,
    text: String,
    problems: Vec<String>,
}

/// The outcome of the URL tester.
struct Tested {
    url: String,
    procedure: String,
    allowed: bool,
    explanation: String,
}

#[derive(Template)]
#[template(path = "policy.html")]
struct PolicyPage {
    nav: Nav,
    version: Option<i64>,
    history: Vec<(i64, String, String)>,
    text: String,
    errors: Vec<String>,
    warnings: Vec<String>,
    listing: Vec<ListingLine>,
    checked: bool,
    published: Option<i64>,
    procedures: Vec<String>,
    tested: Option<Tested>,
}

/// `?url=&procedure=` of the tester, `?publiee=N` after publishing.
#[derive(Debug, Deserialize)]
pub struct PolicyQuery {
    url: Option<String>,
    procedure: Option<String>,
    publiee: Option<i64>,
}

fn problem_text(problem: &protocol::toml_file::Problem) -> String {
    let place = match (problem.line, problem.column) {
        (Some(line), Some(column)) => format!("ligne {line}, colonne {column} : "),
        (Some(line), None) => format!("ligne {line} : "),
        _ => String::new(),
    };
    let key = problem.key.to_string();
    let key = if key.is_empty() { String::new() } else { format!("{key} : ") };
    format!("{place}{key}{}", problem.message)
}

/// Every line of `text`, each with the problems located on it.
fn listing(text: &str, problems: &[protocol::toml_file::Problem]) -> Vec<ListingLine> {
    let mut by_line: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for problem in problems {
        if let Some(line) = problem.line {
            by_line.entry(line).or_default().push(problem_text(problem));
        }
    }
    text.lines()
        .enumerate()
        .map(|(i, line)| ListingLine {
            number: i + 1,
            text: line.to_owned(),
            problems: by_line.remove(&(i + 1)).unwrap_or_default(),
        })
        .collect()
}

fn test(policy: &Policy, url: &str, procedure: &str) -> Tested {
    let scoped;
    let matcher = if procedure.is_empty() {
        Some(policy.matcher())
    } else {
        scoped = procedure.parse::<ProcedureId>().ok().and_then(|id| policy.procedure_matcher(&id));
        scoped.as_ref()
    };
    let (allowed, explanation) = match matcher {
        None => (false, format!("aucune démarche « {procedure} » dans la politique")),
        Some(matcher) => match matcher.explain_str(url, Context::TopLevel) {
            Ok(grant) => (true, format!("autorisée par {grant}")),
            Err(blocked) => (false, format!("bloquée : {blocked}")),
        },
    };
    Tested { url: url.to_owned(), procedure: procedure.to_owned(), allowed, explanation }
}

async fn page(state: &AppState, admin: &super::auth::Admin) -> Result<PolicyPage, PageError> {
    let latest = state.store.latest_policy().await?;
    let history = state
        .store
        .policy_history(20)
        .await?
        .into_iter()
        .map(|(version, at, by)| (version, when(at), by))
        .collect();
    let procedures = latest
        .as_ref()
        .and_then(|p| Policy::parse(&p.text, "politique").ok())
        .map(|p| p.procedures.iter().map(|p| p.id.to_string()).collect())
        .unwrap_or_default();
    Ok(PolicyPage {
        nav: Nav::new(admin, "politique"),
        version: latest.as_ref().map(|p| p.version),
        history,
        text: latest.map(|p| p.text).unwrap_or_default(),
        errors: Vec::new(),
        warnings: Vec::new(),
        listing: Vec::new(),
        checked: false,
        published: None,
        procedures,
        tested: None,
    })
}

/// `GET /admin/politique`.
pub async fn policy_page(
    State(state): State<Arc<AppState>>,
    ItAdmin(admin): ItAdmin,
    Query(query): Query<PolicyQuery>,
) -> Result<Response, PageError> {
    let mut page = page(&state, &admin).await?;
    page.published = query.publiee;
    if let Some(url) = query.url.filter(|u| !u.trim().is_empty()) {
        let procedure = query.procedure.unwrap_or_default();
        page.tested = Some(match Policy::parse(&page.text, "politique") {
            Ok(policy) => test(&policy, url.trim(), procedure.trim()),
            Err(_) => Tested {
                url,
                procedure,
                allowed: false,
                explanation: "aucune politique valide n'est publiée".into(),
            },
        });
    }
    Ok(html(&page))
}

/// The editor's form: `action` is `check` or `publish`.
#[derive(Debug, Deserialize)]
pub struct PolicyForm {
    csrf: String,
    text: String,
    action: String,
}

/// Largest policy file accepted by the upload form.
pub const MAX_POLICY_BYTES: usize = 1024 * 1024;

/// `POST /admin/politique/fichier` (multipart: `csrf`, `file`): the uploaded file is checked and
/// put in the editor; publishing is then one click, after reading the result.
pub async fn upload_policy(
    State(state): State<Arc<AppState>>,
    ItAdmin(admin): ItAdmin,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let (mut csrf, mut file) = (String::new(), None);
    while let Some(field) =
        multipart.next_field().await.map_err(|e| PageError::BadRequest(format!("Envoi illisible : {e}")))?
    {
        match field.name() {
            Some("csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("file") => {
                let name = field.file_name().unwrap_or("politique.toml").to_owned();
                let bytes = field.bytes().await.map_err(|e| {
                    PageError::BadRequest(format!(
                        "Le fichier n'a pas pu être reçu (au plus {} Kio) : {e}",
                        MAX_POLICY_BYTES / 1024
                    ))
                })?;
                file = Some((name, bytes));
            }
            _ => {}
        }
    }
    admin.check_csrf(&csrf)?;
    let (name, bytes) = file.filter(|(_, bytes)| !bytes.is_empty()).ok_or_else(|| {
        PageError::BadRequest("Choisissez un fichier de politique (.toml) à envoyer.".into())
    })?;
    let text = String::from_utf8(bytes.to_vec())
        .map_err(|_| PageError::BadRequest(format!("{name} n'est pas un fichier texte UTF-8.")))?;
    check_or_publish(&state, &admin, text, false).await
}

/// `POST /admin/politique`: checks the text; publishes it when asked and valid.
pub async fn submit_policy(
    State(state): State<Arc<AppState>>,
    ItAdmin(admin): ItAdmin,
    Form(form): Form<PolicyForm>,
) -> Result<Response, PageError> {
    admin.check_csrf(&form.csrf)?;
    check_or_publish(&state, &admin, form.text, form.action == "publish").await
}

async fn check_or_publish(
    state: &AppState,
    admin: &super::auth::Admin,
    text: String,
    publish: bool,
) -> Result<Response, PageError> {
    let text = text.replace("\r\n", "\n");
    let mut page = page(state, admin).await?;
    page.checked = true;
    match Policy::parse(&text, "politique") {
        Err(error) => {
            page.errors = error.problems.iter().map(problem_text).collect();
            page.listing = listing(&text, &error.problems);
            page.text = text;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response());
        }
        Ok(policy) => {
            page.warnings = policy.warnings().iter().map(problem_text).collect();
            for site in state.store.sites().await? {
                if let Some(o) = state.store.site_override(site.id).await?
                    && let Err(errors) = site_policy::apply(&text, &o.settings)
                {
                    page.warnings.push(format!(
                        "réglages du site {} — {} incompatibles, ses postes recevront la politique du parc : {}",
                        site.partner,
                        site.name,
                        errors.join(" ; ")
                    ));
                }
            }
        }
    }
    if publish {
        let now = now();
        let version = state.store.publish_policy(&text, now, &admin.user).await?;
        tracing::info!(version, by = %admin.user, "policy published from the dashboard");
        return Ok(Redirect::to(&format!("/admin/politique?publiee={version}")).into_response());
    }
    page.text = text;
    Ok(html(&page))
}
