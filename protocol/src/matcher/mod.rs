//! The navigation policy as a pure function: deny by default, allow what a rule covers.
//!
//! Rules are indexed by host so a decision costs a few hash look-ups whatever the size of the
//! catalogue: one for the exact host, one per parent domain for `*.` rules.

mod path;
mod rule;

use std::borrow::Cow;
use std::fmt;

use rustc_hash::FxHashMap;
use url::{Host, Url};

pub use rule::{HostPattern, Rule, RuleError, Scheme};

use crate::ids::{BundleId, ProcedureId};

/// Where a rule comes from: a procedure's own `allow` list or a shared bundle.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Source {
    /// A procedure's own rule.
    Procedure(ProcedureId),
    /// A rule of a bundle.
    Bundle(BundleId),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Procedure(id) => write!(f, "procedure \"{id}\""),
            Self::Bundle(id) => write!(f, "bundle \"{id}\""),
        }
    }
}

/// Where a navigation happens: the page itself, or a frame inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// A top-level navigation, redirect or new-window request.
    TopLevel,
    /// A sub-frame (iframe) navigation.
    SubFrame,
}

/// A rule together with where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcedRule {
    /// The procedure or bundle that holds the rule.
    pub source: Source,
    /// The rule itself.
    pub rule: Rule,
}

/// Why a navigation is allowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Grant<'m> {
    /// A rule of the policy covers the URL.
    Rule(&'m SourcedRule),
    /// The URL is an inert built-in page or frame content (`about:blank`, a `data:` frame, …).
    BuiltIn(&'static str),
}

impl fmt::Display for Grant<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rule(r) => write!(f, "{}, rule \"{}\"", r.source, r.rule),
            Self::BuiltIn(what) => write!(f, "the kiosk ({what})"),
        }
    }
}

/// Why a navigation is blocked, in terms an IT admin or a volunteer can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Blocked {
    /// The text is not a URL at all.
    #[error("not a valid URL ({0})")]
    InvalidUrl(String),
    /// The scheme is never allowed in this context.
    #[error("the \"{scheme}:\" scheme is not allowed {where_}")]
    Scheme {
        /// The refused scheme.
        scheme: String,
        /// "for pages" or "in frames".
        where_: &'static str,
    },
    /// The URL carries `user@` before its host, a classic disguise.
    #[error("the URL carries user-info (\"user@host\"), which is never allowed")]
    UserInfo,
    /// No rule names this host.
    #[error("no rule allows the host {0}")]
    Host(String),
    /// Rules name this host, but not with this scheme.
    #[error("{host} is allowed only over {allowed}, not {scheme}")]
    SchemeForHost {
        /// The host.
        host: String,
        /// The URL's scheme.
        scheme: &'static str,
        /// The schemes the rules allow for this host.
        allowed: String,
    },
    /// Rules name this host, but not on this port.
    #[error("port {port} is not allowed for {host} (allowed: {allowed})")]
    Port {
        /// The host.
        host: String,
        /// The URL's port.
        port: u16,
        /// The ports the rules allow for this host.
        allowed: String,
    },
    /// Rules name this host, but only below other paths.
    #[error("the path {path} of {host} is outside the allowed paths ({allowed})")]
    Path {
        /// The host.
        host: String,
        /// The URL's normalised path.
        path: String,
        /// The path prefixes the rules allow.
        allowed: String,
    },
    /// The path hides a separator (`%2F`, `%5C`) or a dot-segment a server could resolve.
    #[error("the path {0} hides an encoded '/' or '\\' or a '..' segment")]
    AmbiguousPath(String),
}

/// Deny-by-default decisions over a set of allow rules.
#[derive(Debug, Clone, Default)]
pub struct Matcher {
    rules: Vec<SourcedRule>,
    exact: FxHashMap<Box<str>, Vec<u32>>,
    subdomains: FxHashMap<Box<str>, Vec<u32>>,
}

/// The parts of a URL a decision looks at, extracted once.
struct Target<'u> {
    scheme: Scheme,
    host: &'u str,
    port: u16,
    raw_path: &'u str,
}

impl<'u> Target<'u> {
    /// Extracts an http(s) URL's parts, or says why it can never be allowed.
    fn of(url: &'u Url) -> Result<Self, Blocked> {
        let scheme = Scheme::from_lowercase(url.scheme())
            .ok_or_else(|| Blocked::Scheme { scheme: url.scheme().to_owned(), where_: "for pages" })?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Blocked::UserInfo);
        }
        let host = match url.host() {
            Some(Host::Domain(domain)) => domain.strip_suffix('.').unwrap_or(domain),
            Some(_) => url.host_str().unwrap_or_default(),
            None => return Err(Blocked::Host(String::new())),
        };
        let port = url.port_or_known_default().unwrap_or(0);
        Ok(Self { scheme, host, port, raw_path: url.path() })
    }
}

impl Matcher {
    /// Builds the index over `rules`; their order is kept for [`Matcher::rules`].
    pub fn new(rules: impl IntoIterator<Item = SourcedRule>) -> Self {
        let mut matcher = Self::default();
        for sourced in rules {
            let index = u32::try_from(matcher.rules.len()).expect("fewer than 4 billion rules");
            let (map, key) = match sourced.rule.host() {
                HostPattern::Exact(host) => (&mut matcher.exact, host),
                HostPattern::Subdomains(parent) => (&mut matcher.subdomains, parent),
            };
            map.entry(key.as_str().into()).or_default().push(index);
            matcher.rules.push(sourced);
        }
        matcher
    }

    /// Every rule, in policy order.
    pub fn rules(&self) -> &[SourcedRule] {
        &self.rules
    }

    /// Parses `text` and decides; see [`Matcher::explain`].
    pub fn explain_str(&self, text: &str, context: Context) -> Result<Grant<'_>, Blocked> {
        let url = Url::parse(text.trim()).map_err(|e| Blocked::InvalidUrl(e.to_string()))?;
        self.explain(&url, context)
    }

    /// Whether `url` may be shown, as a bare yes/no: the fast path for the browser's hooks.
    pub fn allows(&self, url: &Url, context: Context) -> bool {
        self.decide(url, context).is_some()
    }

    /// The grant that allows `url`, or `None` when it is blocked.
    pub fn decide(&self, url: &Url, context: Context) -> Option<Grant<'_>> {
        if let Some(built_in) = built_in(url, context) {
            return built_in.ok();
        }
        if context == Context::SubFrame && url.scheme() == "blob" {
            return self.blob_origin_allowed(url).then_some(Grant::BuiltIn("blob of an allowed site"));
        }
        let target = Target::of(url).ok()?;
        let mut normalised: Option<Cow<'_, str>> = None;
        self.candidates(target.host)
            .find(|&index| {
                let rule = &self.rules[index as usize].rule;
                rule.scheme() == target.scheme
                    && rule.port() == target.port
                    && (rule.is_whole_host() || {
                        let path = normalised.get_or_insert_with(|| path::normalise(target.raw_path));
                        !path::is_ambiguous(path) && rule.covers_path(path)
                    })
            })
            .map(|index| Grant::Rule(&self.rules[index as usize]))
    }

    /// The grant that allows `url`, or the reason it is blocked, naming the closest rules.
    pub fn explain(&self, url: &Url, context: Context) -> Result<Grant<'_>, Blocked> {
        if let Some(grant) = self.decide(url, context) {
            return Ok(grant);
        }
        if let Some(built_in) = built_in(url, context) {
            return built_in;
        }
        if context == Context::SubFrame && url.scheme() == "blob" {
            let inner =
                Url::parse(url.path()).map_err(|e| Blocked::InvalidUrl(format!("blob origin: {e}")))?;
            return Err(Blocked::Host(Target::of(&inner)?.host.to_owned()));
        }
        let target = Target::of(url)?;
        let candidates: Vec<&Rule> =
            self.candidates(target.host).map(|i| &self.rules[i as usize].rule).collect();
        let host = target.host.to_owned();
        if candidates.is_empty() {
            return Err(Blocked::Host(host));
        }
        let same_scheme: Vec<&Rule> =
            candidates.iter().copied().filter(|r| r.scheme() == target.scheme).collect();
        if same_scheme.is_empty() {
            return Err(Blocked::SchemeForHost {
                host,
                scheme: target.scheme.as_str(),
                allowed: join_unique(candidates.iter().map(|r| r.scheme().as_str().to_owned())),
            });
        }
        let same_port: Vec<&Rule> = same_scheme.iter().copied().filter(|r| r.port() == target.port).collect();
        if same_port.is_empty() {
            return Err(Blocked::Port {
                host,
                port: target.port,
                allowed: join_unique(same_scheme.iter().map(|r| r.port().to_string())),
            });
        }
        let path = path::normalise(target.raw_path).into_owned();
        if path::is_ambiguous(&path) {
            return Err(Blocked::AmbiguousPath(path));
        }
        Err(Blocked::Path {
            host,
            path,
            allowed: join_unique(same_port.iter().map(|r| r.path_prefix().to_owned())),
        })
    }

    /// Indexes of the rules whose host pattern covers `host`: exact rules first, then `*.` rules
    /// from the closest parent domain outwards.
    fn candidates<'a>(&'a self, host: &'a str) -> impl Iterator<Item = u32> + 'a {
        let exact = self.exact.get(host).into_iter().flatten().copied();
        let parents = host
            .match_indices('.')
            .filter(|&(dot, _)| dot > 0 && !host[..dot].ends_with('.'))
            .filter_map(move |(dot, _)| self.subdomains.get(&host[dot + 1..]))
            .flatten()
            .copied();
        exact.chain(parents)
    }

    /// Whether a `blob:` URL was made by a page of a host the rules allow.
    fn blob_origin_allowed(&self, url: &Url) -> bool {
        let Ok(inner) = Url::parse(url.path()) else { return false };
        let Ok(target) = Target::of(&inner) else { return false };
        self.candidates(target.host).any(|index| {
            let rule = &self.rules[index as usize].rule;
            rule.scheme() == target.scheme && rule.port() == target.port
        })
    }
}

/// Decides URLs that no rule is about: `Some(Ok)` for inert built-in content, `Some(Err)` for
/// schemes that are never allowed here, `None` for http(s) URLs that the rules decide.
fn built_in(url: &Url, context: Context) -> Option<Result<Grant<'static>, Blocked>> {
    let refused = |where_| Some(Err(Blocked::Scheme { scheme: url.scheme().to_owned(), where_ }));
    match (url.scheme(), context) {
        ("http" | "https", _) => None,
        ("about", _) if url.as_str() == "about:blank" => Some(Ok(Grant::BuiltIn("about:blank"))),
        ("about", Context::SubFrame) if url.as_str() == "about:srcdoc" => {
            Some(Ok(Grant::BuiltIn("about:srcdoc")))
        }
        ("data", Context::SubFrame) => Some(Ok(Grant::BuiltIn("data: frame"))),
        ("blob", Context::SubFrame) => None,
        (_, Context::TopLevel) => refused("for pages"),
        (_, Context::SubFrame) => refused("in frames"),
    }
}

fn join_unique(items: impl Iterator<Item = String>) -> String {
    let mut seen: Vec<String> = Vec::new();
    for item in items {
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen.join(", ")
}
