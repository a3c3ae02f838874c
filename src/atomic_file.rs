//! Replacing a file so that a crash, Ctrl-C or SIGKILL at any moment
//! leaves either the old file or the new one, never half of one. The
//! progress file, the class page and the list of trusted packs all go
//! through here; it lives on its own because none of them owns it.

use anyhow::Context;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Makes the temp names of one process distinct (with its pid, of all).
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Replace `target` with `bytes`, crash-safely: a new temp file in the same
/// folder (named `temp_prefix` + pid + counter, created exclusively, so an
/// existing file or a symlink planted under that name is never followed),
/// fsynced, renamed over `target` (a symlink at `target` is replaced, not
/// followed), then the folder fsynced.
pub(crate) fn replace(
    target: &Path,
    temp_prefix: &str,
    bytes: &[u8],
    mode: u32,
) -> anyhow::Result<()> {
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let temp = dir.join(format!(
        "{temp_prefix}{}-{}",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = write_synced(&temp, bytes, mode).and_then(|()| {
        fs::rename(&temp, target)
            .with_context(|| format!("Cannot move {} to {}", temp.display(), target.display()))
    });
    if let Err(e) = written {
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    sync_dir(dir)
}

fn write_synced(path: &Path, bytes: &[u8], mode: u32) -> anyhow::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .with_context(|| format!("Cannot create {}", path.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("Cannot write {}", path.display()))?;
    file.sync_all()
        .with_context(|| format!("Cannot flush {} to disk", path.display()))
}

/// Makes the rename itself durable.
fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    let result = File::open(dir).and_then(|d| d.sync_all());
    match result {
        Ok(()) => Ok(()),
        // Some filesystems cannot fsync a directory; the rename is done anyway.
        Err(e) if e.kind() == io::ErrorKind::InvalidInput => Ok(()),
        Err(e) => Err(anyhow::Error::new(e).context(format!(
            "Cannot flush the directory {} to disk",
            dir.display()
        ))),
    }
}
