//! OpenSSH `known_hosts`, read and written by us.
//!
//! libssh2 has a matcher of its own, but it treats a port-less entry as an
//! entry for every port, so a port-22 key that differs from the key on port
//! 2222 reads as "changed" where `ssh` says "unknown": the learner's `ssh`
//! and tutor would disagree. The rules here follow OpenSSH 9.2, measured
//! against `ssh` itself: the name looked up is `host` for port 22 and
//! `[host]:port` otherwise ([`check`]), hashed entries hash that same name,
//! a host listed with any other key, of any type, has changed (a known RSA
//! key and a server presenting ed25519 gives "REMOTE HOST IDENTIFICATION HAS
//! CHANGED"). One rule is deliberately stricter than `ssh`: for a port
//! other than 22 a port-less entry never counts, not even with exactly the
//! same key (`ssh` falls back to it, "checking without port identifier"),
//! so a key is trusted for the port it was recorded for.

use std::fs::{DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, FileExt, OpenOptionsExt};
use std::path::Path;

use anyhow::Context;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// What `known_hosts` says about one host key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HostKeyStatus {
    /// An entry for this host (and port) holds exactly this key.
    Match,
    /// The host is listed with another key of the same type, or the key is
    /// `@revoked`; `line` (1-based) is the offending line.
    Mismatch { line: usize },
    /// No entry for this host and key type.
    NotFound,
}

/// Looks `host`:`port` and its key up in the text of a `known_hosts` file.
///
/// A revoked key wins over everything, then an exact match anywhere among
/// the host's entries, then any other key for the host (reported at the
/// last such line, as `ssh` does in "Offending key in FILE:LINE").
/// The key type plays no part: any other key, of any type, has changed.
pub(super) fn check(
    known_hosts_text: &str,
    host: &str,
    port: u16,
    key_blob: &[u8],
) -> HostKeyStatus {
    let name = lookup_name(host, port);
    let mut matched = false;
    let mut changed: Option<usize> = None;
    for entry in entries(known_hosts_text).filter(|e| e.matches(&name)) {
        match entry.marker {
            Marker::CertAuthority => {}
            Marker::Revoked => {
                if entry.blob == key_blob {
                    return HostKeyStatus::Mismatch { line: entry.line };
                }
            }
            Marker::None => {
                if entry.blob == key_blob {
                    matched = true;
                } else {
                    changed = Some(entry.line);
                }
            }
        }
    }
    if matched {
        HostKeyStatus::Match
    } else if let Some(line) = changed {
        HostKeyStatus::Mismatch { line }
    } else {
        HostKeyStatus::NotFound
    }
}

/// Key types recorded for `host`:`port`, in file order, without repeats.
/// The SSH probe asks the server for one of these first, as OpenSSH does,
/// so that a host known by its ed25519 key is not "unknown" because the
/// server happened to offer ECDSA first.
pub(super) fn known_key_types(known_hosts_text: &str, host: &str, port: u16) -> Vec<String> {
    let name = lookup_name(host, port);
    let mut types: Vec<String> = Vec::new();
    for entry in entries(known_hosts_text) {
        if entry.marker == Marker::None
            && entry.matches(&name)
            && !types.iter().any(|t| t == entry.key_type)
        {
            types.push(entry.key_type.to_string());
        }
    }
    types
}

/// The line OpenSSH itself would write: `[host]:port type base64`, or
/// `host type base64` for port 22.
pub(super) fn entry_line(host: &str, port: u16, key_type: &str, key_blob: &[u8]) -> String {
    format!(
        "{} {} {}",
        lookup_name(host, port),
        key_type,
        STANDARD.encode(key_blob)
    )
}

/// The line `ssh` writes with `HashKnownHosts yes` (and `ssh-keygen -H`):
/// the name replaced by `|1|salt|HMAC-SHA1(salt, name)`, both base64, with
/// a fresh random 20-byte salt.
pub(super) fn hashed_entry_line(
    host: &str,
    port: u16,
    key_type: &str,
    key_blob: &[u8],
) -> anyhow::Result<String> {
    let mut salt = [0u8; 20];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut salt))
        .context("could not read random bytes for a hashed known_hosts entry")?;
    Ok(hashed_entry_line_with_salt(
        host, port, key_type, key_blob, &salt,
    ))
}

fn hashed_entry_line_with_salt(
    host: &str,
    port: u16,
    key_type: &str,
    key_blob: &[u8],
    salt: &[u8],
) -> String {
    // Any key length is valid for HMAC.
    let mut mac = Hmac::<Sha1>::new_from_slice(salt).expect("HMAC takes any key length");
    mac.update(lookup_name(host, port).as_bytes());
    format!(
        "|1|{}|{} {} {}",
        STANDARD.encode(salt),
        STANDARD.encode(mac.finalize().into_bytes()),
        key_type,
        STANDARD.encode(key_blob)
    )
}

/// Appends `line` to the file at `path`, creating its directory (0700) and
/// the file (0600) when they are missing, as `ssh` does for `~/.ssh`.
pub(super) fn append(path: &Path, line: &str) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() && !dir.exists() {
            DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .with_context(|| format!("could not create the directory {}", dir.display()))?;
        }
    }
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("could not open {} for writing", path.display()))?;
    let len = file
        .metadata()
        .with_context(|| format!("could not read the size of {}", path.display()))?
        .len();
    let mut text = String::new();
    if len > 0 {
        // A file edited by hand may lack its final newline; without this our
        // entry would be glued onto the last one.
        let mut last = [0u8; 1];
        file.read_exact_at(&mut last, len - 1)
            .with_context(|| format!("could not read {}", path.display()))?;
        if last[0] != b'\n' {
            text.push('\n');
        }
    }
    text.push_str(line.trim_end_matches('\n'));
    text.push('\n');
    file.write_all(text.as_bytes())
        .with_context(|| format!("could not write to {}", path.display()))?;
    Ok(())
}

/// `SHA256:` and the unpadded base64 of the key's SHA-256, exactly what
/// `ssh-keygen -lf` and `ssh` print.
pub(super) fn fingerprint_sha256(key_blob: &[u8]) -> String {
    format!(
        "SHA256:{}",
        STANDARD_NO_PAD.encode(Sha256::digest(key_blob))
    )
}

/// The OpenSSH name of a libssh2 host key type.
pub(super) fn key_type_name(t: ssh2::HostKeyType) -> &'static str {
    match t {
        ssh2::HostKeyType::Rsa => "ssh-rsa",
        ssh2::HostKeyType::Dss => "ssh-dss",
        ssh2::HostKeyType::Ecdsa256 => "ecdsa-sha2-nistp256",
        ssh2::HostKeyType::Ecdsa384 => "ecdsa-sha2-nistp384",
        ssh2::HostKeyType::Ecdsa521 => "ecdsa-sha2-nistp521",
        ssh2::HostKeyType::Ed25519 => "ssh-ed25519",
        ssh2::HostKeyType::Unknown => "unknown",
    }
}

/// The key type written at the start of an SSH public key blob (an SSH
/// string: 4-byte big-endian length, then the name).
pub(super) fn blob_key_type(key_blob: &[u8]) -> Option<&str> {
    let len_bytes: [u8; 4] = key_blob.get(..4)?.try_into().ok()?;
    let len = u32::from_be_bytes(len_bytes) as usize;
    let name = key_blob.get(4..4usize.checked_add(len)?)?;
    std::str::from_utf8(name).ok()
}

/// `host` for port 22, `[host]:port` otherwise, lowercased: the name
/// OpenSSH looks up and records.
fn lookup_name(host: &str, port: u16) -> String {
    let host = host.to_ascii_lowercase();
    if port == 22 {
        host
    } else {
        format!("[{host}]:{port}")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    None,
    Revoked,
    CertAuthority,
}

struct Entry<'a> {
    line: usize,
    marker: Marker,
    hosts: &'a str,
    key_type: &'a str,
    blob: Vec<u8>,
}

impl Entry<'_> {
    fn matches(&self, name: &str) -> bool {
        if let Some(hashed) = self.hosts.strip_prefix("|1|") {
            hashed_matches(hashed, name)
        } else {
            pattern_list_matches(name, self.hosts.split(','))
        }
    }
}

/// Every well-formed entry; lines OpenSSH would skip (comments, unknown
/// markers, bad base64) are skipped here too.
fn entries(text: &str) -> impl Iterator<Item = Entry<'_>> {
    text.lines().enumerate().filter_map(|(index, raw)| {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let mut fields = line.split_whitespace();
        let mut first = fields.next()?;
        let marker = match first {
            "@revoked" => Marker::Revoked,
            "@cert-authority" => Marker::CertAuthority,
            m if m.starts_with('@') => return None,
            _ => Marker::None,
        };
        if marker != Marker::None {
            first = fields.next()?;
        }
        let key_type = fields.next()?;
        let blob = STANDARD.decode(fields.next()?).ok()?;
        Some(Entry {
            line: index + 1,
            marker,
            hosts: first,
            key_type,
            blob,
        })
    })
}

/// `salt|hash` (both base64) against HMAC-SHA1(salt, name).
fn hashed_matches(salt_and_hash: &str, name: &str) -> bool {
    let Some((salt, hash)) = salt_and_hash.split_once('|') else {
        return false;
    };
    let (Ok(salt), Ok(hash)) = (STANDARD.decode(salt), STANDARD.decode(hash)) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(&salt) else {
        return false;
    };
    mac.update(name.as_bytes());
    mac.verify_slice(&hash).is_ok()
}

/// OpenSSH's pattern-list rule (used by known_hosts and by `Host` in
/// ssh_config): a matching `!pattern` rejects outright, otherwise any
/// matching pattern accepts. Case-insensitive.
pub(super) fn pattern_list_matches<'a>(
    name: &str,
    patterns: impl Iterator<Item = &'a str>,
) -> bool {
    let name = name.to_ascii_lowercase();
    let mut positive = false;
    for pattern in patterns {
        let (negated, pattern) = match pattern.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, pattern),
        };
        if pattern.is_empty() {
            continue;
        }
        if glob_matches(pattern.to_ascii_lowercase().as_bytes(), name.as_bytes()) {
            if negated {
                return false;
            }
            positive = true;
        }
    }
    positive
}

/// `*` (any run, also empty) and `?` (one byte); iterative with one
/// backtrack point, so hostile patterns cannot blow up.
fn glob_matches(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    // Two `ssh-keygen -t ed25519` public keys.
    const KEY_A: &str = "AAAAC3NzaC1lZDI1NTE5AAAAICJzCXBccat2QVDi+fluf1zL40/7A+KPBCBWjiLPh9gY";
    const KEY_B: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIG4rkdbY83f6J1rXzG5XFxwBT90XaIF8KQcwDy6f4vvn";
    const RSA_TYPE: &str = "ssh-rsa";
    const ED: &str = "ssh-ed25519";

    fn blob(b64: &str) -> Vec<u8> {
        STANDARD.decode(b64).unwrap()
    }

    #[test]
    fn plain_name_and_lists() {
        let text = format!("# comment\n\nexample.org {ED} {KEY_A}\nfoo,Example.NET,10.0.0.1 {ED} {KEY_A} me@laptop\n");
        let a = blob(KEY_A);
        assert_eq!(check(&text, "example.org", 22, &a), HostKeyStatus::Match);
        assert_eq!(check(&text, "EXAMPLE.ORG", 22, &a), HostKeyStatus::Match);
        assert_eq!(check(&text, "example.net", 22, &a), HostKeyStatus::Match);
        assert_eq!(check(&text, "10.0.0.1", 22, &a), HostKeyStatus::Match);
        assert_eq!(check(&text, "other.org", 22, &a), HostKeyStatus::NotFound);
    }

    #[test]
    fn portless_entry_matches_only_port_22() {
        let text = format!("127.0.0.1 {ED} {KEY_A}\n");
        let a = blob(KEY_A);
        assert_eq!(check(&text, "127.0.0.1", 22, &a), HostKeyStatus::Match);
        assert_eq!(check(&text, "127.0.0.1", 2222, &a), HostKeyStatus::NotFound);
    }

    #[test]
    fn bracketed_port_entry() {
        let text = format!("[127.0.0.1]:2222 {ED} {KEY_A}\n[::1]:2200 {ED} {KEY_A}\n");
        let a = blob(KEY_A);
        assert_eq!(check(&text, "127.0.0.1", 2222, &a), HostKeyStatus::Match);
        assert_eq!(check(&text, "127.0.0.1", 22, &a), HostKeyStatus::NotFound);
        assert_eq!(check(&text, "127.0.0.1", 2223, &a), HostKeyStatus::NotFound);
        assert_eq!(check(&text, "::1", 2200, &a), HostKeyStatus::Match);
    }

    #[test]
    fn mismatch_reports_last_line_whatever_the_type() {
        let text = format!("a.org {RSA_TYPE} {KEY_B}\n\n# x\n[a.org]:2222 {ED} {KEY_B}\n");
        let a = blob(KEY_A);
        assert_eq!(
            check(&text, "a.org", 2222, &a),
            HostKeyStatus::Mismatch { line: 4 }
        );
        // As ssh 9.2 does: a known RSA key and an ed25519 key presented is
        // "changed", not "unknown".
        assert_eq!(
            check(&text, "a.org", 22, &a),
            HostKeyStatus::Mismatch { line: 1 }
        );
        let two = format!("{text}a.org {ED} {KEY_B}\n");
        assert_eq!(
            check(&two, "a.org", 22, &a),
            HostKeyStatus::Mismatch { line: 5 }
        );
        // The right key anywhere among the host's entries wins.
        let both = format!("{text}[a.org]:2222 {ED} {KEY_A}\n");
        assert_eq!(check(&both, "a.org", 2222, &a), HostKeyStatus::Match);
    }

    #[test]
    fn revoked_and_cert_authority() {
        let a = blob(KEY_A);
        let text = format!("a.org {ED} {KEY_A}\n@revoked * {ED} {KEY_A}\n");
        assert_eq!(
            check(&text, "a.org", 22, &a),
            HostKeyStatus::Mismatch { line: 2 }
        );
        let ca = format!("@cert-authority *.org {ED} {KEY_B}\n");
        assert_eq!(check(&ca, "a.org", 22, &a), HostKeyStatus::NotFound);
        let unknown_marker = format!("@weird a.org {ED} {KEY_B}\n");
        assert_eq!(
            check(&unknown_marker, "a.org", 22, &a),
            HostKeyStatus::NotFound
        );
    }

    #[test]
    fn wildcards_and_negation() {
        let a = blob(KEY_A);
        let text = format!("*.example.org,!bad.example.org {ED} {KEY_A}\n");
        assert_eq!(
            check(&text, "www.example.org", 22, &a),
            HostKeyStatus::Match
        );
        assert_eq!(
            check(&text, "bad.example.org", 22, &a),
            HostKeyStatus::NotFound
        );
        let q = format!("host?.lan {ED} {KEY_A}\n");
        assert_eq!(check(&q, "host7.lan", 22, &a), HostKeyStatus::Match);
        assert_eq!(check(&q, "host77.lan", 22, &a), HostKeyStatus::NotFound);
    }

    // Made with `ssh-keygen -H -f kh` from "127.0.0.1 ..." and
    // "[127.0.0.1]:2222 ..." lines (OpenSSH 9.2).
    const HASHED_22: &str = "|1|eZ7LaVTV+RWkjMSP+Kmbe6qY3ZA=|JHvpZW9IZ34RuxblxAlLhdsHA9Q=";
    const HASHED_2222: &str = "|1|nEL14PK8CnIGcHOhJ2rfqzZdhSo=|ag6KybWd7lrMYSqvq8cEXlPE++4=";

    #[test]
    fn hashed_entries() {
        let a = blob(KEY_A);
        let text = format!("{HASHED_22} {ED} {KEY_A}\n{HASHED_2222} {ED} {KEY_A}\n");
        assert_eq!(check(&text, "127.0.0.1", 22, &a), HostKeyStatus::Match);
        assert_eq!(check(&text, "127.0.0.1", 2222, &a), HostKeyStatus::Match);
        assert_eq!(check(&text, "127.0.0.1", 2223, &a), HostKeyStatus::NotFound);
        assert_eq!(check(&text, "127.0.0.2", 22, &a), HostKeyStatus::NotFound);
        let b = blob(KEY_B);
        assert_eq!(
            check(&text, "127.0.0.1", 2222, &b),
            HostKeyStatus::Mismatch { line: 2 }
        );
    }

    #[test]
    fn garbage_lines_are_skipped() {
        let a = blob(KEY_A);
        let text = format!("a.org\na.org {ED}\na.org {ED} !!notbase64!!\n|1|x a.org {ED}\n|1|bad|bad {ED} {KEY_A}\na.org {ED} {KEY_A}\n");
        assert_eq!(check(&text, "a.org", 22, &a), HostKeyStatus::Match);
        assert_eq!(check("", "a.org", 22, &a), HostKeyStatus::NotFound);
    }

    #[test]
    fn entry_line_format_and_roundtrip() {
        let a = blob(KEY_A);
        assert_eq!(
            entry_line("Example.org", 22, ED, &a),
            format!("example.org {ED} {KEY_A}")
        );
        let line = entry_line("127.0.0.1", 2222, ED, &a);
        assert_eq!(line, format!("[127.0.0.1]:2222 {ED} {KEY_A}"));
        assert_eq!(check(&line, "127.0.0.1", 2222, &a), HostKeyStatus::Match);
    }

    #[test]
    fn hashed_entries_as_ssh_keygen_writes_them() {
        let a = blob(KEY_A);
        // ssh-keygen -H wrote HASHED_22 for "127.0.0.1": same salt, same line.
        let salt = STANDARD
            .decode(HASHED_22.split('|').nth(2).unwrap())
            .unwrap();
        let line = hashed_entry_line_with_salt("127.0.0.1", 22, ED, &a, &salt);
        assert_eq!(line, format!("{HASHED_22} {ED} {KEY_A}"));
        let fresh = hashed_entry_line("127.0.0.1", 2222, ED, &a).unwrap();
        assert!(fresh.starts_with("|1|") && !fresh.contains("127.0.0.1"));
        assert_eq!(check(&fresh, "127.0.0.1", 2222, &a), HostKeyStatus::Match);
        assert_eq!(check(&fresh, "127.0.0.1", 22, &a), HostKeyStatus::NotFound);
        assert_ne!(fresh, hashed_entry_line("127.0.0.1", 2222, ED, &a).unwrap());
    }

    #[test]
    fn known_types_in_order() {
        let text = format!("a.org {RSA_TYPE} {KEY_A}\na.org {ED} {KEY_B}\na.org {RSA_TYPE} {KEY_B}\nb.org ecdsa-sha2-nistp256 {KEY_A}\n");
        assert_eq!(
            known_key_types(&text, "a.org", 22),
            vec![RSA_TYPE.to_string(), ED.to_string()]
        );
        assert!(known_key_types(&text, "a.org", 2222).is_empty());
    }

    #[test]
    fn fingerprint_and_blob_type() {
        // `ssh-keygen -lf` on the key whose blob is KEY_A.
        assert_eq!(
            fingerprint_sha256(&blob(KEY_A)),
            "SHA256:isVZqU5aIjVwp7hKPkbfHJjEp+B1xeguhS0WI3b2E4M"
        );
        assert_eq!(blob_key_type(&blob(KEY_A)), Some(ED));
        assert_eq!(blob_key_type(&[0, 0, 0, 9, b'x']), None);
        assert_eq!(blob_key_type(&[]), None);
        assert_eq!(
            key_type_name(ssh2::HostKeyType::Ecdsa384),
            "ecdsa-sha2-nistp384"
        );
    }

    #[test]
    fn append_creates_dir_and_file_with_modes() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ssh").join("known_hosts");
        append(&path, "a.org ssh-ed25519 AAAA").unwrap();
        std::fs::write(&path, "x y z").unwrap(); // no final newline
        append(&path, "b.org ssh-ed25519 BBBB\n").unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "x y z\nb.org ssh-ed25519 BBBB\n"
        );
        let dmode = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dmode & 0o777, 0o700);
        let path2 = dir.path().join("fresh");
        append(&path2, "c").unwrap();
        let fmode = std::fs::metadata(&path2).unwrap().permissions().mode();
        assert_eq!(fmode & 0o777, 0o600);
    }
}
