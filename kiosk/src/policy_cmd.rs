//! `kiosk policy check|explain|show`: what IT staff run before publishing a policy.

use std::fmt::Write as _;
use std::path::Path;

use protocol::toml_file::FileError;
use protocol::{Context, Language, Policy, ProcedureId};

use crate::cli::PolicyCommand;
use crate::outcome::{Outcome, USAGE_ERROR};

/// Runs one `kiosk policy` command.
pub fn run(command: &PolicyCommand) -> Outcome {
    match command {
        PolicyCommand::Check { file } => check(file),
        PolicyCommand::Explain { file, url, procedure, frame } => {
            let context = if *frame { Context::SubFrame } else { Context::TopLevel };
            explain(file, url, procedure.as_deref(), context)
        }
        PolicyCommand::Show { file, lang } => show(file, lang),
    }
}

/// Reads and validates a policy file; the error is ready to print.
pub fn load(file: &Path) -> Result<Policy, String> {
    let name = file.display().to_string();
    let text =
        std::fs::read_to_string(file).map_err(|e| format!("{name}: cannot read the policy file: {e}"))?;
    Policy::parse(&text, &name).map_err(|e| e.to_string())
}

fn warnings(policy: &Policy, file: &Path) -> String {
    if policy.warnings().is_empty() {
        return String::new();
    }
    let report = FileError { file: file.display().to_string(), problems: policy.warnings().to_vec() };
    report.to_string().lines().map(|l| format!("warning: {l}\n")).collect()
}

fn check(file: &Path) -> Outcome {
    let policy = match load(file) {
        Ok(policy) => policy,
        Err(error) => return Outcome::new(1, String::new(), format!("{error}\n")),
    };
    let languages: Vec<&str> = policy.station.languages.iter().map(Language::as_str).collect();
    let summary = format!(
        "{}: valid policy (format {}): {}, {}, {}, languages {}\n",
        file.display(),
        policy.version,
        plural(policy.procedures.len(), "procedure"),
        plural(policy.bundles.len(), "bundle"),
        plural(policy.rule_count(), "allow rule"),
        languages.join(", "),
    );
    Outcome::new(0, summary, warnings(&policy, file))
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 { format!("1 {noun}") } else { format!("{count} {noun}s") }
}

fn explain(file: &Path, url: &str, procedure: Option<&str>, context: Context) -> Outcome {
    let usage_error = |message: String| Outcome::new(USAGE_ERROR, String::new(), format!("{message}\n"));
    let policy = match load(file) {
        Ok(policy) => policy,
        Err(error) => return usage_error(error),
    };
    let scoped;
    let matcher = match procedure {
        None => policy.matcher(),
        Some(id) => {
            let known = || policy.procedures.iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join(", ");
            let found = id.parse::<ProcedureId>().ok().and_then(|id| policy.procedure_matcher(&id));
            match found {
                Some(matcher) => {
                    scoped = matcher;
                    &scoped
                }
                None => {
                    return usage_error(format!(
                        "no procedure \"{id}\" in {} (known: {})",
                        file.display(),
                        known()
                    ));
                }
            }
        }
    };
    match matcher.explain_str(url, context) {
        Ok(grant) => Outcome::new(0, format!("allowed by {grant}\n"), String::new()),
        Err(blocked) => Outcome::new(1, format!("blocked: {blocked}\n"), String::new()),
    }
}

fn show(file: &Path, lang: &str) -> Outcome {
    let policy = match load(file) {
        Ok(policy) => policy,
        Err(error) => return Outcome::new(1, String::new(), format!("{error}\n")),
    };
    let language = match Language::new(lang) {
        Ok(language) => language,
        Err(e) => return Outcome::new(USAGE_ERROR, String::new(), format!("--lang {lang:?}: {e}\n")),
    };
    let mut out = String::new();
    for (i, procedure) in policy.procedures.iter().enumerate() {
        let title = procedure.title.get(&language).unwrap_or_default();
        let _ = writeln!(out, "{:>2}. {title}  [{}]", i + 1, procedure.id);
        if let Some(description) = procedure.description.get(&language) {
            let _ = writeln!(out, "    {description}");
        }
        let rules = procedure.allow.len()
            + procedure.bundles.iter().filter_map(|b| policy.bundle(b)).map(|b| b.allow.len()).sum::<usize>();
        let _ = writeln!(
            out,
            "    {}  ({}, {})",
            procedure.start,
            procedure.category,
            plural(rules, "allow rule")
        );
    }
    let _ = writeln!(out, "\n{}\n{}", policy.station.funding_notice, policy.station.help);
    Outcome::new(0, out, warnings(&policy, file))
}
