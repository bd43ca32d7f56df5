//! The example policy of the station policy specification, shared by the protocol tests.

/// The policy example every reader of the format sees first; it must always be accepted.
pub const EXAMPLE: &str = r#"
version = 1

[station]
idle_timeout_s = 300          # no input this long -> countdown
idle_warning_s = 60           # countdown length before the wipe
assisted_idle_timeout_s = 1200
max_pages_per_session = 20
languages = ["fr", "en"]
funding_notice = "Ce point d'accès numérique est cofinancé par l'Union européenne (FEDER)."
help = "Besoin d'aide ? Un volontaire est présent le mardi de 14 h à 17 h."

[[bundle]]
id = "franceconnect"
allow = ["https://franceconnect.gouv.fr", "https://*.franceconnect.gouv.fr"]

[[procedure]]
id = "ants-identite"
title = { fr = "Carte d'identité et passeport", en = "ID card and passport" }
category = "identite"
start = "https://ants.gouv.fr/"
allow = ["https://ants.gouv.fr", "https://*.ants.gouv.fr"]
bundles = ["franceconnect"]
"#;

/// The example with one more procedure whose rules use ports, paths and an IDN host.
pub fn extended() -> String {
    format!(
        "{EXAMPLE}{}",
        r#"
[[procedure]]
id = "service-public"
title = { fr = "Actes d'état civil" }
category = "papiers_elections_citoyennete"
start = "https://www.service-public.fr/particuliers/vosdroits/N359"
allow = ["https://www.service-public.fr/particuliers", "http://127.0.0.2:8080/demarches/", "https://mairie-évry.fr"]
"#
    )
}
