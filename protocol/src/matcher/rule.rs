//! One allow rule, `scheme://host[:port][/path-prefix]`, parsed and normalised once.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use url::{Host, Url};

use super::path;

/// The schemes a rule (and a top-level navigation) may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Plain `http`, for loopback stand-ins and the rare site without TLS.
    Http,
    /// `https`, the normal case.
    Https,
}

impl Scheme {
    /// Recognises an already lower-cased scheme.
    pub fn from_lowercase(scheme: &str) -> Option<Self> {
        match scheme {
            "http" => Some(Self::Http),
            "https" => Some(Self::Https),
            _ => None,
        }
    }

    /// The scheme as written in a URL.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Https => "https",
        }
    }
}

/// Which hosts a rule covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HostPattern {
    /// Exactly this host (ASCII, lower case, no trailing dot; IPv6 in brackets).
    Exact(String),
    /// Every subdomain of this domain, never the domain itself (`*.ants.gouv.fr`).
    Subdomains(String),
}

/// Why an allow rule is not well formed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// The rule has no `scheme://` part.
    #[error("expected scheme://host[:port][/path-prefix], e.g. \"https://ants.gouv.fr\"")]
    Shape,
    /// The scheme is not `http` or `https`.
    #[error("scheme {0:?} is not allowed in a rule: expected \"https\" or \"http\"")]
    Scheme(String),
    /// The rule names a user (`user@host`).
    #[error("a rule cannot contain user-info (\"user@\"): expected scheme://host[:port][/path-prefix]")]
    UserInfo,
    /// The rule has a query or a fragment.
    #[error("a rule cannot contain '?' or '#': expected scheme://host[:port][/path-prefix]")]
    QueryOrFragment,
    /// `*` appears anywhere but as the whole leftmost label.
    #[error("'*' is only allowed as the leftmost label (\"*.example.org\")")]
    Wildcard,
    /// `*.` is followed by an IP address.
    #[error("'*.' cannot be used with an IP address")]
    WildcardOnAddress,
    /// `*.` is followed by a single label, which would open a whole top-level domain.
    #[error("\"*.{0}\" is too broad: '*.' needs a domain of at least two labels")]
    WildcardTooBroad(String),
    /// The host or port cannot be parsed.
    #[error("invalid host or port: {0}")]
    Host(String),
}

/// One allow rule, parsed and normalised: host in ASCII lower case, explicit port, path prefix
/// with dot-segments resolved and unreserved characters decoded.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rule {
    text: String,
    scheme: Scheme,
    host: HostPattern,
    port: u16,
    /// `"/"` for the whole host, else a prefix without trailing slash, e.g. `"/particuliers"`.
    path: String,
}

impl Rule {
    /// Parses and normalises a rule written `scheme://host[:port][/path-prefix]`.
    pub fn parse(text: &str) -> Result<Self, RuleError> {
        let (scheme_text, rest) = text.split_once("://").ok_or(RuleError::Shape)?;
        let scheme_lower = scheme_text.to_ascii_lowercase();
        let scheme =
            Scheme::from_lowercase(&scheme_lower).ok_or_else(|| RuleError::Scheme(scheme_text.to_owned()))?;
        if rest.contains(['?', '#']) {
            return Err(RuleError::QueryOrFragment);
        }
        let authority_end = rest.find(['/', '\\']).unwrap_or(rest.len());
        let (authority, path_text) = rest.split_at(authority_end);
        if authority.contains('@') {
            return Err(RuleError::UserInfo);
        }
        let (wildcard, authority) = match authority.strip_prefix("*.") {
            Some(tail) => (true, tail),
            None => (false, authority),
        };
        if authority.contains('*') || path_text.contains('*') {
            return Err(RuleError::Wildcard);
        }
        if authority.is_empty() {
            return Err(RuleError::Shape);
        }
        let url = Url::parse(&format!("{scheme_lower}://{authority}{path_text}"))
            .map_err(|e| RuleError::Host(e.to_string()))?;
        let host_text = match url.host() {
            Some(Host::Domain(domain)) => domain.trim_end_matches('.').to_owned(),
            Some(Host::Ipv4(_) | Host::Ipv6(_)) if wildcard => return Err(RuleError::WildcardOnAddress),
            Some(_) => url.host_str().unwrap_or_default().to_owned(),
            None => return Err(RuleError::Shape),
        };
        if host_text.is_empty() {
            return Err(RuleError::Shape);
        }
        let host = if wildcard {
            if !host_text.contains('.') {
                return Err(RuleError::WildcardTooBroad(host_text));
            }
            HostPattern::Subdomains(host_text)
        } else {
            HostPattern::Exact(host_text)
        };
        let port = url.port_or_known_default().ok_or(RuleError::Shape)?;
        let normalised = path::normalise(url.path());
        let path = match normalised.trim_end_matches('/') {
            "" => "/".to_owned(),
            prefix => prefix.to_owned(),
        };
        Ok(Self { text: text.to_owned(), scheme, host, port, path })
    }

    /// The rule as written in the policy.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The rule's scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The hosts the rule covers.
    pub fn host(&self) -> &HostPattern {
        &self.host
    }

    /// The port the rule allows (the scheme's default unless the rule names one).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The normalised path prefix (`"/"` for the whole host).
    pub fn path_prefix(&self) -> &str {
        &self.path
    }

    /// Whether the rule covers a whole host rather than a path below it.
    pub fn is_whole_host(&self) -> bool {
        self.path == "/"
    }

    /// Whether `host` (ASCII lower case, no trailing dot) is covered by the rule's host pattern.
    pub fn covers_host(&self, host: &str) -> bool {
        match &self.host {
            HostPattern::Exact(exact) => exact == host,
            HostPattern::Subdomains(parent) => {
                host.len() > parent.len() + 1
                    && host.ends_with(parent.as_str())
                    && host.as_bytes()[host.len() - parent.len() - 1] == b'.'
            }
        }
    }

    /// Whether a normalised path lies under the rule's prefix, on a segment boundary.
    pub fn covers_path(&self, normalised_path: &str) -> bool {
        self.is_whole_host() || path::under_prefix(&self.path, normalised_path)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Rule {
    type Err = RuleError;
    fn from_str(s: &str) -> Result<Self, RuleError> {
        Self::parse(s)
    }
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Rule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::de::parsed(deserializer, "a rule such as \"https://*.ants.gouv.fr\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_rules_are_normalised() {
        let rule = Rule::parse("HTTPS://*.ANTS.gouv.fr./").unwrap();
        assert_eq!(rule.host(), &HostPattern::Subdomains("ants.gouv.fr".into()));
        assert_eq!(rule.port(), 443);
        assert!(rule.is_whole_host());

        let rule = Rule::parse("https://www.service-public.fr/particuliers/%7Evosdroits/").unwrap();
        assert_eq!(rule.path_prefix(), "/particuliers/~vosdroits");

        let rule = Rule::parse("http://127.0.0.2:8080/a/./b/../c").unwrap();
        assert_eq!(rule.host(), &HostPattern::Exact("127.0.0.2".into()));
        assert_eq!((rule.port(), rule.path_prefix()), (8080, "/a/c"));

        let rule = Rule::parse("https://mairie-évry.fr").unwrap();
        assert_eq!(rule.host(), &HostPattern::Exact("xn--mairie-vry-h7a.fr".into()));
    }

    #[test]
    fn malformed_rules_say_what_was_expected() {
        let cases = [
            ("ants.gouv.fr", RuleError::Shape),
            ("ftp://ants.gouv.fr", RuleError::Scheme("ftp".into())),
            ("https://user@ants.gouv.fr", RuleError::UserInfo),
            ("https://ants.gouv.fr/?q", RuleError::QueryOrFragment),
            ("https://ants.gouv.fr/#x", RuleError::QueryOrFragment),
            ("https://a.*.gouv.fr", RuleError::Wildcard),
            ("https://*ants.gouv.fr", RuleError::Wildcard),
            ("https://*.127.0.0.1", RuleError::WildcardOnAddress),
            ("https://*.fr", RuleError::WildcardTooBroad("fr".into())),
            ("https://", RuleError::Shape),
        ];
        for (text, expected) in cases {
            assert_eq!(Rule::parse(text), Err(expected), "{text}");
        }
        assert!(matches!(Rule::parse("https://ants.gouv.fr:99999"), Err(RuleError::Host(_))));
    }

    #[test]
    fn subdomain_patterns_never_cover_the_bare_domain_or_lookalikes() {
        let rule = Rule::parse("https://*.ants.gouv.fr").unwrap();
        assert!(rule.covers_host("passeport.ants.gouv.fr"));
        assert!(rule.covers_host("a.b.ants.gouv.fr"));
        assert!(!rule.covers_host("ants.gouv.fr"));
        assert!(!rule.covers_host("evilants.gouv.fr"));
        assert!(!rule.covers_host(".ants.gouv.fr"));
    }
}
