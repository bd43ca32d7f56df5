//! Checks a policy beyond its types: ranges, references, uniqueness, reachability of start pages.

use std::collections::HashSet;
use std::ops::RangeInclusive;

use super::{FORMAT_VERSION, Localized, Procedure, RawPolicy, Station, THEMATICS};
use crate::ids::Language;
use crate::matcher::{Context, Matcher};
use crate::toml_file::{Document, KeyPath, Problem, check_range};

/// Accepted range of `idle_timeout_s`: long enough to read a page, short enough to protect the next resident.
pub const IDLE_TIMEOUT_S: RangeInclusive<u32> = 30..=3600;
/// Accepted range of `idle_warning_s`.
pub const IDLE_WARNING_S: RangeInclusive<u32> = 10..=300;
/// Upper bound of `assisted_idle_timeout_s` (its lower bound is `idle_timeout_s`).
pub const ASSISTED_IDLE_TIMEOUT_MAX_S: u32 = 7200;
/// Accepted range of `max_pages_per_session`.
pub const MAX_PAGES: RangeInclusive<u32> = 1..=500;

/// Collects every problem of the policy, or the warnings when there is none.
pub(super) fn check(policy: &RawPolicy, doc: &Document<'_>) -> Result<Vec<Problem>, Vec<Problem>> {
    let mut checker = Checker { doc, problems: Vec::new(), warnings: Vec::new() };
    if policy.version != FORMAT_VERSION {
        checker.problem(
            KeyPath::root().key("version"),
            format!("unsupported format version {}: expected {FORMAT_VERSION}", policy.version),
        );
    }
    checker.station(&policy.station);
    checker.bundles(policy);
    checker.procedures(policy);
    if checker.problems.is_empty() {
        Ok(checker.warnings)
    } else {
        checker.problems.sort_by_key(|p| p.line);
        Err(checker.problems)
    }
}

struct Checker<'d, 'i> {
    doc: &'d Document<'i>,
    problems: Vec<Problem>,
    warnings: Vec<Problem>,
}

impl Checker<'_, '_> {
    fn problem(&mut self, key: KeyPath, message: impl Into<String>) {
        self.problems.push(self.doc.problem(key, message));
    }

    fn warning(&mut self, key: KeyPath, message: impl Into<String>) {
        self.warnings.push(self.doc.problem(key, message));
    }

    fn in_range(&mut self, key: KeyPath, value: u32, range: RangeInclusive<u32>, unit: &str) {
        self.problems.extend(check_range(self.doc, key, value, range, unit));
    }

    fn not_blank(&mut self, key: KeyPath, text: &str) {
        if text.trim().is_empty() {
            self.problem(key, "is empty: expected a sentence shown to residents");
        }
    }

    fn station(&mut self, station: &Station) {
        let key = KeyPath::root().key("station");
        self.in_range(key.key("idle_timeout_s"), station.idle_timeout_s, IDLE_TIMEOUT_S, "seconds");
        self.in_range(key.key("idle_warning_s"), station.idle_warning_s, IDLE_WARNING_S, "seconds");
        if station.idle_warning_s >= station.idle_timeout_s
            && IDLE_TIMEOUT_S.contains(&station.idle_timeout_s)
        {
            self.problem(
                key.key("idle_warning_s"),
                format!("must be shorter than idle_timeout_s ({} s)", station.idle_timeout_s),
            );
        }
        let assisted = station.idle_timeout_s..=ASSISTED_IDLE_TIMEOUT_MAX_S;
        self.in_range(
            key.key("assisted_idle_timeout_s"),
            station.assisted_idle_timeout_s,
            assisted,
            "seconds",
        );
        self.in_range(key.key("max_pages_per_session"), station.max_pages_per_session, MAX_PAGES, "pages");
        self.languages(&key.key("languages"), &station.languages);
        self.not_blank(key.key("funding_notice"), &station.funding_notice);
        self.not_blank(key.key("help"), &station.help);
        for (i, mime) in station.download_types.iter().enumerate() {
            let well_formed = mime.split_once('/').is_some_and(|(kind, sub)| {
                let token = |s: &str| {
                    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                };
                token(kind) && token(sub)
            });
            if !well_formed {
                self.problem(
                    key.key("download_types").index(i),
                    format!("{mime:?} is not a MIME type: expected e.g. \"application/pdf\""),
                );
            }
        }
    }

    fn languages(&mut self, key: &KeyPath, languages: &[Language]) {
        if languages.is_empty() {
            self.problem(key.clone(), "is empty: expected at least [\"fr\"]");
            return;
        }
        if !languages.contains(&Language::french()) {
            self.problem(key.clone(), "must contain \"fr\", the kiosk's default language");
        }
        let mut seen = HashSet::new();
        for (i, language) in languages.iter().enumerate() {
            if !seen.insert(language) {
                self.problem(key.index(i), format!("\"{language}\" is listed twice"));
            }
        }
    }

    fn bundles(&mut self, policy: &RawPolicy) {
        let mut seen = HashSet::new();
        for (i, bundle) in policy.bundles.iter().enumerate() {
            let key = KeyPath::root().key("bundle").index(i);
            if !seen.insert(&bundle.id) {
                self.problem(
                    key.key("id"),
                    format!("bundle id \"{}\" is used twice: expected unique ids", bundle.id),
                );
            }
            if bundle.allow.is_empty() {
                self.problem(key.key("allow"), "is empty: expected at least one rule");
            }
            if !policy.procedures.iter().any(|p| p.bundles.contains(&bundle.id)) {
                self.warning(key.key("id"), format!("bundle \"{}\" is not used by any procedure", bundle.id));
            }
        }
    }

    fn procedures(&mut self, policy: &RawPolicy) {
        if policy.procedures.is_empty() {
            self.problem(
                KeyPath::root(),
                "no [[procedure]]: expected at least one procedure for the home screen",
            );
        }
        let mut seen = HashSet::new();
        for (i, procedure) in policy.procedures.iter().enumerate() {
            let key = KeyPath::root().key("procedure").index(i);
            if !seen.insert(&procedure.id) {
                self.problem(
                    key.key("id"),
                    format!("procedure id \"{}\" is used twice: expected unique ids", procedure.id),
                );
            }
            self.texts(&key.key("title"), &procedure.title, &policy.station.languages, true);
            if !procedure.description.is_empty() {
                self.texts(&key.key("description"), &procedure.description, &policy.station.languages, false);
            }
            if !THEMATICS.contains(&procedure.category.as_str()) {
                self.warning(
                    key.key("category"),
                    format!(
                        "\"{}\" is not a national digital-mediation thematic; figures will not line up (known: {})",
                        procedure.category,
                        THEMATICS.join(", ")
                    ),
                );
            }
            self.references(&key, procedure, policy);
            self.start(&key, procedure);
        }
    }

    fn texts(&mut self, key: &KeyPath, texts: &Localized, languages: &[Language], required: bool) {
        match texts.exact(&Language::french()) {
            None if required || !texts.is_empty() => {
                self.problem(key.clone(), "has no French text: expected fr = \"…\"");
            }
            Some(text) if text.trim().is_empty() => {
                self.problem(key.key("fr"), "is empty: expected a short text")
            }
            _ => {}
        }
        for language in languages {
            if texts.exact(language).is_none() && language != &Language::french() {
                self.warning(key.clone(), format!("has no \"{language}\" text; French is shown instead"));
            }
        }
    }

    fn references(&mut self, key: &KeyPath, procedure: &Procedure, policy: &RawPolicy) {
        if procedure.allow.is_empty() {
            self.problem(key.key("allow"), "is empty: expected at least the rule that allows the start page");
        }
        for (j, bundle) in procedure.bundles.iter().enumerate() {
            if !policy.bundles.iter().any(|b| &b.id == bundle) {
                let known: Vec<&str> = policy.bundles.iter().map(|b| b.id.as_str()).collect();
                self.problem(
                    key.key("bundles").index(j),
                    format!("no [[bundle]] has id \"{bundle}\" (known: {})", known.join(", ")),
                );
            }
        }
    }

    fn start(&mut self, key: &KeyPath, procedure: &Procedure) {
        let own = Matcher::new(super::own_rules(procedure));
        if let Err(blocked) = own.explain(&procedure.start, Context::TopLevel) {
            self.problem(
                key.key("start"),
                format!("{} is not allowed by the procedure's own rules: {blocked}", procedure.start),
            );
        }
    }
}
