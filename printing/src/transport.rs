//! Sending one IPP request to a printer and reading its answer.

use std::io::{Cursor, Read};
use std::time::Duration;

use ipp::parser::IppParser;
use ipp::request::IppRequestResponse;
use ureq::unversioned::resolver::DefaultResolver;
use ureq::unversioned::transport::{Connector, TcpConnector};

use crate::tls::PrinterTls;

/// Why a printer could not be asked, naming it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{uri}: {message}")]
pub struct IppError {
    /// The printer URI.
    pub uri: String,
    /// What went wrong.
    pub message: String,
}

impl IppError {
    pub(crate) fn new(uri: &str, message: impl Into<String>) -> Self {
        Self { uri: uri.to_owned(), message: message.into() }
    }
}

/// The HTTP address IPP is carried on: `ipp://h/p` → `http://h:631/p`, `ipps://h/p` →
/// `https://h:631/p` (IPP over TLS keeps IPP's port).
pub(crate) fn http_url(uri: &str) -> Result<String, IppError> {
    let (scheme, rest) = uri.split_once("://").ok_or_else(|| IppError::new(uri, "not a printer URI"))?;
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let with_port = |default: u16| {
        let has_port = authority.rsplit_once(':').is_some_and(|(_, p)| p.chars().all(|c| c.is_ascii_digit()))
            && !authority.ends_with(']');
        if has_port { authority.to_owned() } else { format!("{authority}:{default}") }
    };
    match scheme {
        "ipp" => Ok(format!("http://{}/{path}", with_port(631))),
        "http" => Ok(format!("http://{}/{path}", with_port(80))),
        "ipps" => Ok(format!("https://{}/{path}", with_port(631))),
        "https" => Ok(format!("https://{}/{path}", with_port(443))),
        _ => Err(IppError::new(uri, "expected an ipp:// or ipps:// printer URI")),
    }
}

/// Sends `request` and returns the printer's answer, which must be a success.
pub(crate) fn send(
    uri: &str,
    request: IppRequestResponse,
    timeout: Duration,
) -> Result<IppRequestResponse, IppError> {
    let url = http_url(uri)?;
    let mut body = Vec::new();
    request.into_read().read_to_end(&mut body).map_err(|e| IppError::new(uri, e.to_string()))?;
    let config =
        ureq::Agent::config_builder().timeout_global(Some(timeout)).http_status_as_error(false).build();
    let agent = match url.strip_prefix("https://") {
        Some(rest) => {
            let authority = rest.split('/').next().unwrap_or_default();
            let (host, port) = authority.rsplit_once(':').unwrap_or((authority, "443"));
            let port = port.parse().map_err(|_| IppError::new(uri, "bad port"))?;
            let tls = PrinterTls::new(host.trim_start_matches('[').trim_end_matches(']'), port)
                .map_err(|e| IppError::new(uri, e.to_string()))?;
            let connector = ().chain(TcpConnector::default()).chain(tls);
            ureq::Agent::with_parts(config, connector, DefaultResolver::default())
        }
        None => config.into(),
    };
    let mut response = agent
        .post(&url)
        .header("content-type", "application/ipp")
        .send(&body[..])
        .map_err(|e| IppError::new(uri, e.to_string()))?;
    if response.status() != 200 {
        return Err(IppError::new(uri, format!("HTTP {}", response.status())));
    }
    let bytes = response.body_mut().read_to_vec().map_err(|e| IppError::new(uri, e.to_string()))?;
    let answer = IppParser::new(Cursor::new(bytes))
        .parse()
        .map_err(|e| IppError::new(uri, format!("bad IPP answer: {e}")))?;
    let status = answer.header().status_code();
    if !status.is_success() {
        return Err(IppError::new(uri, format!("the printer answered {status:?}")));
    }
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printer_uris_map_to_http() {
        assert_eq!(http_url("ipp://localhost:8631/ipp/print").unwrap(), "http://localhost:8631/ipp/print");
        assert_eq!(http_url("ipp://printer.local/ipp/print").unwrap(), "http://printer.local:631/ipp/print");
        assert_eq!(http_url("ipp://[::1]/ipp/print").unwrap(), "http://[::1]:631/ipp/print");
        assert_eq!(
            http_url("ipps://printer.local/ipp/print").unwrap(),
            "https://printer.local:631/ipp/print"
        );
        assert_eq!(http_url("ipps://[::1]:8632/ipp/print").unwrap(), "https://[::1]:8632/ipp/print");
        assert!(http_url("usb://x").is_err());
    }
}
