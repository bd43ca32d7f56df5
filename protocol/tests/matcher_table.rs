//! The URL matcher against the tricks used to smuggle a page past an allowlist.

mod common;

use protocol::{Blocked, Context, Grant, Policy};

/// What a row expects: allowed by this rule, or blocked with a reason containing this text.
enum Expect {
    Allowed(&'static str),
    Blocked(&'static str),
}
use Expect::{Allowed, Blocked as Refused};

#[test]
fn navigation_table() {
    let policy = Policy::parse(&common::extended(), "extended.toml").unwrap();
    let table: &[(&str, Expect)] = &[
        // the allowed hosts themselves
        ("https://ants.gouv.fr/", Allowed("https://ants.gouv.fr")),
        ("https://passeport.ants.gouv.fr/demarches", Allowed("https://*.ants.gouv.fr")),
        (
            "https://app.franceconnect.gouv.fr/api/v1/authorize?x=1",
            Allowed("https://*.franceconnect.gouv.fr"),
        ),
        ("HTTPS://ANTS.GOUV.FR/", Allowed("https://ants.gouv.fr")),
        ("https://ants.gouv.fr./", Allowed("https://ants.gouv.fr")),
        ("https://ants.gouv.fr:443/", Allowed("https://ants.gouv.fr")),
        // user-info, query and fragment disguises
        ("https://passeport.ants.gouv.fr@evil.example/", Refused("user-info")),
        ("https://user:pw@ants.gouv.fr/", Refused("user-info")),
        ("https://evil.example/?ants.gouv.fr", Refused("no rule allows the host evil.example")),
        ("https://evil.example/#ants.gouv.fr", Refused("no rule allows the host evil.example")),
        // look-alike hosts
        ("https://ants.gouv.fr.evil.example/", Refused("no rule allows the host ants.gouv.fr.evil.example")),
        ("https://evilants.gouv.fr/", Refused("no rule allows the host evilants.gouv.fr")),
        ("https://\u{430}nts.gouv.fr/", Refused("no rule allows the host xn--nts-5cd.gouv.fr")),
        ("https://xn--nts-5cd.gouv.fr/", Refused("no rule allows the host xn--nts-5cd.gouv.fr")),
        ("https://franceconnect.gouv.fr.evil.example/", Refused("no rule allows the host")),
        ("https://.ants.gouv.fr/", Refused("no rule allows the host .ants.gouv.fr")),
        ("https://a..ants.gouv.fr/", Refused("no rule allows the host a..ants.gouv.fr")),
        // IDN rules match their Unicode and punycode spellings
        ("https://MAIRIE-ÉVRY.fr/etat-civil", Allowed("https://mairie-évry.fr")),
        ("https://xn--mairie-vry-h7a.fr/", Allowed("https://mairie-évry.fr")),
        // scheme and port
        ("http://ants.gouv.fr/", Refused("allowed only over https, not http")),
        ("https://ants.gouv.fr:8443/", Refused("port 8443 is not allowed for ants.gouv.fr (allowed: 443)")),
        ("http://127.0.0.2:8080/demarches/rdv", Allowed("http://127.0.0.2:8080/demarches/")),
        ("http://127.0.0.2/demarches/rdv", Refused("port 80 is not allowed for 127.0.0.2 (allowed: 8080)")),
        ("https://127.0.0.2:8080/demarches/", Refused("allowed only over http, not https")),
        // path prefixes on segment boundaries
        ("https://www.service-public.fr/particuliers", Allowed("https://www.service-public.fr/particuliers")),
        (
            "https://www.service-public.fr/particuliers/",
            Allowed("https://www.service-public.fr/particuliers"),
        ),
        (
            "https://www.service-public.fr/particuliers/vosdroits/N359",
            Allowed("https://www.service-public.fr/particuliers"),
        ),
        ("https://www.service-public.fr/particuliersX", Refused("outside the allowed paths (/particuliers)")),
        ("https://www.service-public.fr/professionnels", Refused("outside the allowed paths")),
        ("https://www.service-public.fr/particuliers/../professionnels", Refused("the path /professionnels")),
        (
            "https://www.service-public.fr/particuliers/./../professionnels",
            Refused("the path /professionnels"),
        ),
        (
            "https://www.service-public.fr/particuliers/%2e%2e/professionnels",
            Refused("the path /professionnels"),
        ),
        (
            "https://www.service-public.fr/particuliers/%2E%2e/professionnels",
            Refused("the path /professionnels"),
        ),
        (
            "https://www.service-public.fr/particuliers/.%2e/professionnels",
            Refused("the path /professionnels"),
        ),
        (
            "https://www.service-public.fr/particuliers\\..\\professionnels",
            Refused("the path /professionnels"),
        ),
        (
            "https://www.service-public.fr/%70articuliers/vosdroits",
            Allowed("https://www.service-public.fr/particuliers"),
        ),
        ("https://www.service-public.fr/particuliers%2F..%2Fprofessionnels", Refused("hides an encoded '/'")),
        ("https://www.service-public.fr/particuliers%2Fx", Refused("hides an encoded '/'")),
        (
            "https://www.service-public.fr/particuliers/%2e%2e%2Fprofessionnels",
            Refused("hides an encoded '/'"),
        ),
        (
            "https://www.service-public.fr/particuliers/..%5Cprofessionnels",
            Refused("hides an encoded '/' or '\\'"),
        ),
        ("http://127.0.0.2:8080/demarches/%2e%2e/admin", Refused("the path /admin")),
        // schemes that are never pages
        ("file:///etc/passwd", Refused("\"file:\" scheme is not allowed for pages")),
        ("javascript:alert(1)", Refused("\"javascript:\" scheme is not allowed for pages")),
        ("data:text/html,<h1>x</h1>", Refused("\"data:\" scheme is not allowed for pages")),
        ("blob:https://ants.gouv.fr/6b1d", Refused("\"blob:\" scheme is not allowed for pages")),
        ("about:config", Refused("\"about:\" scheme is not allowed for pages")),
        ("about:blank", Allowed("about:blank")),
        ("ftp://ants.gouv.fr/", Refused("\"ftp:\" scheme")),
        ("webkit://x", Refused("\"webkit:\" scheme")),
        ("not a url", Refused("not a valid URL")),
    ];
    let mut failures = Vec::new();
    for (url, expect) in table {
        let result = policy.matcher().explain_str(url, Context::TopLevel);
        let ok = match (&result, expect) {
            (Ok(Grant::Rule(r)), Allowed(rule)) => r.rule.as_str() == *rule,
            (Ok(Grant::BuiltIn(what)), Allowed(rule)) => what == rule,
            (Err(reason), Refused(text)) => reason.to_string().contains(text),
            _ => false,
        };
        if !ok {
            failures.push(format!("{url}: got {result:?}"));
        }
    }
    assert!(failures.is_empty(), "{} rows failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn frames_may_hold_inert_content_but_not_other_sites() {
    let policy = Policy::parse(common::EXAMPLE, "example.toml").unwrap();
    let matcher = policy.matcher();
    for url in ["about:blank", "about:srcdoc", "data:text/html,<p>x</p>", "blob:https://ants.gouv.fr/6b1d"] {
        assert!(matcher.explain_str(url, Context::SubFrame).is_ok(), "{url} in a frame");
    }
    for url in [
        "blob:https://evil.example/6b1d",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "https://evil.example/",
    ] {
        assert!(matcher.explain_str(url, Context::SubFrame).is_err(), "{url} in a frame");
    }
    assert!(matcher.explain_str("https://passeport.ants.gouv.fr/", Context::SubFrame).is_ok());
    let why = matcher.explain_str("blob:https://evil.example/6b1d", Context::SubFrame).unwrap_err();
    assert_eq!(why.to_string(), "no rule allows the host evil.example");
    let why = matcher.explain_str("javascript:alert(1)", Context::SubFrame).unwrap_err();
    assert_eq!(why.to_string(), "the \"javascript:\" scheme is not allowed in frames");
}

#[test]
fn a_procedure_sees_only_its_own_rules_and_bundles() {
    let policy = Policy::parse(&common::extended(), "extended.toml").unwrap();
    let ants = policy.procedure_matcher(&"ants-identite".parse().unwrap()).unwrap();
    let allowed = |url: &str| ants.explain_str(url, Context::TopLevel);
    assert!(allowed("https://passeport.ants.gouv.fr/").is_ok());
    let grant = allowed("https://app.franceconnect.gouv.fr/").unwrap();
    assert_eq!(grant.to_string(), "bundle \"franceconnect\", rule \"https://*.franceconnect.gouv.fr\"");
    assert!(matches!(allowed("https://www.service-public.fr/particuliers"), Err(Blocked::Host(_))));
    assert!(
        policy.matcher().explain_str("https://www.service-public.fr/particuliers", Context::TopLevel).is_ok()
    );
}
