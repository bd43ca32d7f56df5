//! Whom the agent trusts for the fleet server's HTTPS certificate, and which server addresses it
//! accepts at all: the station token never travels in clear text over a network.

use std::path::Path;

use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};

/// The system's certificate authorities on Debian (a local authority is added to it with
/// `update-ca-certificates`).
const SYSTEM_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// The TLS settings for the fleet server: the certificates of `server_ca` (a PEM file) alone
/// when it is set, otherwise the system's certificate authorities (Mozilla's when the system
/// has none). An unreadable `server_ca`, or one without a certificate, is an error naming it.
pub fn server_tls(server_ca: Option<&Path>) -> Result<TlsConfig, String> {
    let roots = match server_ca {
        Some(file) => {
            let certificates = pem_certificates(file)?;
            if certificates.is_empty() {
                return Err(format!("server_ca {}: no PEM certificate in the file", file.display()));
            }
            RootCerts::new_with_certs(&certificates)
        }
        None => match pem_certificates(Path::new(SYSTEM_BUNDLE)) {
            Ok(certificates) if !certificates.is_empty() => RootCerts::new_with_certs(&certificates),
            _ => RootCerts::WebPki,
        },
    };
    Ok(TlsConfig::builder().root_certs(roots).build())
}

fn pem_certificates(file: &Path) -> Result<Vec<Certificate<'static>>, String> {
    let text =
        std::fs::read(file).map_err(|e| format!("server_ca {}: cannot read it: {e}", file.display()))?;
    let mut certificates = Vec::new();
    for item in ureq::tls::parse_pem(&text) {
        match item {
            Ok(PemItem::Certificate(certificate)) => certificates.push(certificate),
            Ok(_) => {}
            Err(e) => return Err(format!("server_ca {}: not a valid PEM file: {e}", file.display())),
        }
    }
    Ok(certificates)
}

/// Checks a fleet server address: `https://host[:port]`, or `http://` only to this machine
/// (loopback), since the station token goes with every request.
pub fn check_server_url(server: &str) -> Result<String, String> {
    let trimmed = server.trim().trim_end_matches('/');
    let parsed = url::Url::parse(trimmed).map_err(|e| {
        format!("--server {server:?}: {e}; expected an https:// address such as https://parc.ville.example")
    })?;
    let loopback = match parsed.host() {
        Some(url::Host::Domain(name)) => name == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match parsed.scheme() {
        _ if parsed.host().is_none() => Err(format!("--server {server:?}: the address has no host")),
        "https" => Ok(trimmed.to_owned()),
        "http" if loopback => Ok(trimmed.to_owned()),
        "http" => Err(format!(
            "--server {server:?}: plain http:// would send the station token unencrypted over the network; \
             use https:// (http:// is accepted only for a server on this machine)"
        )),
        _ => Err(format!(
            "--server {server:?}: expected an https:// address such as https://parc.ville.example"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_never_goes_in_clear_text_over_a_network() {
        assert_eq!(check_server_url("https://parc.ville.example/").unwrap(), "https://parc.ville.example");
        assert_eq!(check_server_url("http://127.0.0.1:8080").unwrap(), "http://127.0.0.1:8080");
        assert_eq!(check_server_url("http://localhost:8080/").unwrap(), "http://localhost:8080");
        assert_eq!(check_server_url("http://[::1]:8080").unwrap(), "http://[::1]:8080");
        let error = check_server_url("http://parc.ville.example").unwrap_err();
        assert!(error.contains("unencrypted"), "{error}");
        assert!(check_server_url("http://192.168.1.10:8080").unwrap_err().contains("https://"));
        assert!(check_server_url("ftp://parc.ville.example").is_err());
        assert!(check_server_url("parc.ville.example").is_err());
    }

    #[test]
    fn a_bad_server_ca_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        assert!(server_tls(Some(&missing)).unwrap_err().contains("missing.pem: cannot read it"));
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        assert!(server_tls(Some(&empty)).unwrap_err().contains("empty.pem: no PEM certificate"));
        assert!(server_tls(None).is_ok());
    }
}
