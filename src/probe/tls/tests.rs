//! The probe against real TLS servers on loopback (rustls' own server,
//! certificates made by rcgen): the lab does the same with nginx and
//! certificates from an ACME server.

use super::*;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::PrivateKeyDer;
use std::net::TcpListener;
use std::time::Duration;

const DOMAIN: &str = "example.org";
const T: Duration = Duration::from_millis(800);

struct Ca {
    params: CertificateParams,
    key: KeyPair,
    pem: String,
}

fn ca() -> Ca {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Lab CA");
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "tutor lab");
    let key = KeyPair::generate().unwrap();
    let pem = params.self_signed(&key).unwrap().pem();
    Ca { params, key, pem }
}

/// A leaf for `names`, valid from `from_days` to `to_days` around today,
/// signed by `ca` (self-signed when None). DER chain and key.
fn leaf(
    names: &[&str],
    from_days: i64,
    to_days: i64,
    ca: Option<&Ca>,
) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
    let mut params =
        CertificateParams::new(names.iter().map(|n| (*n).to_string()).collect::<Vec<_>>()).unwrap();
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now + time::Duration::days(from_days);
    params.not_after = now + time::Duration::days(to_days);
    params.distinguished_name.push(
        rcgen::DnType::CommonName,
        names.first().copied().unwrap_or("x"),
    );
    let key = KeyPair::generate().unwrap();
    let cert = match ca {
        Some(ca) => {
            let issuer = Issuer::from_params(&ca.params, &ca.key);
            params.signed_by(&key, &issuer).unwrap()
        }
        None => params.self_signed(&key).unwrap(),
    };
    let key_der = PrivateKeyDer::try_from(key.serialize_der()).unwrap();
    (vec![cert.der().clone()], key_der)
}

/// A TLS server on loopback that serves `chain` for one connection.
fn tls_server(chain: Vec<CertificateDer<'static>>, key: PrivateKeyDer<'static>) -> SocketAddr {
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        if let Ok((mut sock, _)) = listener.accept() {
            let _ = sock.set_read_timeout(Some(Duration::from_secs(3)));
            let mut conn = rustls::ServerConnection::new(config).unwrap();
            while conn.is_handshaking() {
                if conn.complete_io(&mut sock).is_err() {
                    return;
                }
            }
            let _ = conn.complete_io(&mut sock);
        }
    });
    addr
}

fn trust_with(ca: Option<&Ca>) -> (Trust, Option<tempfile::TempDir>) {
    match ca {
        None => (Trust::load(None).unwrap(), None),
        Some(ca) => {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("ca.pem");
            std::fs::write(&path, &ca.pem).unwrap();
            (Trust::load(Some(&path)).unwrap(), Some(dir))
        }
    }
}

/// Serve the certificate, run the probe's steps, return its facts.
fn probe(
    chain_key: (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>),
    trusted_ca: Option<&Ca>,
) -> Facts {
    let (trust, _dir) = trust_with(trusted_ca);
    let addr = tls_server(chain_key.0, chain_key.1);
    judge(&handshake(addr, DOMAIN, &trust, T), &trust)
}

fn judge(hs: &Handshake, trust: &Trust) -> Facts {
    let view = hs.chain.first().and_then(|c| read_cert(c));
    let judged = view.as_ref().map(|v| {
        let inside = v.not_before + (v.not_after - v.not_before) / 2;
        trusted(&hs.chain, v, trust, inside)
    });
    facts(hs, view.as_ref(), judged.as_ref(), DOMAIN, now_secs())
}

fn get<'a>(f: &'a Facts, k: &str) -> &'a str {
    f.get(&format!("tls.{k}"))
        .map_or("<missing>", String::as_str)
}

#[test]
fn a_good_certificate_passes_with_its_details() {
    let ca = ca();
    let f = probe(
        leaf(&[DOMAIN, "www.example.org"], -1, 90, Some(&ca)),
        Some(&ca),
    );
    assert_eq!(get(&f, "connect"), "ok");
    assert_eq!(get(&f, "handshake"), "ok");
    assert_eq!(get(&f, "verify"), "ok", "{f:?}");
    assert_eq!(get(&f, "covers"), "yes");
    assert_eq!(get(&f, "names"), "example.org, www.example.org");
    assert_eq!(get(&f, "issuer"), "Lab CA (tutor lab)");
    assert_eq!(get(&f, "expiry"), "ok");
    let days: i64 = get(&f, "days_left").parse().unwrap();
    assert!((88..=90).contains(&days), "{days}");
    assert_eq!(get(&f, "not_after").len(), 10);
    assert_eq!(get(&f, "error"), "");
}

#[test]
fn a_private_ca_is_untrusted_without_ca() {
    let ca = ca();
    let f = probe(leaf(&[DOMAIN], -1, 90, Some(&ca)), None);
    assert_eq!(get(&f, "handshake"), "ok");
    assert_eq!(get(&f, "verify"), "untrusted", "{f:?}");
    assert_eq!(get(&f, "covers"), "yes");
}

#[test]
fn self_signed_wrong_name_expired_and_soon() {
    let ca = ca();
    let f = probe(leaf(&[DOMAIN], -1, 90, None), Some(&ca));
    assert_eq!(get(&f, "verify"), "self-signed", "{f:?}");

    let f = probe(leaf(&["other.test"], -1, 90, Some(&ca)), Some(&ca));
    assert_eq!(get(&f, "verify"), "name-mismatch", "{f:?}");
    assert_eq!(get(&f, "covers"), "no");
    assert_eq!(get(&f, "names"), "other.test");

    let f = probe(leaf(&[DOMAIN], -100, -10, Some(&ca)), Some(&ca));
    assert_eq!(get(&f, "verify"), "expired", "{f:?}");
    assert_eq!(get(&f, "expiry"), "expired");
    assert!(get(&f, "days_left").starts_with('-'), "{f:?}");

    let f = probe(leaf(&[DOMAIN], -80, 5, Some(&ca)), Some(&ca));
    assert_eq!(get(&f, "verify"), "ok", "{f:?}");
    assert_eq!(get(&f, "expiry"), "soon");

    // Trust first: a self-signed certificate for another name, long expired.
    let f = probe(leaf(&["other.test"], -100, -10, None), Some(&ca));
    assert_eq!(get(&f, "verify"), "self-signed", "{f:?}");
    assert_eq!(get(&f, "expiry"), "expired");
}

#[test]
fn wildcards_cover_one_label() {
    let names = vec!["*.example.org".to_string()];
    assert!(covers(&names, "www.example.org"));
    assert!(covers(&names, "WWW.Example.org."));
    assert!(!covers(&names, "example.org"));
    assert!(!covers(&names, "a.b.example.org"));
    assert!(covers(&["Example.ORG".to_string()], "example.org"));
}

#[test]
fn plain_http_on_the_port_is_not_tls() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        if let Ok((mut s, _)) = listener.accept() {
            let mut buf = [0u8; 512];
            let _ = std::io::Read::read(&mut s, &mut buf);
            // What nginx answers on `listen 443;` without `ssl`.
            let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n\r\n<html><head><title>400 The plain HTTP request was sent to HTTPS port</title>");
        }
    });
    let (trust, _) = trust_with(None);
    let f = judge(&handshake(addr, DOMAIN, &trust, T), &trust);
    assert_eq!(get(&f, "connect"), "ok");
    assert_eq!(get(&f, "handshake"), "not-tls", "{f:?}");
    assert_eq!(get(&f, "verify"), "unknown");
}

#[test]
fn refusal_and_silence() {
    let (trust, _) = trust_with(None);
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let f = judge(&handshake(addr, DOMAIN, &trust, T), &trust);
    assert_eq!(get(&f, "connect"), "refused");
    assert_eq!(get(&f, "handshake"), "none");
    assert!(get(&f, "error").contains("refused"), "{f:?}");

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        let held = listener.accept();
        let _ = rx.recv_timeout(Duration::from_secs(5));
        drop(held);
    });
    let started = Instant::now();
    let f = judge(&handshake(addr, DOMAIN, &trust, T), &trust);
    let _ = tx.send(());
    assert!(started.elapsed() < T * 3, "{:?}", started.elapsed());
    assert_eq!(get(&f, "connect"), "ok");
    assert_eq!(get(&f, "handshake"), "failed");
    assert!(
        get(&f, "error").contains("did not finish the TLS handshake"),
        "{f:?}"
    );
}
