//! IPP over TLS (`ipps://`). A printer's certificate is trusted when a system certificate
//! authority signed it for the printer's name; as printers mostly carry a self-signed one, it
//! is otherwise trusted on first use, as CUPS does: the certificate seen first for a printer
//! (host and port) is remembered, and any other certificate for it is refused afterwards, with a
//! message saying which file to delete once the printer really was replaced.
//!
//! Remembered certificates live in memory, and in a directory when the program names one with
//! [`remember_certificates_in`] (the kiosk and the agent each keep their own in the station
//! directory).

use std::collections::HashMap;
use std::fmt;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{WebPkiServerVerifier, verify_server_name};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConnection, DigitallySignedStruct, RootCertStore, SignatureScheme, StreamOwned};
use sha2::{Digest, Sha256};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, Transport, TransportAdapter,
};

/// The system's certificate authorities on Debian.
const SYSTEM_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

static PIN_DIR: OnceLock<PathBuf> = OnceLock::new();
static PINS: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();

/// Keeps the certificates trusted on first use in `dir` (created when needed), so that they
/// hold across restarts. Call once, at start; later calls are ignored.
pub fn remember_certificates_in(dir: impl Into<PathBuf>) {
    let _ = PIN_DIR.set(dir.into());
}

fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER.get_or_init(|| Arc::new(rustls::crypto::ring::default_provider())).clone()
}

/// The system's certificate authorities, read once.
fn system_roots() -> Arc<RootCertStore> {
    static ROOTS: OnceLock<Arc<RootCertStore>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let mut roots = RootCertStore::empty();
            if let Ok(text) = std::fs::read(SYSTEM_BUNDLE) {
                use rustls::pki_types::pem::PemObject;
                let certificates = CertificateDer::pem_slice_iter(&text).filter_map(Result::ok);
                roots.add_parsable_certificates(certificates);
            }
            Arc::new(roots)
        })
        .clone()
}

/// The SHA-256 fingerprint of a certificate, as `AB:CD:…`.
fn fingerprint(certificate: &[u8]) -> String {
    let digest = Sha256::digest(certificate);
    digest.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

/// Where the certificate of the printer `key` (`host_port`) is remembered, if on disk.
fn pin_file(key: &str) -> Option<PathBuf> {
    let name: String = key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' })
        .collect();
    PIN_DIR.get().map(|dir| dir.join(format!("{name}.sha256")))
}

fn remembered(key: &str) -> Option<String> {
    let pins = PINS.get_or_init(Mutex::default);
    if let Some(pin) = pins.lock().unwrap_or_else(|e| e.into_inner()).get(key) {
        return Some(pin.clone());
    }
    let text = std::fs::read_to_string(pin_file(key)?).ok()?;
    let pin = text.trim().to_owned();
    pins.lock().unwrap_or_else(|e| e.into_inner()).insert(key.to_owned(), pin.clone());
    Some(pin)
}

fn remember(key: &str, pin: &str) {
    PINS.get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key.to_owned(), pin.to_owned());
    let Some(file) = pin_file(key) else { return };
    let written = file.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|()| {
        let temporary = file.with_extension("tmp");
        std::fs::write(&temporary, format!("{pin}\n"))?;
        std::fs::rename(&temporary, &file)
    });
    if let Err(error) = written {
        tracing::warn!(file = %file.display(), %error, "cannot keep the printer's certificate");
    }
}

/// Accepts a printer's certificate signed by a system authority for its name, or the one
/// remembered for it (the first one seen when there is none yet).
struct PrinterVerifier {
    /// `host_port` of the printer.
    key: String,
    webpki: Option<Arc<WebPkiServerVerifier>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl fmt::Debug for PrinterVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrinterVerifier").field("key", &self.key).finish()
    }
}

impl PrinterVerifier {
    fn new(key: String) -> Self {
        let provider = provider();
        let webpki =
            WebPkiServerVerifier::builder_with_provider(system_roots(), provider.clone()).build().ok();
        Self { key, webpki, algorithms: provider.signature_verification_algorithms }
    }
}

impl ServerCertVerifier for PrinterVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(webpki) = &self.webpki
            && webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now).is_ok()
        {
            return Ok(ServerCertVerified::assertion());
        }
        let seen = fingerprint(end_entity);
        match remembered(&self.key) {
            Some(pin) if pin == seen => Ok(ServerCertVerified::assertion()),
            Some(pin) => {
                let file = pin_file(&self.key)
                    .map_or_else(|| "restart the program".to_owned(), |f| format!("delete {}", f.display()));
                Err(rustls::Error::General(format!(
                    "the printer's certificate changed (it was SHA-256 {pin}, it is now {seen}): someone may be \
                     impersonating the printer; if the printer was replaced or reset, {file}"
                )))
            }
            None => {
                // The name is checked even on first use when the certificate carries one.
                let named = rustls::server::ParsedCertificate::try_from(end_entity)
                    .and_then(|parsed| verify_server_name(&parsed, server_name));
                if let Err(error) = named {
                    tracing::info!(printer = %self.key, %error, "printer certificate without the printer's name");
                }
                tracing::info!(printer = %self.key, fingerprint = %seen, "printer certificate trusted on first use");
                remember(&self.key, &seen);
                Ok(ServerCertVerified::assertion())
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Wraps the TCP connection to an `https` printer address in TLS with [`PrinterVerifier`].
#[derive(Debug)]
pub(crate) struct PrinterTls {
    config: Arc<rustls::ClientConfig>,
}

impl PrinterTls {
    /// TLS for the printer at `host` and `port`.
    pub(crate) fn new(host: &str, port: u16) -> Result<Self, rustls::Error> {
        let verifier = Arc::new(PrinterVerifier::new(format!("{host}_{port}")));
        let config = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok(Self { config: Arc::new(config) })
    }
}

impl<In: Transport> Connector<In> for PrinterTls {
    type Out = Either<In, PrinterTlsTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let Some(transport) = chained else { return Ok(None) };
        if !details.needs_tls() || transport.is_tls() {
            return Ok(Some(Either::A(transport)));
        }
        let host = details.uri.host().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
        let name =
            ServerName::try_from(host.to_owned()).map_err(|_| ureq::Error::Tls("invalid printer name"))?;
        let mut connection = ClientConnection::new(self.config.clone(), name).map_err(tls_error)?;
        let mut socket = TransportAdapter::new(transport.boxed(), details.current_time.clone());
        socket.set_timeout(details.timeout);
        connection.complete_io(&mut socket)?;
        let buffers =
            LazyBuffers::new(details.config.input_buffer_size(), details.config.output_buffer_size());
        Ok(Some(Either::B(PrinterTlsTransport {
            buffers,
            stream: StreamOwned { conn: connection, sock: socket },
        })))
    }
}

fn tls_error(error: rustls::Error) -> ureq::Error {
    ureq::Error::Io(std::io::Error::other(error))
}

/// A TLS connection to a printer.
pub(crate) struct PrinterTlsTransport {
    buffers: LazyBuffers,
    stream: StreamOwned<ClientConnection, TransportAdapter>,
}

impl fmt::Debug for PrinterTlsTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrinterTlsTransport").finish()
    }
}

impl Transport for PrinterTlsTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let output = &self.buffers.output()[..amount];
        self.stream.write_all(output)?;
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let input = self.buffers.input_append_buf();
        let amount = self.stream.read(input)?;
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        self.stream.get_mut().get_mut().is_open()
    }

    fn is_tls(&self) -> bool {
        true
    }
}
