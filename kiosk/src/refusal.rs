//! Why the kiosk refused a navigation, and how a volunteer reads it on the help screen (in the
//! session's language; the log keeps the matcher's own words for IT staff).

use fluent_bundle::FluentArgs;
use protocol::Language;
use protocol::matcher::Blocked;

use crate::i18n::Texts;

/// A navigation the kiosk refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The procedure's rules do not allow the address.
    Policy(Blocked),
    /// A page tried to open one of the session's documents itself.
    SessionDocument,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Policy(blocked) => blocked.fmt(f),
            Self::SessionDocument => f.write_str("a page may not open the session's documents"),
        }
    }
}

impl Refusal {
    /// The reason in `language`, for the help screen.
    pub fn explain(&self, texts: &Texts, language: &Language) -> String {
        let mut args = FluentArgs::new();
        let id = match self {
            Self::SessionDocument => "refused-session-document",
            Self::Policy(blocked) => match blocked {
                Blocked::InvalidUrl(_) => "refused-invalid-url",
                Blocked::Scheme { scheme, .. } => {
                    args.set("scheme", scheme.as_str());
                    "refused-scheme"
                }
                Blocked::UserInfo => "refused-user-info",
                Blocked::Host(host) => {
                    args.set("host", host.as_str());
                    "refused-host"
                }
                Blocked::SchemeForHost { host, scheme, allowed } => {
                    args.set("host", host.as_str());
                    args.set("scheme", *scheme);
                    args.set("allowed", allowed.as_str());
                    "refused-scheme-for-host"
                }
                Blocked::Port { host, port, allowed } => {
                    args.set("host", host.as_str());
                    args.set("port", port.to_string());
                    args.set("allowed", allowed.as_str());
                    "refused-port"
                }
                Blocked::Path { host, path, allowed } => {
                    args.set("host", host.as_str());
                    args.set("path", path.as_str());
                    args.set("allowed", allowed.as_str());
                    "refused-path"
                }
                Blocked::AmbiguousPath(path) => {
                    args.set("path", path.as_str());
                    "refused-hidden-path"
                }
            },
        };
        texts.get_args(language, id, &args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn english() -> Language {
        "en".parse().unwrap()
    }

    #[test]
    fn a_volunteer_reads_the_reason_in_the_session_language() {
        let texts = Texts::new();
        let host = Refusal::Policy(Blocked::Host("www.exemple.fr".into()));
        assert_eq!(
            host.explain(&texts, &Language::french()),
            "le site www.exemple.fr ne fait pas partie de cette démarche sur ce poste"
        );
        assert_eq!(
            host.explain(&texts, &english()),
            "the site www.exemple.fr is not part of this procedure on this computer"
        );
        let path = Refusal::Policy(Blocked::Path {
            host: "www.service-public.fr".into(),
            path: "/particuliers/vosdroits/F1234".into(),
            allowed: "/particuliers/vosdroits/R1406".into(),
        });
        let french = path.explain(&texts, &Language::french());
        assert!(french.contains("/particuliers/vosdroits/F1234"), "{french}");
        assert!(french.contains("www.service-public.fr"), "{french}");
        assert!(!french.contains('{'), "every argument is filled: {french}");
    }

    #[test]
    fn every_reason_has_a_text_in_each_language() {
        let texts = Texts::new();
        let reasons = [
            Refusal::SessionDocument,
            Refusal::Policy(Blocked::InvalidUrl("x".into())),
            Refusal::Policy(Blocked::Scheme { scheme: "ftp".into(), where_: "for pages" }),
            Refusal::Policy(Blocked::UserInfo),
            Refusal::Policy(Blocked::Host("a.example".into())),
            Refusal::Policy(Blocked::SchemeForHost {
                host: "a.example".into(),
                scheme: "http",
                allowed: "https".into(),
            }),
            Refusal::Policy(Blocked::Port { host: "a.example".into(), port: 8443, allowed: "443".into() }),
            Refusal::Policy(Blocked::Path {
                host: "a.example".into(),
                path: "/b".into(),
                allowed: "/a".into(),
            }),
            Refusal::Policy(Blocked::AmbiguousPath("/a%2Fb".into())),
        ];
        for language in [Language::french(), english()] {
            for reason in &reasons {
                let text = reason.explain(&texts, &language);
                assert!(!text.starts_with("refused-") && !text.contains("no rule"), "{language:?}: {text}");
            }
        }
    }
}
