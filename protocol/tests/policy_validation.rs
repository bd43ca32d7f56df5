//! What an IT admin sees when a policy file is wrong: the file, the line, the key, what was expected.

mod common;

use protocol::{Language, Policy};

fn errors(text: &str) -> String {
    Policy::parse(text, "policy.toml").expect_err("the policy must be refused").to_string()
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).expect("needle in text") + 1
}

#[test]
fn the_specification_example_is_accepted() {
    let policy = Policy::parse(common::EXAMPLE, "example.toml").unwrap();
    assert_eq!(policy.version, 1);
    assert_eq!(policy.station.idle_timeout_s, 300);
    assert_eq!(policy.station.languages, [Language::new("fr").unwrap(), Language::new("en").unwrap()]);
    assert_eq!(policy.station.download_types, ["application/pdf", "image/jpeg", "image/png"]);
    let procedure = &policy.procedures[0];
    assert_eq!(procedure.id.as_str(), "ants-identite");
    assert_eq!(procedure.title.get(&Language::new("en").unwrap()), Some("ID card and passport"));
    assert_eq!(procedure.title.get(&Language::new("de").unwrap()), Some("Carte d'identité et passeport"));
    assert_eq!(policy.rule_count(), 4);
    let warnings: Vec<String> = policy.warnings().iter().map(|w| w.message.clone()).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("\"identite\" is not a national digital-mediation thematic"));
}

#[test]
fn syntax_errors_name_file_and_line() {
    let text = common::EXAMPLE.replace("max_pages_per_session = 20", "max_pages_per_session = ");
    let message = errors(&text);
    let line = line_of(&text, "max_pages_per_session");
    assert!(message.starts_with(&format!("policy.toml:{line}:")), "{message}");
}

#[test]
fn type_errors_name_the_key() {
    let text = common::EXAMPLE.replace("idle_warning_s = 60", "idle_warning_s = \"soixante\"");
    let message = errors(&text);
    let line = line_of(&text, "idle_warning_s");
    assert!(message.starts_with(&format!("policy.toml:{line}:")), "{message}");
    assert!(
        message.contains("station.idle_warning_s: invalid type: string \"soixante\", expected u32"),
        "{message}"
    );
}

#[test]
fn misspelt_keys_are_refused_not_ignored() {
    let text = common::EXAMPLE.replace("idle_timeout_s = 300", "idle_timout_s = 300");
    let message = errors(&text);
    assert!(message.contains("unknown field `idle_timout_s`"), "{message}");
    assert!(message.contains("expected one of"), "{message}");
}

#[test]
fn missing_keys_are_named() {
    let text = common::EXAMPLE.replace("help = \"Besoin", "# help = \"Besoin");
    let message = errors(&text);
    assert!(message.contains("missing field `help`"), "{message}");
    assert!(message.contains("station"), "{message}");
}

#[test]
fn malformed_rules_point_at_the_rule() {
    let text = common::EXAMPLE.replace("\"https://*.ants.gouv.fr\"", "\"https://ants.*.gouv.fr\"");
    let message = errors(&text);
    let line = line_of(&text, "ants.*.gouv");
    assert!(message.starts_with(&format!("policy.toml:{line}:")), "{message}");
    assert!(
        message.contains("procedure[0].allow[1]: '*' is only allowed as the leftmost label"),
        "{message}"
    );
}

#[test]
fn validation_reports_every_problem_with_its_key() {
    let text = common::EXAMPLE
        .replace("idle_timeout_s = 300", "idle_timeout_s = 5")
        .replace("max_pages_per_session = 20", "max_pages_per_session = 0")
        .replace("languages = [\"fr\", \"en\"]", "languages = [\"en\"]")
        .replace("bundles = [\"franceconnect\"]", "bundles = [\"franceconect\"]")
        .replace("start = \"https://ants.gouv.fr/\"", "start = \"https://www.ants.fr/\"");
    let message = errors(&text);
    let expect = [
        ("idle_timeout_s", "station.idle_timeout_s: 5 is out of range: expected 30 to 3600 seconds"),
        (
            "max_pages_per_session",
            "station.max_pages_per_session: 0 is out of range: expected 1 to 500 pages",
        ),
        ("languages", "station.languages: must contain \"fr\""),
        (
            "www.ants.fr",
            "procedure[0].start: https://www.ants.fr/ is not allowed by the procedure's own rules",
        ),
        (
            "franceconect",
            "procedure[0].bundles[0]: no [[bundle]] has id \"franceconect\" (known: franceconnect)",
        ),
    ];
    for (needle, text_expected) in expect {
        let line = line_of(&text, needle);
        let wanted = format!("policy.toml:{line}:");
        let found = message.lines().any(|l| l.starts_with(&wanted) && l.contains(text_expected));
        assert!(found, "expected a line {wanted}…{text_expected}\n in:\n{message}");
    }
}

#[test]
fn duplicate_ids_and_timeouts_out_of_order_are_refused() {
    let second = r#"
[[procedure]]
id = "ants-identite"
title = { fr = "Doublon" }
category = "justice"
start = "https://ants.gouv.fr/"
allow = ["https://ants.gouv.fr"]
"#;
    let text = format!("{}{second}", common::EXAMPLE)
        .replace("idle_warning_s = 60", "idle_warning_s = 200")
        .replace("idle_timeout_s = 300", "idle_timeout_s = 120")
        .replace("assisted_idle_timeout_s = 1200", "assisted_idle_timeout_s = 60");
    let message = errors(&text);
    assert!(message.contains("procedure[1].id: procedure id \"ants-identite\" is used twice"), "{message}");
    assert!(
        message.contains("station.idle_warning_s: must be shorter than idle_timeout_s (120 s)"),
        "{message}"
    );
    assert!(
        message.contains("station.assisted_idle_timeout_s: 60 is out of range: expected 120 to 7200"),
        "{message}"
    );
}

#[test]
fn titles_need_french_and_versions_must_be_known() {
    let text = common::EXAMPLE
        .replace("title = { fr = \"Carte d'identité et passeport\", en", "title = { en")
        .replace("version = 1", "version = 2");
    let message = errors(&text);
    assert!(message.contains("version: unsupported format version 2: expected 1"), "{message}");
    assert!(message.contains("procedure[0].title: has no French text"), "{message}");
}

#[test]
fn start_pages_must_be_web_pages() {
    let text = common::EXAMPLE.replace("start = \"https://ants.gouv.fr/\"", "start = \"file:///etc/passwd\"");
    let message = errors(&text);
    assert!(message.contains("procedure[0].start:"), "{message}");
    assert!(message.contains("\"file:\" scheme is not allowed for pages"), "{message}");

    let text = common::EXAMPLE.replace("start = \"https://ants.gouv.fr/\"", "start = \"ants.gouv.fr\"");
    let message = errors(&text);
    assert!(message.contains("procedure[0].start:"), "{message}");
    assert!(message.contains("relative URL without a base"), "{message}");
}

#[test]
fn a_policy_needs_procedures_and_fields_may_be_extended() {
    let text = common::EXAMPLE.split("[[procedure]]").next().unwrap().to_owned();
    let message = errors(&text);
    assert!(message.contains("no [[procedure]]"), "{message}");

    let text = common::EXAMPLE
        .replace("category = \"identite\"", "category = \"papiers_elections_citoyennete\"\nicon = \"id-card\"\ndescription = { fr = \"Demander ou renouveler.\" }")
        .replace("help = \"Besoin", "download_types = [\"application/pdf\"]\nhelp = \"Besoin");
    let policy = Policy::parse(&text, "policy.toml").unwrap();
    assert_eq!(policy.procedures[0].icon.as_deref(), Some("id-card"));
    assert_eq!(policy.station.download_types, ["application/pdf"]);
    assert!(policy.warnings().iter().any(|w| w.message.contains("no \"en\" text")));
}

#[test]
fn ports_paths_and_international_hosts_are_accepted_in_rules() {
    let policy = Policy::parse(&common::extended(), "extended.toml").unwrap();
    assert_eq!(policy.rule_count(), 7);
    let hosts: Vec<String> = policy.procedures[1].allow.iter().map(|r| format!("{:?}", r.host())).collect();
    assert_eq!(hosts[2], "Exact(\"xn--mairie-vry-h7a.fr\")");
}
