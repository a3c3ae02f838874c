//! Writing the pages to disk: only what changed, and without leftovers.
//!
//! A rebuild must be cheap (mdBook's `serve` watches the files, and an
//! unchanged file should not wake it), so a file is written only when its
//! text differs. Pages a previous run wrote but this one did not (a deleted
//! diagnosis) are removed, but only in a folder this generator owns: one
//! that holds the marker file, or that was empty or missing before.
//!
//! The marker is written only into a folder that is ours, so a folder that
//! held other files never becomes one: its files are never removed.

use anyhow::{Context, Result};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Marks a folder as written by this generator: only then are stale pages removed.
const MARKER: &str = ".tutor-book-src";

/// Write `pages` (path relative to `out`, text) into `out`, leave the
/// marker there, and, when `out` is ours, remove the Markdown pages of
/// earlier runs that `pages` no longer holds.
pub(super) fn write_pages(out: &Path, pages: &[(String, String)]) -> Result<()> {
    let ours = !out.exists()
        || out.join(MARKER).is_file()
        || std::fs::read_dir(out)
            .with_context(|| format!("cannot read {}", out.display()))?
            .next()
            .is_none();
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    if ours {
        write_if_changed(
            &out.join(MARKER),
            "Written by `tutor book-src`; its Markdown files are replaced on every run.\n",
        )?;
    }
    let mut written = BTreeSet::new();
    for (rel, text) in pages {
        let path = out.join(rel);
        write_if_changed(&path, text)?;
        written.insert(path);
    }
    if ours {
        remove_stale(out, &written)?;
    }
    Ok(())
}

/// Write `text` to `path` (creating its folder) unless the file already
/// holds exactly that text.
pub(super) fn write_if_changed(path: &Path, text: &str) -> Result<()> {
    if std::fs::read(path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// Remove `.md` files under `out` (two levels deep) that this run did not write.
fn remove_stale(out: &Path, written: &BTreeSet<PathBuf>) -> Result<()> {
    let list = |dir: &Path| -> Result<Vec<PathBuf>> {
        let mut v = Vec::new();
        for entry in
            std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?
        {
            v.push(
                entry
                    .with_context(|| format!("cannot read {}", dir.display()))?
                    .path(),
            );
        }
        Ok(v)
    };
    for path in list(out)? {
        let files = if path.is_dir() {
            list(&path)?
        } else {
            vec![path]
        };
        for f in files {
            if f.is_file() && f.extension().is_some_and(|e| e == "md") && !written.contains(&f) {
                std::fs::remove_file(&f)
                    .with_context(|| format!("cannot remove {}", f.display()))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_with_other_files_never_loses_them() {
        let dir = tempfile::tempdir().unwrap();
        let notes = dir.path().join("notes.md");
        std::fs::write(&notes, "mine").unwrap();
        let pages = vec![("a.md".to_string(), "A".to_string())];
        write_pages(dir.path(), &pages).unwrap();
        write_pages(dir.path(), &pages).unwrap();
        assert!(
            notes.is_file(),
            "a second run removed a file it did not write"
        );
        assert!(!dir.path().join(MARKER).exists());
        // A folder of its own is cleaned of pages it no longer writes.
        let own = dir.path().join("book");
        write_pages(&own, &[("old.md".into(), "x".into())]).unwrap();
        write_pages(&own, &pages).unwrap();
        assert!(!own.join("old.md").exists() && own.join("a.md").is_file());
    }
}
