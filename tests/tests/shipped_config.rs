//! The files shipped in `config/` are what the programs accept, so an install from them works.

use end_to_end::{run, shipped_config};

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn every_program_accepts_its_example_configuration() {
    for (program, file) in
        [("kiosk", "kiosk.toml"), ("fleet-agent", "agent.toml"), ("fleet-server", "server.toml")]
    {
        let path = shipped_config(file);
        let out = run(program, &["config", "check", path.to_str().unwrap()]);
        assert!(out.status.success(), "{program} refuses config/{file}: {}", stderr(&out));
        assert!(stdout(&out).contains("valid"), "{program}: {}", stdout(&out));
    }
}

#[test]
fn the_catalogue_validates_and_allows_the_residents_main_sites() {
    let policy = shipped_config("policy.toml");
    let policy = policy.to_str().unwrap();
    let out = run("kiosk", &["policy", "check", policy]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "", "the shipped catalogue has no warnings");
    for url in
        ["https://passeport.ants.gouv.fr/", "https://www.caf.fr/", "https://app.franceconnect.gouv.fr/"]
    {
        let out = run("kiosk", &["policy", "explain", policy, url]);
        assert!(out.status.success(), "{url}: {}", stdout(&out));
    }
}

#[test]
fn the_catalogue_uses_national_thematics_and_covers_every_promised_service() {
    let text = std::fs::read_to_string(shipped_config("policy.toml")).unwrap();
    let policy = protocol::Policy::parse(&text, "policy.toml").unwrap();
    for procedure in &policy.procedures {
        assert!(
            protocol::policy::THEMATICS.contains(&procedure.category.as_str()),
            "{}: {}",
            procedure.id,
            procedure.category
        );
        assert!(
            procedure.description.exact(&protocol::Language::new("en").unwrap()).is_some(),
            "{}",
            procedure.id
        );
    }
    let starts: Vec<String> =
        policy.procedures.iter().map(|p| p.start.host_str().unwrap().to_owned()).collect();
    for host in [
        "ants.gouv.fr",
        "permisdeconduire.ants.gouv.fr",
        "administration-etrangers-en-france.interieur.gouv.fr",
        "www.caf.fr",
        "casier-judiciaire.justice.gouv.fr",
        "www.service-public.fr",
        "www.ameli.fr",
        "www.impots.gouv.fr",
        "www.francetravail.fr",
    ] {
        assert!(starts.iter().any(|s| s == host), "no tile starts on {host}");
    }
}
