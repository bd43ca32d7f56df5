//! The station policy: station settings, the procedure catalogue and its allow rules.
//!
//! IT staff write it in TOML; the server publishes it; the agent validates and installs it; the
//! kiosk reads it. [`Policy::parse`] is the one gate all three go through.

mod validate;

use std::collections::BTreeMap;

use serde::Deserialize;
use url::Url;

use crate::ids::{BundleId, Category, Language, ProcedureId};
use crate::matcher::{Matcher, Rule, Source, SourcedRule};
use crate::toml_file::{Document, FileError, Problem};

/// The policy file format this code reads (`version = 1`).
pub const FORMAT_VERSION: u32 = 1;

/// The national digital-mediation thematics, used as procedure categories so station figures line
/// up with national statistics.
pub const THEMATICS: &[&str] = &[
    "papiers_elections_citoyennete",
    "transports_mobilite",
    "social_sante",
    "famille_scolarite",
    "travail_formation",
    "argent_impots",
    "justice",
    "etrangers_europe",
    "logement",
    "email",
    "navigation_sur_internet",
    "aide_aux_demarches_administratives",
];

/// A validated station policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The file format version (always [`FORMAT_VERSION`] once validated).
    pub version: u32,
    /// Settings of every station.
    pub station: Station,
    /// Named groups of rules that procedures share.
    pub bundles: Vec<Bundle>,
    /// The catalogue, in the order of the home screen.
    pub procedures: Vec<Procedure>,
    warnings: Vec<Problem>,
    matcher: Matcher,
}

/// The policy as written, before validation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    version: u32,
    station: Station,
    #[serde(default, rename = "bundle")]
    bundles: Vec<Bundle>,
    #[serde(default, rename = "procedure")]
    procedures: Vec<Procedure>,
}

/// Settings that apply to every session of a station.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Station {
    /// Seconds without input before the "are you still there?" countdown starts.
    pub idle_timeout_s: u32,
    /// Length of that countdown, in seconds, before the session is wiped.
    pub idle_warning_s: u32,
    /// Idle time in seconds for a session a volunteer marked as assisted.
    pub assisted_idle_timeout_s: u32,
    /// Most pages one session may print.
    pub max_pages_per_session: u32,
    /// Interface languages offered, French first by convention; must contain `fr`.
    pub languages: Vec<Language>,
    /// The EU funding mention shown on the home screen.
    pub funding_notice: String,
    /// Where to find help, shown on the home screen and on blocked pages.
    pub help: String,
    /// MIME types a session may download (everything else is refused).
    #[serde(default = "default_download_types")]
    pub download_types: Vec<String>,
}

fn default_download_types() -> Vec<String> {
    ["application/pdf", "image/jpeg", "image/png"].map(String::from).to_vec()
}

/// A named group of allow rules shared by several procedures (e.g. the identity federation).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// The bundle's id, referenced by procedures.
    pub id: BundleId,
    /// What the bundle is for, for IT staff.
    #[serde(default)]
    pub description: Option<String>,
    /// The rules.
    pub allow: Vec<Rule>,
}

/// One tile of the home screen: a procedure, its start page and the sites it may visit.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Procedure {
    /// Catalogue id, the only trace of the procedure in usage records.
    pub id: ProcedureId,
    /// Tile title per language; `fr` is required.
    pub title: Localized,
    /// One plain sentence of what the procedure is for, per language.
    #[serde(default)]
    pub description: Localized,
    /// A national digital-mediation thematic (see [`THEMATICS`]).
    pub category: Category,
    /// Pictogram name for the tile.
    #[serde(default)]
    pub icon: Option<String>,
    /// The page a session opens on.
    pub start: Url,
    /// The procedure's own allow rules.
    pub allow: Vec<Rule>,
    /// Bundles whose rules the procedure may also use.
    #[serde(default)]
    pub bundles: Vec<BundleId>,
}

/// A text in several languages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Localized(BTreeMap<Language, String>);

impl Localized {
    /// The text in `language`, falling back to French, then to any language.
    pub fn get(&self, language: &Language) -> Option<&str> {
        self.0
            .get(language)
            .or_else(|| self.0.get(&Language::french()))
            .or_else(|| self.0.values().next())
            .map(String::as_str)
    }

    /// The text in exactly `language`, without fallback.
    pub fn exact(&self, language: &Language) -> Option<&str> {
        self.0.get(language).map(String::as_str)
    }

    /// Every language the text is written in.
    pub fn languages(&self) -> impl Iterator<Item = &Language> {
        self.0.keys()
    }

    /// Whether no language is given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Policy {
    /// Parses and validates a policy; `file` names it in error messages.
    pub fn parse(text: &str, file: &str) -> Result<Self, FileError> {
        let fail = |problems| FileError { file: file.to_owned(), problems };
        let document = Document::parse(text).map_err(|p| fail(vec![p]))?;
        let raw: RawPolicy = document.deserialize().map_err(|p| fail(vec![p]))?;
        let warnings = validate::check(&raw, &document).map_err(fail)?;
        let matcher = Matcher::new(all_rules(&raw.procedures, &raw.bundles));
        Ok(Self {
            version: raw.version,
            station: raw.station,
            bundles: raw.bundles,
            procedures: raw.procedures,
            warnings,
            matcher,
        })
    }

    /// Things that are allowed but probably not meant (unknown category, missing translation…).
    pub fn warnings(&self) -> &[Problem] {
        &self.warnings
    }

    /// The matcher over every rule of the catalogue.
    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    /// The procedure with this id.
    pub fn procedure(&self, id: &ProcedureId) -> Option<&Procedure> {
        self.procedures.iter().find(|p| &p.id == id)
    }

    /// The bundle with this id.
    pub fn bundle(&self, id: &BundleId) -> Option<&Bundle> {
        self.bundles.iter().find(|b| &b.id == id)
    }

    /// A matcher over one procedure's own rules and those of its bundles: what a session of that
    /// procedure may visit.
    pub fn procedure_matcher(&self, id: &ProcedureId) -> Option<Matcher> {
        let procedure = self.procedure(id)?;
        Some(Matcher::new(procedure_rules(procedure, &self.bundles)))
    }

    /// How many allow rules the policy holds in all.
    pub fn rule_count(&self) -> usize {
        self.matcher.rules().len()
    }
}

fn procedure_rules<'a>(
    procedure: &'a Procedure,
    bundles: &'a [Bundle],
) -> impl Iterator<Item = SourcedRule> + 'a {
    let shared =
        procedure.bundles.iter().filter_map(|id| bundles.iter().find(|b| &b.id == id)).flat_map(bundle_rules);
    own_rules(procedure).chain(shared)
}

fn own_rules(procedure: &Procedure) -> impl Iterator<Item = SourcedRule> + '_ {
    let source = Source::Procedure(procedure.id.clone());
    procedure.allow.iter().map(move |rule| SourcedRule { source: source.clone(), rule: rule.clone() })
}

fn bundle_rules(bundle: &Bundle) -> impl Iterator<Item = SourcedRule> + '_ {
    let source = Source::Bundle(bundle.id.clone());
    bundle.allow.iter().map(move |rule| SourcedRule { source: source.clone(), rule: rule.clone() })
}

fn all_rules<'a>(
    procedures: &'a [Procedure],
    bundles: &'a [Bundle],
) -> impl Iterator<Item = SourcedRule> + 'a {
    procedures.iter().flat_map(own_rules).chain(bundles.iter().flat_map(bundle_rules))
}
