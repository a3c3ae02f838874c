//! The `tls` probe: what a browser would think of the server's certificate.
//!
//! It opens TCP to the server's IP on the HTTPS port and runs a TLS handshake
//! with the domain as SNI, as `openssl s_client -servername` does. Unlike a
//! browser it does not stop at the first problem: its verifier records the
//! chain the server sent and lets the handshake finish, and the chain is then
//! judged step by step (trusted issuer, names, dates), so a learner hears
//! every reason at once. The handshake is all it does: no request is sent
//! (the `https` probe in `http.rs` does the GET).

use super::http::{connect_failure, secs, Connect};
use super::{fact, FactSpec, Gather, Limits, Probe, Values};
use crate::profile::Profile;
use crate::remote::trust::Trust;
use crate::rules::Facts;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme,
};
use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Fewer days left than this and renewal is not working (certbot renews
/// 30 days before the end).
pub const RENEW_WARNING_DAYS: i64 = 14;

/// How the handshake went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// The server speaks TLS but the handshake did not finish.
    Failed,
    /// Something answered on the port, but not in TLS (plain HTTP, say).
    NotTls,
    /// No connection, so no handshake.
    NoConnection,
}

impl Outcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
            Outcome::NotTls => "not-tls",
            Outcome::NoConnection => "none",
        }
    }
}

/// What one handshake saw.
#[derive(Debug, Clone)]
pub struct Handshake {
    pub connect: Connect,
    pub outcome: Outcome,
    /// The certificates the server sent, its own first.
    pub chain: Vec<CertificateDer<'static>>,
    pub error: Option<String>,
}

/// A verifier that trusts everything but remembers what it was shown; the
/// signatures of the handshake are still checked by rustls' own verifier.
#[derive(Debug)]
struct Recorder {
    inner: Arc<WebPkiServerVerifier>,
    seen: Mutex<Vec<CertificateDer<'static>>>,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut chain = vec![end_entity.clone().into_owned()];
        chain.extend(intermediates.iter().map(|c| c.clone().into_owned()));
        if let Ok(mut seen) = self.seen.lock() {
            *seen = chain;
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn webpki_verifier(trust: &Trust) -> Result<Arc<WebPkiServerVerifier>, String> {
    WebPkiServerVerifier::builder_with_provider(trust.store.clone(), provider())
        .build()
        .map_err(|e| format!("no certificate authority to check against ({e})"))
}

/// Connect to `addr` and shake hands as `domain`. Never waits much longer
/// than `timeout` for the connection plus `timeout` for the handshake.
pub fn handshake(addr: SocketAddr, domain: &str, trust: &Trust, timeout: Duration) -> Handshake {
    let timeout = timeout.max(Duration::from_millis(1));
    let failed = |connect: Connect, outcome: Outcome, error: String| Handshake {
        connect,
        outcome,
        chain: Vec::new(),
        error: Some(error),
    };
    let inner = match webpki_verifier(trust) {
        Ok(v) => v,
        Err(e) => return failed(Connect::Failed(e.clone()), Outcome::NoConnection, e),
    };
    let Ok(name) = ServerName::try_from(domain.to_string()) else {
        let e = format!("{domain:?} cannot be sent as a TLS server name");
        return failed(Connect::Failed(e.clone()), Outcome::NoConnection, e);
    };
    let recorder = Arc::new(Recorder {
        inner,
        seen: Mutex::new(Vec::new()),
    });
    let config = match ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
    {
        Ok(b) => b
            .dangerous()
            .with_custom_certificate_verifier(recorder.clone())
            .with_no_client_auth(),
        Err(e) => {
            let e = format!("TLS is not available ({e})");
            return failed(Connect::Failed(e.clone()), Outcome::NoConnection, e);
        }
    };
    let mut conn = match ClientConnection::new(Arc::new(config), name) {
        Ok(c) => c,
        Err(e) => {
            let e = format!("TLS is not available ({e})");
            return failed(Connect::Failed(e.clone()), Outcome::NoConnection, e);
        }
    };

    let mut sock = match TcpStream::connect_timeout(&addr, timeout) {
        Ok(s) => s,
        Err(e) => {
            let (connect, error) = connect_failure(&e, addr, timeout);
            return failed(connect, Outcome::NoConnection, error);
        }
    };
    let _ = sock.set_nodelay(true);
    let deadline = Instant::now() + timeout;
    let result = drive(&mut conn, &mut sock, deadline);
    let chain = recorder.seen.lock().map(|c| c.clone()).unwrap_or_default();
    let (outcome, error) = match result {
        Ok(()) => {
            conn.send_close_notify();
            let _ = conn.complete_io(&mut sock);
            (Outcome::Ok, None)
        }
        Err(e) => handshake_failure(&e, addr, timeout),
    };
    let _ = sock.shutdown(std::net::Shutdown::Both);
    Handshake {
        connect: Connect::Ok,
        outcome,
        chain,
        error,
    }
}

/// Run the handshake to its end, within `deadline`.
fn drive(conn: &mut ClientConnection, sock: &mut TcpStream, deadline: Instant) -> io::Result<()> {
    while conn.is_handshaking() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        sock.set_read_timeout(Some(left))?;
        sock.set_write_timeout(Some(left))?;
        let (read, _written) = conn.complete_io(sock)?;
        if read == 0 && conn.is_handshaking() && !conn.wants_write() {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
    }
    sock.flush()
}

/// Pure: what a failed handshake means, in one sentence.
fn handshake_failure(
    e: &io::Error,
    addr: SocketAddr,
    timeout: Duration,
) -> (Outcome, Option<String>) {
    let tls = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    let (outcome, text) = match (tls, e.kind()) {
        (Some(rustls::Error::InvalidMessage(_)), _) => (
            Outcome::NotTls,
            format!("{addr} answered, but not in TLS (is it plain HTTP on this port?)"),
        ),
        (Some(rustls::Error::AlertReceived(alert)), _) => (
            Outcome::Failed,
            format!("{addr} refused the TLS handshake (alert: {alert:?})"),
        ),
        (Some(other), _) => (
            Outcome::Failed,
            format!("the TLS handshake with {addr} failed: {other}"),
        ),
        (None, io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock) => (
            Outcome::Failed,
            format!(
                "{addr} did not finish the TLS handshake within {}",
                secs(timeout)
            ),
        ),
        (None, io::ErrorKind::UnexpectedEof) => (
            Outcome::Failed,
            format!("{addr} closed the connection during the TLS handshake"),
        ),
        (None, io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted) => (
            Outcome::Failed,
            format!("{addr} reset the connection during the TLS handshake"),
        ),
        (None, _) => (
            Outcome::Failed,
            format!("the TLS handshake with {addr} failed: {e}"),
        ),
    };
    (outcome, Some(text))
}

// ---------------------------------------------------------------- judging a chain

/// What the server's own certificate says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertView {
    /// DNS names (subjectAltName; the subject's CN when there is none).
    pub names: Vec<String>,
    pub issuer: String,
    /// Seconds since the epoch.
    pub not_before: i64,
    pub not_after: i64,
    /// Issuer and subject are the same name.
    pub self_issued: bool,
}

/// Read the fields tutor reports from a DER certificate.
pub fn read_cert(der: &[u8]) -> Option<CertView> {
    use x509_parser::extensions::GeneralName;
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let mut names: Vec<String> = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            if let GeneralName::DNSName(d) = n {
                names.push(d.to_string());
            }
        }
    }
    if names.is_empty() {
        names.extend(
            cert.subject()
                .iter_common_name()
                .filter_map(|cn| cn.as_str().ok())
                .map(str::to_string),
        );
    }
    let issuer = cert.issuer();
    let org = issuer
        .iter_organization()
        .filter_map(|o| o.as_str().ok())
        .collect::<Vec<_>>();
    let cn = issuer
        .iter_common_name()
        .filter_map(|o| o.as_str().ok())
        .collect::<Vec<_>>();
    let issuer_text = match (org.first(), cn.first()) {
        (Some(o), Some(c)) if o != c => format!("{c} ({o})"),
        (_, Some(c)) => (*c).to_string(),
        (Some(o), None) => (*o).to_string(),
        (None, None) => issuer.to_string(),
    };
    Some(CertView {
        names,
        issuer: issuer_text,
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
        self_issued: cert.subject().as_raw() == cert.issuer().as_raw(),
    })
}

/// Whether the chain leads to a trusted root, judged at a moment inside the
/// certificate's own validity (dates are judged on their own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trusted {
    Yes,
    SelfSigned,
    Untrusted,
    Other(String),
}

/// Ask rustls' own verifier about the chain, at `at` seconds since the epoch.
pub fn trusted(chain: &[CertificateDer<'_>], view: &CertView, trust: &Trust, at: i64) -> Trusted {
    let Some((end_entity, intermediates)) = chain.split_first() else {
        return Trusted::Other("the server sent no certificate".into());
    };
    let verifier = match webpki_verifier(trust) {
        Ok(v) => v,
        Err(e) => return Trusted::Other(e),
    };
    // rustls checks the chain before the name, so a name no certificate
    // has tells "trusted, wrong name" from "not trusted": the name is
    // judged on its own (`covers`).
    untrusted_or(
        verifier_says(&verifier, end_entity, intermediates, at),
        view,
    )
}

fn verifier_says(
    verifier: &WebPkiServerVerifier,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    at: i64,
) -> Option<rustls::Error> {
    let name = ServerName::try_from("invalid.invalid").ok()?;
    let at = UnixTime::since_unix_epoch(Duration::from_secs(u64::try_from(at).unwrap_or(0)));
    verifier
        .verify_server_cert(end_entity, intermediates, &name, &[], at)
        .err()
}

fn untrusted_or(e: Option<rustls::Error>, view: &CertView) -> Trusted {
    match e {
        None
        | Some(rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        )) => Trusted::Yes,
        // A self-issued certificate fails as "unknown issuer", or, when it
        // carries CA:TRUE as `openssl req -x509` makes it, as "a CA used as
        // a server certificate": self-signed either way.
        Some(_) if view.self_issued => Trusted::SelfSigned,
        Some(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)) => {
            Trusted::Untrusted
        }
        Some(other) => Trusted::Other(other.to_string()),
    }
}

/// Pure: whether a certificate for `names` is valid for `domain`, as
/// browsers match (case-insensitive; `*.` stands for exactly one label).
pub fn covers(names: &[String], domain: &str) -> bool {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    names.iter().any(|n| {
        let n = n.trim_end_matches('.').to_ascii_lowercase();
        match n.strip_prefix("*.") {
            Some(parent) => domain
                .split_once('.')
                .is_some_and(|(label, rest)| !label.is_empty() && rest == parent),
            None => n == domain,
        }
    })
}

/// Pure: the `tls.*` facts of one handshake, judged at `now` (seconds since
/// the epoch). `trusted` and `view` are None when no certificate came.
pub fn facts(
    hs: &Handshake,
    view: Option<&CertView>,
    trusted: Option<&Trusted>,
    domain: &str,
    now: i64,
) -> Facts {
    let mut f = Facts::new();
    let mut put = |k: &str, v: String| {
        f.insert(format!("tls.{k}"), v);
    };
    put("connect", hs.connect.as_str().to_string());
    put("handshake", hs.outcome.as_str().to_string());
    let mut error = hs.error.clone();
    if let (Some(view), Some(trusted)) = (view, trusted) {
        let covered = covers(&view.names, domain);
        let days_left = (view.not_after - now).div_euclid(86_400);
        let expiry = if now > view.not_after {
            "expired"
        } else if now < view.not_before {
            "not-yet-valid"
        } else if days_left < RENEW_WARNING_DAYS {
            "soon"
        } else {
            "ok"
        };
        let verify = match trusted {
            Trusted::SelfSigned => "self-signed",
            Trusted::Untrusted => "untrusted",
            Trusted::Other(e) => {
                error.get_or_insert_with(|| format!("the certificate was refused: {e}"));
                "other"
            }
            Trusted::Yes if !covered => "name-mismatch",
            Trusted::Yes if expiry == "expired" => "expired",
            Trusted::Yes if expiry == "not-yet-valid" => "not-yet-valid",
            Trusted::Yes => "ok",
        };
        put("verify", verify.into());
        put("covers", if covered { "yes" } else { "no" }.into());
        put("names", view.names.join(", "));
        put("issuer", view.issuer.clone());
        put("not_after", date(view.not_after));
        put("days_left", days_left.to_string());
        put("expiry", expiry.into());
    } else {
        put("verify", "unknown".into());
        put("covers", "unknown".into());
        put("names", String::new());
        put("issuer", String::new());
        put("not_after", String::new());
        put("days_left", "unknown".into());
        put("expiry", "unknown".into());
        if hs.outcome == Outcome::Ok {
            error.get_or_insert_with(|| "the server sent no certificate tutor can read".into());
        }
    }
    put("error", error.unwrap_or_default());
    f
}

/// `YYYY-MM-DD` of a time in seconds since the epoch.
fn date(secs: i64) -> String {
    let t = UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).unwrap_or(0));
    humantime::format_rfc3339_seconds(t).to_string()[..10].to_string()
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Handshake with the server in the profile and judge what it sent.
fn tls_facts(profile: &Profile, limits: Limits) -> Facts {
    let domain = profile.answers.domain.as_str();
    let port = profile.answers.https_port;
    let no_handshake = |connect: &str, error: String| {
        let hs = Handshake {
            connect: Connect::Failed(error.clone()),
            outcome: Outcome::NoConnection,
            chain: Vec::new(),
            error: Some(error),
        };
        let mut f = facts(&hs, None, None, domain, 0);
        f.insert("tls.connect".into(), connect.into());
        f
    };
    if limits.loopback_only && !profile.server_ip.is_loopback() {
        return no_handshake("error", super::dns::LOOPBACK_ONLY.into());
    }
    let trust = match Trust::load(profile.answers.ca.as_deref()) {
        Ok(t) => t,
        Err(e) => return no_handshake("error", e),
    };
    let addr = SocketAddr::new(IpAddr::V4(profile.server_ip), port);
    let hs = handshake(addr, domain, &trust, limits.http_timeout);
    let view = hs.chain.first().and_then(|c| read_cert(c));
    let now = now_secs();
    let judged = view.as_ref().map(|v| {
        // A moment inside the certificate's validity, so that trust is
        // judged apart from the dates.
        let inside = v.not_before + (v.not_after - v.not_before) / 2;
        trusted(&hs.chain, v, &trust, inside)
    });
    facts(&hs, view.as_ref(), judged.as_ref(), domain, now)
}

const TLS_FACTS: &[FactSpec] = &[
    fact(
        "connect",
        Values::Literal("`ok`, `refused`, `timeout`, `reset`, `error`"),
    ),
    fact(
        "handshake",
        Values::Literal("`ok`, `failed`, `not-tls`, `none`"),
    ),
    fact(
        "verify",
        Values::Literal(
            "`ok`, `self-signed`, `untrusted`, `name-mismatch`, `expired`, `not-yet-valid`, `other`, `unknown`",
        ),
    ),
    fact("covers", Values::Literal("`yes`, `no`, `unknown`")),
    fact("names", Values::Words("book-value-text")),
    fact("issuer", Values::Words("book-value-text")),
    fact("not_after", Values::Words("book-value-date")),
    fact("days_left", Values::Words("book-value-days")),
    fact(
        "expiry",
        Values::Literal("`ok`, `soon`, `expired`, `not-yet-valid`, `unknown`"),
    ),
    fact("error", Values::Words("book-value-text")),
];

/// The `tls` probe: the handshake on the HTTPS port and the certificate.
pub static PROBE: Probe = Probe {
    name: "tls",
    prefix: "tls",
    facts: TLS_FACTS,
    args: &[],
    gather: Gather::Local(tls_facts),
};

#[cfg(test)]
mod tests;
