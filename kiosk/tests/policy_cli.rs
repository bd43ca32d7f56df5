//! `kiosk policy …` as IT staff run it: exit codes and messages.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn catalogue() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/policy.toml")
}

fn kiosk(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kiosk")).args(args).output().expect("kiosk runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn scratch_file(name: &str, content: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kiosk-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("policy.toml");
    std::fs::write(&path, content).unwrap();
    path
}

#[test]
fn check_summarises_a_valid_catalogue() {
    let out = kiosk(&["policy", "check", catalogue().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.contains("valid policy (format 1): 11 procedures, 1 bundle, "), "{stdout}");
    assert!(stdout.contains("languages fr, en"), "{stdout}");
    assert_eq!(text(&out.stderr), "", "the shipped catalogue has no warning");
}

#[test]
fn check_names_file_line_and_key_of_each_problem() {
    let broken = std::fs::read_to_string(catalogue())
        .unwrap()
        .replace("max_pages_per_session = 20", "max_pages_per_session = 0")
        .replace("\"https://*.caf.fr\"", "\"https://caf.*.fr\"");
    let path = scratch_file("broken", &broken);
    let out = kiosk(&["policy", "check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    let line = broken.lines().position(|l| l.contains("caf.*.fr")).unwrap() + 1;
    let expected = format!("{}:{line}:", path.display());
    assert!(
        stderr.lines().any(|l| l.starts_with(&expected) && l.contains("procedure[2].allow[1]")),
        "{stderr}"
    );

    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();

    let out = kiosk(&["policy", "check", "/nonexistent/policy.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("/nonexistent/policy.toml: cannot read the policy file"));
}

#[test]
fn explain_allows_the_procedures_sites_and_says_by_which_rule() {
    let file = catalogue();
    let file = file.to_str().unwrap();
    for (url, by) in [
        ("https://passeport.ants.gouv.fr/", "procedure \"ants-identite\", rule \"https://*.ants.gouv.fr\""),
        ("https://www.caf.fr/", "procedure \"caf\", rule \"https://*.caf.fr\""),
        (
            "https://app.franceconnect.gouv.fr/",
            "bundle \"franceconnect\", rule \"https://*.franceconnect.gouv.fr\"",
        ),
    ] {
        let out = kiosk(&["policy", "explain", file, url]);
        assert_eq!(out.status.code(), Some(0), "{url}: {}", text(&out.stdout));
        assert_eq!(text(&out.stdout), format!("allowed by {by}\n"));
    }
}

#[test]
fn explain_says_why_a_url_is_blocked() {
    let file = catalogue();
    let file = file.to_str().unwrap();
    for (url, why) in [
        ("https://passeport.ants.gouv.fr@evil.example/", "user-info"),
        ("https://www.caf.fr.evil.example/", "no rule allows the host www.caf.fr.evil.example"),
        ("http://www.caf.fr/", "allowed only over https"),
        (
            "https://www.service-public.fr/professionnels",
            "outside the allowed paths (/particuliers, /compte)",
        ),
        ("file:///etc/passwd", "\"file:\" scheme is not allowed"),
    ] {
        let out = kiosk(&["policy", "explain", file, url]);
        assert_eq!(out.status.code(), Some(1), "{url}");
        let stdout = text(&out.stdout);
        assert!(stdout.starts_with("blocked: ") && stdout.contains(why), "{url}: {stdout}");
    }
    let out = kiosk(&["policy", "explain", file, "--procedure", "impots", "https://www.caf.fr/"]);
    assert_eq!(out.status.code(), Some(1), "a procedure sees only its own sites");
}

#[test]
fn explain_usage_errors_exit_2() {
    let file = catalogue();
    let file = file.to_str().unwrap();
    assert_eq!(kiosk(&["policy", "explain", file]).status.code(), Some(2));
    assert_eq!(kiosk(&["policy", "explain"]).status.code(), Some(2));
    let out = kiosk(&["policy", "explain", file, "--procedure", "nope", "https://www.caf.fr/"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no procedure \"nope\""), "{}", text(&out.stderr));
    let out = kiosk(&["policy", "explain", "/nonexistent.toml", "https://www.caf.fr/"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn show_lists_the_tiles_in_the_chosen_language() {
    let out = kiosk(&["policy", "show", catalogue().to_str().unwrap(), "--lang", "en"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(stdout.contains(" 1. ID card and passport  [ants-identite]"), "{stdout}");
    assert!(stdout.contains("cofinancé par l'Union européenne"), "{stdout}");
}
