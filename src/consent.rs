//! Consent to an instructor's lesson pack running its own commands.
//!
//! A pack's checks may run commands on the learner's server (`run`, a
//! `[[command]]`), and a pack's check may replace a built-in one by reusing
//! its id. tutor promises to only read; a pack is someone else's code. So
//! before a pack's commands first run, and again whenever they change, the
//! learner (or the instructor, for `class check`) sees every command the
//! pack adds or replaces and says yes. The yes is remembered by a hash of
//! exactly those commands, in `trusted-packs.json` in the state folder.

use crate::pack::Pack;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

/// One command a pack brings: the check that runs it, the command, and
/// whether the check replaces a built-in one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PackCommand {
    pub check: String,
    pub run: String,
    pub replaces: bool,
}

/// Every command the pack's own layer adds or replaces, by check id.
#[must_use]
pub(crate) fn pack_commands(pack: &Pack) -> Vec<PackCommand> {
    let catalog = &pack.catalog;
    let overlay_command = |name: &str| {
        catalog
            .commands
            .iter()
            .any(|(c, o)| c.id == name && o.layer > 0)
    };
    let mut out: Vec<PackCommand> = catalog
        .checks
        .iter()
        .filter(|(c, o)| {
            c.run.is_some() && (o.layer > 0 || c.command.as_deref().is_some_and(overlay_command))
        })
        .map(|(c, _)| PackCommand {
            check: c.id.clone(),
            run: c.run.clone().unwrap_or_default(),
            replaces: catalog.replaced.contains(&c.id),
        })
        .collect();
    out.sort_by(|a, b| a.check.cmp(&b.check));
    out
}

/// The hash a consent is remembered by.
#[must_use]
pub(crate) fn fingerprint(commands: &[PackCommand]) -> String {
    let mut h = Sha256::new();
    for c in commands {
        h.update(c.check.as_bytes());
        h.update([0]);
        h.update(c.run.as_bytes());
        h.update([u8::from(c.replaces), b'\n']);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Trusted {
    #[serde(default)]
    trusted: Vec<String>,
}

const FILE: &str = "trusted-packs.json";

/// The consents saved in `state_dir`; none when the folder is one other
/// users can write to (they could plant a consent), or the file is not a
/// small regular file of its own.
fn read(state_dir: &Path) -> Trusted {
    if crate::progress::refuse_shared_dir(state_dir).is_err() {
        return Trusted::default();
    }
    crate::safe_file::read(
        &state_dir.join(FILE),
        crate::safe_file::Follow::No,
        crate::safe_file::MB,
    )
    .ok()
    .and_then(|b| serde_json::from_slice(&b).ok())
    .unwrap_or_default()
}

/// Whether these exact commands were consented to before.
#[must_use]
pub(crate) fn is_trusted(state_dir: &Path, fingerprint: &str) -> bool {
    read(state_dir).trusted.iter().any(|t| t == fingerprint)
}

/// Remember the consent (crash-safe, like the progress file).
pub(crate) fn trust(state_dir: &Path, fingerprint: &str) -> Result<()> {
    let mut t = read(state_dir);
    if !t.trusted.iter().any(|x| x == fingerprint) {
        t.trusted.push(fingerprint.to_string());
    }
    // Like the progress store: a folder only we can write to (mode 0700),
    // so the check below holds whatever the umask.
    std::os::unix::fs::DirBuilderExt::mode(std::fs::DirBuilder::new().recursive(true), 0o700)
        .create(state_dir)
        .with_context(|| format!("cannot create {}", state_dir.display()))?;
    crate::progress::refuse_shared_dir(state_dir)?;
    let mut bytes = serde_json::to_vec_pretty(&t)?;
    bytes.push(b'\n');
    crate::atomic_file::replace(
        &state_dir.join(FILE),
        ".trusted-packs.json.tmp-",
        &bytes,
        0o600,
    )
}

/// The listing shown before asking: one line per command.
#[must_use]
pub(crate) fn listing(commands: &[PackCommand]) -> String {
    commands
        .iter()
        .map(|c| {
            let what = if c.replaces {
                crate::t!("pack-command-replaces", check = &c.check)
            } else {
                crate::t!("pack-command-adds", check = &c.check)
            };
            format!("  {what}\n      {}\n", crate::visible::line(&c.run))
        })
        .collect()
}
