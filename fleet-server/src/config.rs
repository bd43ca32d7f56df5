//! The server's configuration (`/etc/fleet-server/server.toml`).

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

use protocol::toml_file::{self, Document, FileError, KeyPath, Problem, check_range};

/// Settings of the fleet server.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address the HTTP server listens on.
    pub listen: SocketAddr,
    /// Directory of the embedded database and other data.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; `sqlite://<data_dir>/fleet.db` when unset. May hold a password.
    pub database: Option<String>,
    /// Seconds without a report after which a station is shown offline.
    pub offline_after_s: u64,
    /// Days of health history kept per station.
    pub health_retention_days: u32,
    /// Whether session cookies are marked `Secure` (off only behind plain HTTP on loopback).
    pub secure_cookies: bool,
    /// PEM certificate chain (the server's certificate first) for HTTPS; with `tls_key`.
    pub tls_certificate: Option<PathBuf>,
    /// PEM private key of `tls_certificate`.
    pub tls_key: Option<PathBuf>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("/var/lib/fleet-server"),
            database: None,
            offline_after_s: 300,
            health_retention_days: 90,
            secure_cookies: true,
            tls_certificate: None,
            tls_key: None,
        }
    }
}

impl ServerConfig {
    /// Parses and checks a configuration text; `file` names it in messages.
    pub fn parse(text: &str, file: &str) -> Result<Self, FileError> {
        toml_file::load(text, file, validate)
    }

    /// Applies `FLEET_*` environment variables over the file's values (`FLEET_LISTEN`,
    /// `FLEET_DATABASE`, `FLEET_DATA_DIR`, `FLEET_OFFLINE_AFTER_S`, `FLEET_HEALTH_RETENTION_DAYS`,
    /// `FLEET_SECURE_COOKIES`, `FLEET_TLS_CERTIFICATE`, `FLEET_TLS_KEY`). An unknown `FLEET_` variable or a bad value is an error naming it.
    /// `FLEET_LOG` (log filter) and `FLEET_TEST_*` belong to others and are left alone.
    pub fn apply_env(&mut self, vars: impl IntoIterator<Item = (String, String)>) -> Result<(), String> {
        fn parsed<T: std::str::FromStr>(name: &str, value: &str, expected: &str) -> Result<T, String>
        where
            T::Err: fmt::Display,
        {
            value
                .parse()
                .map_err(|e| format!("environment variable {name}={value:?}: {e}; expected {expected}"))
        }
        for (name, value) in vars {
            let Some(key) = name.strip_prefix("FLEET_") else { continue };
            match key {
                "LISTEN" => self.listen = parsed(&name, &value, "an address such as 127.0.0.1:8080")?,
                "DATABASE" => self.database = Some(value),
                "DATA_DIR" => self.data_dir = PathBuf::from(value),
                "OFFLINE_AFTER_S" => self.offline_after_s = parsed(&name, &value, "seconds")?,
                "HEALTH_RETENTION_DAYS" => self.health_retention_days = parsed(&name, &value, "days")?,
                "SECURE_COOKIES" => self.secure_cookies = parsed(&name, &value, "true or false")?,
                "TLS_CERTIFICATE" => self.tls_certificate = Some(PathBuf::from(value)),
                "TLS_KEY" => self.tls_key = Some(PathBuf::from(value)),
                "LOG" | "REQUIRE_POSTGRES" => {}
                other if other.starts_with("TEST_") => {}
                _ => {
                    return Err(format!(
                        "unknown environment variable {name}: expected one of FLEET_LISTEN, FLEET_DATABASE, \
                         FLEET_DATA_DIR, FLEET_OFFLINE_AFTER_S, FLEET_HEALTH_RETENTION_DAYS, FLEET_SECURE_COOKIES, \
                         FLEET_TLS_CERTIFICATE, FLEET_TLS_KEY"
                    ));
                }
            }
        }
        Ok(())
    }

    /// The database URL in use.
    pub fn database_url(&self) -> String {
        self.database
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("fleet.db").display()))
    }
}

/// The database URL with any password replaced, for logs and `Debug`.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database", &redact(&self.database_url()))
            .field("offline_after_s", &self.offline_after_s)
            .field("health_retention_days", &self.health_retention_days)
            .field("secure_cookies", &self.secure_cookies)
            .field("tls_certificate", &self.tls_certificate)
            .field("tls_key", &self.tls_key)
            .finish()
    }
}

fn validate(config: &ServerConfig, doc: &Document<'_>) -> Vec<Problem> {
    let key = |k: &str| KeyPath::root().key(k);
    let mut problems: Vec<Problem> = [
        check_range(doc, key("offline_after_s"), config.offline_after_s, 30..=86_400, "seconds"),
        check_range(doc, key("health_retention_days"), config.health_retention_days, 1..=3650, "days"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if let Some(database) = &config.database
        && !(database.starts_with("sqlite:")
            || database.starts_with("postgres://")
            || database.starts_with("postgresql://"))
    {
        problems.push(doc.problem(
            key("database"),
            format!("{:?} is not a database URL: expected sqlite://PATH or postgres://…", redact(database)),
        ));
    }
    match (&config.tls_certificate, &config.tls_key) {
        (Some(_), None) => {
            problems.push(doc.problem(key("tls_certificate"), "needs tls_key (its private key) too"))
        }
        (None, Some(_)) => problems.push(doc.problem(key("tls_key"), "needs tls_certificate too")),
        _ => {}
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_the_logs() {
        let config =
            ServerConfig::parse("database = \"postgres://fleet:s3cret@127.0.0.1/fleet\"\n", "server.toml")
                .unwrap();
        let debug = format!("{config:?}");
        assert!(!debug.contains("s3cret"), "{debug}");
        assert!(debug.contains("postgres://fleet:***@127.0.0.1/fleet"), "{debug}");
    }

    #[test]
    fn the_environment_overrides_the_file_and_typos_are_reported() {
        let mut config = ServerConfig::parse("listen = \"127.0.0.1:9000\"\n", "server.toml").unwrap();
        let vars = [
            ("FLEET_LISTEN", "127.0.0.1:9100"),
            ("FLEET_DATABASE", "postgres://fleet@db/fleet"),
            ("HOME", "/root"),
        ];
        config.apply_env(vars.map(|(k, v)| (k.to_owned(), v.to_owned()))).unwrap();
        assert_eq!(config.listen.port(), 9100);
        assert_eq!(config.database_url(), "postgres://fleet@db/fleet");

        let typo = config.apply_env([("FLEET_LISTN".to_owned(), "x".to_owned())]).unwrap_err();
        assert!(typo.contains("unknown environment variable FLEET_LISTN"), "{typo}");
        let bad = config.apply_env([("FLEET_OFFLINE_AFTER_S".to_owned(), "soon".to_owned())]).unwrap_err();
        assert!(bad.contains("FLEET_OFFLINE_AFTER_S=\"soon\""), "{bad}");
    }

    #[test]
    fn bad_values_are_named() {
        let error = ServerConfig::parse("listen = \"localhost\"\n", "server.toml").unwrap_err().to_string();
        assert!(error.starts_with("server.toml:1:10: listen: invalid socket address syntax"), "{error}");
        let error = ServerConfig::parse("database = \"mysql://x\"\n", "server.toml").unwrap_err().to_string();
        assert!(error.contains("database: \"mysql://x\" is not a database URL"), "{error}");
        let error = ServerConfig::parse("tls_certificate = \"/etc/fleet-server/tls.pem\"\n", "server.toml")
            .unwrap_err()
            .to_string();
        assert!(error.contains("tls_certificate: needs tls_key"), "{error}");
        assert_eq!(
            ServerConfig::parse("", "server.toml").unwrap().database_url(),
            "sqlite:///var/lib/fleet-server/fleet.db"
        );
    }
}
