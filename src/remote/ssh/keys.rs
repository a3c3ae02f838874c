//! What tutor can tell about a private key file without decrypting it, and
//! the key files `ssh` offers when nothing names one.

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// The key files `ssh` offers when nothing names one, in OpenSSH's own
/// order (ssh_config(5) under `IdentityFile`: id_rsa, id_ecdsa,
/// id_ecdsa_sk, id_ed25519, id_ed25519_sk, then id_dsa). It must be the
/// same order: every key offered uses up one of sshd's `MaxAuthTries` (6),
/// so tutor offering keys in the order `ssh` does logs in with the key
/// `ssh` would use and runs out of tries where `ssh` would; then tutor and
/// the learner's `ssh` never disagree about whether the login works.
/// `id_dsa` is left out: OpenSSH has not offered DSA keys by default since
/// 7.0 (9.8 builds without DSA, 10.0 removed it). The `_sk` keys need a
/// hardware authenticator that tutor does not drive; they stay for the
/// order, and one that cannot be used is listed with the reason among the
/// keys tried.
pub(super) const DEFAULT_IDENTITIES: [&str; 5] = [
    "id_rsa",
    "id_ecdsa",
    "id_ecdsa_sk",
    "id_ed25519",
    "id_ed25519_sk",
];

/// [`DEFAULT_IDENTITIES`] under `home/.ssh`.
pub(super) fn default_identity_files(home: &Path) -> Vec<PathBuf> {
    DEFAULT_IDENTITIES
        .iter()
        .map(|name| home.join(".ssh").join(name))
        .collect()
}

/// What can be told about a private key file without decrypting it.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct KeyFileInfo {
    pub encrypted: bool,
    /// The public key, which the OpenSSH format stores in clear.
    pub public_blob: Option<Vec<u8>>,
}

impl KeyFileInfo {
    /// libssh2 reports a missing passphrase as "Unable to extract public
    /// key from private key", so look at the file: the OpenSSH format names
    /// its cipher ("none" when clear), PEM says ENCRYPTED.
    pub(super) fn parse(bytes: &[u8]) -> KeyFileInfo {
        let text = String::from_utf8_lossy(bytes);
        const BEGIN: &str = "-----BEGIN OPENSSH PRIVATE KEY-----";
        if let Some(start) = text.find(BEGIN) {
            let body = &text[start + BEGIN.len()..];
            let body = body.split("-----END").next().unwrap_or("");
            let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            return match STANDARD.decode(b64) {
                Ok(raw) => parse_openssh_key(&raw).unwrap_or_default(),
                Err(_) => KeyFileInfo::default(),
            };
        }
        KeyFileInfo {
            encrypted: text.contains("Proc-Type: 4,ENCRYPTED")
                || text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----"),
            public_blob: None,
        }
    }
}

/// `openssh-key-v1\0`, then the strings ciphername, kdfname, kdfoptions,
/// a u32 key count, and the first public key (PROTOCOL.key).
fn parse_openssh_key(raw: &[u8]) -> Option<KeyFileInfo> {
    let mut rest = raw.strip_prefix(b"openssh-key-v1\0")?;
    let cipher = take_string(&mut rest)?;
    take_string(&mut rest)?;
    take_string(&mut rest)?;
    take_u32(&mut rest)?;
    let public_blob = take_string(&mut rest).map(<[u8]>::to_vec);
    Some(KeyFileInfo {
        encrypted: cipher != b"none",
        public_blob,
    })
}

fn take_u32(rest: &mut &[u8]) -> Option<u32> {
    let bytes: [u8; 4] = rest.get(..4)?.try_into().ok()?;
    *rest = &rest[4..];
    Some(u32::from_be_bytes(bytes))
}

fn take_string<'a>(rest: &mut &'a [u8]) -> Option<&'a [u8]> {
    let len = take_u32(rest)? as usize;
    let value = rest.get(..len)?;
    *rest = &rest[len..];
    Some(value)
}

/// The blob of `path.pub`, if that file exists and parses.
pub(super) fn read_pub_file(path: &Path) -> Option<Vec<u8>> {
    let mut name = path.as_os_str().to_os_string();
    name.push(".pub");
    let text = std::fs::read_to_string(PathBuf::from(name)).ok()?;
    let b64 = text.split_whitespace().nth(1)?;
    STANDARD.decode(b64).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUB_BLOB: &str = "AAAAC3NzaC1lZDI1NTE5AAAAICTn1r12B7Obp1JmX1Q5vjrFQWEK1KLQJqzSn9im82ne";

    /// The clear header of an OpenSSH-format key as `ssh-keygen` writes it
    /// (no private part: not needed, and no private key in the sources).
    fn openssh_key(cipher: &str, kdf: &str) -> String {
        let mut raw = b"openssh-key-v1\0".to_vec();
        let blob = STANDARD.decode(PUB_BLOB).unwrap();
        let kdf_options: &[u8] = if kdf == "none" {
            b""
        } else {
            b"\0\0\0\x10saltsaltsaltsalt\0\0\0\x10"
        };
        for field in [cipher.as_bytes(), kdf.as_bytes(), kdf_options] {
            raw.extend_from_slice(&(field.len() as u32).to_be_bytes());
            raw.extend_from_slice(field);
        }
        raw.extend_from_slice(&1u32.to_be_bytes());
        raw.extend_from_slice(&(blob.len() as u32).to_be_bytes());
        raw.extend_from_slice(&blob);
        let b64 = STANDARD.encode(raw);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(70)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n-----END OPENSSH PRIVATE KEY-----\n",
            lines.join("\n")
        )
    }

    #[test]
    fn key_file_detection() {
        let blob = STANDARD.decode(PUB_BLOB).unwrap();
        let clear = KeyFileInfo::parse(openssh_key("none", "none").as_bytes());
        assert!(!clear.encrypted);
        assert_eq!(clear.public_blob, Some(blob.clone()));
        let locked = KeyFileInfo::parse(openssh_key("aes256-ctr", "bcrypt").as_bytes());
        assert!(locked.encrypted);
        assert_eq!(locked.public_blob, Some(blob));
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        assert!(KeyFileInfo::parse(pem.as_bytes()).encrypted);
        let pkcs8 =
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert!(KeyFileInfo::parse(pkcs8.as_bytes()).encrypted);
        let plain_pem = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        assert_eq!(
            KeyFileInfo::parse(plain_pem.as_bytes()),
            KeyFileInfo::default()
        );
        let broken =
            "-----BEGIN OPENSSH PRIVATE KEY-----\n!!!\n-----END OPENSSH PRIVATE KEY-----\n";
        assert_eq!(
            KeyFileInfo::parse(broken.as_bytes()),
            KeyFileInfo::default()
        );
        assert_eq!(
            KeyFileInfo::parse(b"\xff\x00garbage"),
            KeyFileInfo::default()
        );
        assert!(parse_openssh_key(b"openssh-key-v1\0\0\0\0\x09no").is_none());
    }
}
