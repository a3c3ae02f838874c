//! Which certificate authorities the HTTPS probes trust.
//!
//! The roots are Mozilla's list as the `webpki-root-certs` crate carries it,
//! compiled into tutor, not the laptop's own store. A learner's certificate
//! comes from a public CA (Let's Encrypt, for this course) that every
//! browser trusts; a laptop's store can also hold roots that browsers
//! elsewhere do not (a company proxy's, a leftover test CA), and then a
//! broken chain would look fine on that laptop only. With one fixed list,
//! tutor says the same thing on every learner's machine, Windows included.
//!
//! A private CA (a workshop's, the test lab's) comes in through the
//! profile's `--ca FILE` (PEM, one or more certificates), added to the list.

use rustls::RootCertStore;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use std::path::Path;
use std::sync::Arc;

/// The trusted roots, in the two shapes the probes need.
#[derive(Debug, Clone)]
pub struct Trust {
    /// For rustls' verifier (the `tls` probe).
    pub store: Arc<RootCertStore>,
    /// The same roots as certificates (the HTTP client takes these).
    pub certs: Vec<CertificateDer<'static>>,
}

impl Trust {
    /// Mozilla's roots, plus the certificates of `ca` when the profile names
    /// a file. `Err` is one sentence for the learner.
    pub fn load(ca: Option<&Path>) -> Result<Trust, String> {
        let mut certs: Vec<CertificateDer<'static>> =
            webpki_root_certs::TLS_SERVER_ROOT_CERTS.to_vec();
        if let Some(path) = ca {
            certs.extend(read_ca_file(path)?);
        }
        let mut store = RootCertStore::empty();
        let (_added, _ignored) = store.add_parsable_certificates(certs.iter().cloned());
        Ok(Trust {
            store: Arc::new(store),
            certs,
        })
    }
}

/// The certificates of a PEM file, or one sentence on what is wrong.
pub fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let shown = path.display();
    let bytes = std::fs::read(path)
        .map_err(|e| format!("the CA file {shown} given with --ca cannot be read ({e})"))?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("the CA file {shown} given with --ca is not valid PEM ({e})"))?;
    if certs.is_empty() {
        return Err(format!(
            "the CA file {shown} given with --ca holds no certificate (it needs a -----BEGIN CERTIFICATE----- block)"
        ));
    }
    let mut store = RootCertStore::empty();
    let (added, _) = store.add_parsable_certificates(certs.iter().cloned());
    if added == 0 {
        return Err(format!(
            "the CA file {shown} given with --ca holds no certificate tutor can use as a root"
        ));
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_roots_load() {
        let t = Trust::load(None).unwrap();
        assert!(t.store.len() > 100, "{} roots", t.store.len());
        assert_eq!(
            t.certs.len(),
            webpki_root_certs::TLS_SERVER_ROOT_CERTS.len()
        );
    }

    #[test]
    fn a_bad_ca_file_is_one_sentence() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.pem");
        let e = Trust::load(Some(&missing)).unwrap_err();
        assert!(e.contains("cannot be read"), "{e}");
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "hello\n").unwrap();
        let e = Trust::load(Some(&empty)).unwrap_err();
        assert!(e.contains("holds no certificate"), "{e}");
        let junk = dir.path().join("junk.pem");
        std::fs::write(
            &junk,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let e = Trust::load(Some(&junk)).unwrap_err();
        assert!(e.contains("no certificate tutor can use"), "{e}");
    }
}
