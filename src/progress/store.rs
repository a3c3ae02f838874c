//! The progress file on disk: crash-safe saves (temp file, fsync, rename,
//! fsync of the directory), a lock per profile, and loading that never
//! overwrites a file it cannot read.

use super::{
    home_dir, now_rfc3339, valid_profile_name, MakeVisible, Progress, HISTORY_CAP, SCHEMA_VERSION,
    STALE_TEMP_AGE,
};
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{bail, Context};

use crate::atomic_file;
use crate::safe_file::{self, Follow};
use crate::t;

/// A progress file larger than this is not one tutor wrote: 500 runs of
/// history are about 100 kB.
const MAX_BYTES: u64 = 8 * safe_file::MB;
/// Why a progress file could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    Corrupt { path: PathBuf, reason: String },
    TooNew { path: PathBuf, version: u32 },
    Io(anyhow::Error),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Corrupt { path, reason } => f.write_str(&crate::t!(
                "progress-damaged",
                path = shell_path(path),
                reason = reason,
                backup = shell_path(&backup_name(path))
            )),
            LoadError::TooNew { path, version } => f.write_str(&crate::t!(
                "progress-too-new",
                path = shell_path(path),
                version = *version,
                supported = SCHEMA_VERSION
            )),
            LoadError::Io(e) => write!(f, "{e:#}."),
        }
    }
}

impl std::error::Error for LoadError {}

/// Why the profile could not be locked.
#[derive(Debug)]
pub enum LockError {
    Busy { profile: String, pid: Option<u32> },
    Io(anyhow::Error),
}

impl fmt::Display for LockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockError::Busy { profile, pid } => f.write_str(&match pid {
                Some(pid) => crate::t!("profile-busy-pid", pid = *pid, profile = profile),
                None => crate::t!("profile-busy", profile = profile),
            }),
            LockError::Io(e) => write!(f, "{e:#}."),
        }
    }
}

impl std::error::Error for LockError {}

fn backup_name(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".bak");
    PathBuf::from(name)
}

/// The path as a learner would type it: `~/…` under the home directory,
/// single-quoted (and then spelled out in full) when it holds characters a
/// shell would interpret.
fn shell_path(path: &Path) -> String {
    let full = path.to_string_lossy();
    let safe = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+,:@%=".contains(&b))
    };
    if let Some(home) = home_dir() {
        if let Ok(rest) = path.strip_prefix(&home) {
            let rest = rest.to_string_lossy();
            if safe(&rest) {
                return if rest.is_empty() {
                    "~".to_string()
                } else {
                    format!("~/{rest}")
                };
            }
        }
    }
    if safe(&full) {
        full.into_owned()
    } else {
        crate::visible::line(&format!("'{}'", full.replace('\'', r"'\''")))
    }
}

/// Held while a tutor works on a profile; dropping it releases the lock.
#[derive(Debug)]
pub struct ProfileLock {
    file: File,
    path: PathBuf,
}

impl ProfileLock {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ProfileLock {
    fn drop(&mut self) {
        // Clear our PID so a later Busy message never names a dead process;
        // the file itself stays: unlinking a lock file races with openers.
        let _ = self.file.set_len(0);
    }
}

/// The progress file of one profile in a state directory.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
    profile: String,
}

impl Store {
    /// Creates `state_dir` (mode 0700) if needed and removes temp files left
    /// by saves that were killed more than a minute ago.
    pub fn open(state_dir: &Path, profile: &str) -> anyhow::Result<Store> {
        if !valid_profile_name(profile) {
            bail!(
                "The profile name {profile:?} is not allowed: use 1 to 40 letters, digits, '-' or '_'."
            );
        }
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(state_dir)
            .with_context(|| {
                format!("Cannot create the state directory {}", state_dir.display())
            })?;
        refuse_shared_dir(state_dir)?;
        let store = Store {
            dir: state_dir.to_path_buf(),
            profile: profile.to_string(),
        };
        store.remove_stale_temps();
        Ok(store)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn profile(&self) -> &str {
        &self.profile
    }

    /// `<state_dir>/<profile>.json`
    pub fn path(&self) -> PathBuf {
        self.dir.join(format!("{}.json", self.profile))
    }

    fn lock_path(&self) -> PathBuf {
        self.dir.join(format!("{}.lock", self.profile))
    }

    /// Exclusive, non-blocking lock on `<profile>.lock`, held until the guard
    /// drops (the kernel releases it if the process dies).
    pub fn lock(&self) -> Result<ProfileLock, LockError> {
        let path = self.lock_path();
        // No truncate on open: the file holds the PID of a possible holder.
        // Never through a symlink (it would be truncated below), and never
        // a FIFO or a device planted under the name.
        let mut file = safe_file::open_with(
            &path,
            Follow::No,
            OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600),
        )
        .with_context(|| format!("Cannot open the lock file {}", crate::visible::path(&path)))
        .map_err(LockError::Io)?;
        // A hard link planted under the name is another file's content.
        if file.metadata().map_or(1, |m| m.nlink()) > 1 {
            return Err(LockError::Io(anyhow::anyhow!(
                "Cannot open the lock file {}: {}",
                crate::visible::path(&path),
                t!("file-hard-linked")
            )));
        }
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let pid = (&file)
                    .take(64)
                    .read_to_string(&mut text)
                    .ok()
                    .and_then(|_| text.trim().parse::<u32>().ok());
                return Err(LockError::Busy {
                    profile: self.profile.clone(),
                    pid,
                });
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(LockError::Io(
                    anyhow::Error::new(e).context(format!("Cannot lock {}", path.display())),
                ))
            }
        }
        // The PID is only a hint for the Busy message; failing to write it
        // must not stop the learner.
        let _ = file
            .set_len(0)
            .and_then(|()| file.write_all(format!("{}\n", std::process::id()).as_bytes()));
        Ok(ProfileLock { file, path })
    }

    /// `Ok(None)` if the profile has no progress file yet.
    pub fn load(&self) -> Result<Option<Progress>, LoadError> {
        let path = self.path();
        let bytes = match safe_file::read(&path, Follow::No, MAX_BYTES) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            // A symlink, a FIFO, a device or a huge file: not one tutor
            // wrote, so it is reported (and never replaced) like a damaged one.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::InvalidInput | io::ErrorKind::FileTooLarge
                ) =>
            {
                return Err(LoadError::Corrupt {
                    path,
                    reason: e.to_string(),
                })
            }
            Err(e) => {
                return Err(LoadError::Io(anyhow::Error::new(e).context(format!(
                    "Cannot read the progress file {}",
                    path.display()
                ))))
            }
        };
        parse_progress(&bytes, &path).map(Some)
    }

    /// The saved progress, or a fresh one if there is none yet.
    pub fn load_or_new(&self) -> Result<Progress, LoadError> {
        Ok(self.load()?.unwrap_or_else(|| Progress::new(&self.profile)))
    }

    /// Saves atomically (temp file, fsync, rename, fsync of the directory)
    /// with `updated` set to now. Refuses to replace a file that does not
    /// load as our version, so a caller that ignored a `LoadError` cannot
    /// destroy it.
    pub fn save(&self, p: &Progress) -> anyhow::Result<()> {
        // The LoadError itself is the message: it already says the file was
        // left as it is and what to do; callers can downcast to it.
        if let Err(e) = self.load() {
            return Err(anyhow::Error::new(e));
        }
        let mut p = p.clone();
        p.schema_version = SCHEMA_VERSION;
        p.updated = now_rfc3339();
        if p.history.len() > HISTORY_CAP {
            let excess = p.history.len() - HISTORY_CAP;
            p.history.drain(..excess);
        }
        let mut json = serde_json::to_vec_pretty(&p).context("Cannot serialize the progress")?;
        json.push(b'\n');

        atomic_file::replace(&self.path(), &self.temp_prefix(), &json, 0o600)
    }

    /// `.<profile>.json.tmp-`: hidden, and never a valid profile file name.
    fn temp_prefix(&self) -> String {
        format!(".{}.json.tmp-", self.profile)
    }

    /// Best effort: a leftover we cannot remove costs only disk space.
    fn remove_stale_temps(&self) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        let now = SystemTime::now();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if !(name.starts_with('.') && name.contains(".json.tmp-")) {
                continue;
            }
            let Ok(meta) = entry.metadata() else { continue };
            let old = meta
                .modified()
                .ok()
                .and_then(|m| now.duration_since(m).ok())
                .is_some_and(|age| age > STALE_TEMP_AGE);
            if meta.is_file() && old {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

fn parse_progress(bytes: &[u8], path: &Path) -> Result<Progress, LoadError> {
    let corrupt = |reason: String| LoadError::Corrupt {
        path: path.to_path_buf(),
        reason,
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(corrupt("the file is empty".to_string()));
    }
    // Read the version before the full structure, so a newer file is
    // reported as newer rather than as damaged.
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| corrupt(json_reason(&e)))?;
    let Some(object) = value.as_object() else {
        return Err(corrupt("it is not a JSON object".to_string()));
    };
    let version = match object.get("schema_version") {
        None => return Err(corrupt("it has no schema_version".to_string())),
        Some(v) => match v.as_u64() {
            Some(n) if (1..=u64::from(u32::MAX)).contains(&n) => n as u32,
            _ => return Err(corrupt(format!("schema_version {v} is not valid"))),
        },
    };
    if version > SCHEMA_VERSION {
        return Err(LoadError::TooNew {
            path: path.to_path_buf(),
            version,
        });
    }
    // Parsed again from the bytes (not the Value) so errors carry a line.
    let mut progress =
        serde_json::from_slice::<Progress>(bytes).map_err(|e| corrupt(json_reason(&e)))?;
    // A hand-edited file may hold escape sequences: none reaches a terminal.
    progress.make_visible();
    Ok(progress)
}

/// Refuse a state folder that other users can write to: they could plant
/// a progress file, or a symlink as the lock file. A sticky folder of our
/// own (like /tmp, but ours) is fine: others cannot replace our files.
pub fn refuse_shared_dir(dir: &Path) -> anyhow::Result<()> {
    let meta = fs::metadata(dir).with_context(|| {
        format!(
            "Cannot read the state directory {}",
            crate::visible::path(dir)
        )
    })?;
    let me = rustix::process::geteuid().as_raw();
    let mode = meta.mode();
    let others_write = mode & 0o022 != 0;
    let foreign_owner = meta.uid() != me && meta.uid() != 0;
    let sticky_ours = mode & 0o1000 != 0 && meta.uid() == me;
    if (others_write && !sticky_ours) || foreign_owner {
        bail!(t!("state-dir-shared", dir = shell_path(dir)));
    }
    Ok(())
}

/// "line 3, column 5: expected value" rather than serde_json's
/// "expected value at line 3 column 5".
fn json_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    if e.line() == 0 {
        return text;
    }
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = text.strip_suffix(&suffix).unwrap_or(&text);
    format!("line {}, column {}: {message}", e.line(), e.column())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::tests::run;
    use crate::progress::{Answers, Progress, StageStatus};
    use std::process::Command;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("state"), "staging").unwrap();
        (dir, store)
    }

    fn temp_files(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".json.tmp-"))
            .collect()
    }

    #[test]
    fn round_trip() {
        let (_tmp, store) = store();
        assert_eq!(store.load().unwrap(), None);
        let mut p = Progress::new("staging");
        let mut answers = Answers::new("staging.example.org", "192.0.2.10", "elspeth");
        answers.identity = Some(PathBuf::from("/home/e/.ssh/id_ed25519"));
        answers.resolvers = vec!["127.0.0.1:5353".into()];
        p.answers = Some(answers);
        p.current_stage = Some("dns".into());
        p.stage_mut("domain").hints_used = 2;
        p.record_run(run("domain", "pass", &[]));
        p.record_run(run("dns", "fail", &["dns-nxdomain"]));
        store.save(&p).unwrap();

        let loaded = store.load().unwrap().unwrap();
        assert_eq!(loaded.answers, p.answers);
        assert_eq!(loaded.stages, p.stages);
        assert_eq!(loaded.history, p.history);
        assert_eq!(loaded.current_stage.as_deref(), Some("dns"));
        assert_eq!(loaded.schema_version, SCHEMA_VERSION);
        assert!(temp_files(store.dir()).is_empty());
        // Saving what we loaded works (our own file is never "foreign").
        store.save(&loaded).unwrap();
        let text = fs::read_to_string(store.path()).unwrap();
        assert!(text.contains("\"status\": \"done\""), "{text}");
    }

    #[test]
    fn older_files_without_optional_fields_load() {
        let (_tmp, store) = store();
        fs::write(
            store.path(),
            r#"{"schema_version":1,"profile":"staging","created":"2025-01-01T00:00:00Z",
                "updated":"2025-01-01T00:00:00Z",
                "answers":{"domain":"a.example","server_ip":"192.0.2.1","ssh_user":"u"},
                "stages":{"dns":{"status":"failed"}},"future_field":true}"#,
        )
        .unwrap();
        let p = store.load().unwrap().unwrap();
        let a = p.answers.unwrap();
        assert_eq!((a.ssh_port, a.dev_port, a.http_port), (22, 8000, 80));
        assert_eq!(a.site_dir_or_default(), "~/sites/a.example");
        assert_eq!(p.stages["dns"].status, StageStatus::Failed);
        assert!(p.history.is_empty());
    }

    /// A file of the same version with fields this tutor does not know (at
    /// every level) keeps them through a load and a save.
    #[test]
    fn unknown_fields_survive_a_save() {
        let (_tmp, store) = store();
        fs::write(
            store.path(),
            r#"{"schema_version":1,"profile":"staging","created":"2025-01-01T00:00:00Z",
                "updated":"2025-01-01T00:00:00Z","ft":{"passed":3},
                "answers":{"domain":"a.example","server_ip":"192.0.2.1","ssh_user":"u",
                           "project_dir":"/home/u/superlists","lang":"fr"},
                "stages":{"dns":{"status":"failed","why_seen":["x"]}},
                "history":[{"time":"2025-01-01T00:00:00Z","stage":"dns","status":"fail",
                            "browser":"chromium"}]}"#,
        )
        .unwrap();
        let mut p = store.load().unwrap().unwrap();
        assert_eq!(
            p.answers.as_ref().unwrap().lang,
            None,
            "an unknown language is no choice"
        );
        p.current_stage = Some("dns".into());
        store.save(&p).unwrap();
        let v: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(store.path()).unwrap()).unwrap();
        assert_eq!(v["ft"]["passed"], 3);
        assert_eq!(v["answers"]["project_dir"], "/home/u/superlists");
        assert_eq!(v["stages"]["dns"]["why_seen"][0], "x");
        assert_eq!(v["history"][0]["browser"], "chromium");
        assert_eq!(v["current_stage"], "dns");
    }

    #[test]
    fn too_new_is_reported_and_never_overwritten() {
        let (_tmp, store) = store();
        let original = r#"{"schema_version": 7, "profile": "staging", "whatever": []}"#;
        fs::write(store.path(), original).unwrap();
        let err = store.load().unwrap_err();
        assert!(
            matches!(err, LoadError::TooNew { version: 7, .. }),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(msg.contains("staging.json"), "{msg}");
        assert!(
            msg.contains("newer tutor") && msg.contains("--profile"),
            "{msg}"
        );

        let save = store.save(&Progress::new("staging")).unwrap_err();
        assert!(save.to_string().contains("newer tutor"), "{save:#}");
        assert!(matches!(
            save.downcast_ref(),
            Some(LoadError::TooNew { .. })
        ));
        assert_eq!(fs::read_to_string(store.path()).unwrap(), original);
        assert!(temp_files(store.dir()).is_empty());
    }

    #[test]
    fn corrupt_is_reported_with_line_and_never_overwritten() {
        let (_tmp, store) = store();
        let original = "{\n  \"schema_version\": 1,\n  \"profile\": \n}\n";
        fs::write(store.path(), original).unwrap();
        let err = store.load().unwrap_err();
        let LoadError::Corrupt { path, reason } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(path, &store.path());
        assert!(reason.starts_with("line 4"), "{reason}");
        let msg = err.to_string();
        assert!(msg.contains(&store.path().display().to_string()), "{msg}");
        assert!(msg.contains("damaged") && msg.contains("mv ") && msg.contains(".bak"));
        assert!(msg.contains("tutor reset --all"), "{msg}");
        assert_eq!(msg.matches(". ").count(), 0, "one sentence: {msg}");

        assert!(store.save(&Progress::new("staging")).is_err());
        assert_eq!(fs::read_to_string(store.path()).unwrap(), original);
    }

    #[test]
    fn other_damage_is_corrupt() {
        let (_tmp, store) = store();
        for (text, want) in [
            ("", "empty"),
            ("[1, 2]", "not a JSON object"),
            (r#"{"profile": "x"}"#, "no schema_version"),
            (r#"{"schema_version": "1"}"#, "not valid"),
            (r#"{"schema_version": 0}"#, "not valid"),
            (
                r#"{"schema_version": 1, "profile": "x"}"#,
                "missing field `created`",
            ),
        ] {
            fs::write(store.path(), text).unwrap();
            match store.load() {
                Err(LoadError::Corrupt { reason, .. }) => {
                    assert!(reason.contains(want), "{text:?}: {reason}");
                }
                other => panic!("{text:?}: {other:?}"),
            }
            assert!(store.save(&Progress::new("staging")).is_err(), "{text:?}");
            assert_eq!(fs::read_to_string(store.path()).unwrap(), text);
        }
        fs::write(store.path(), [0xff, 0xfe, b'{']).unwrap();
        assert!(matches!(store.load(), Err(LoadError::Corrupt { .. })));
    }

    #[test]
    fn lock_is_exclusive_until_dropped() {
        let (_tmp, store) = store();
        let first = store.lock().unwrap();
        // A second Store value (as another process would have) opens its own
        // file handle; flock locks belong to the open file, so it must fail.
        let other = Store::open(store.dir(), "staging").unwrap();
        match other.lock() {
            Err(LockError::Busy { profile, pid }) => {
                assert_eq!(profile, "staging");
                assert_eq!(pid, Some(std::process::id()));
                let msg = other.lock().unwrap_err().to_string();
                assert!(msg.contains("already using profile \"staging\""), "{msg}");
                assert!(
                    msg.contains(&format!("PID {}", std::process::id())),
                    "{msg}"
                );
            }
            other => panic!("{other:?}"),
        }
        // Another profile is independent.
        let prod = Store::open(store.dir(), "production").unwrap();
        let _prod_lock = prod.lock().unwrap();
        drop(first);
        let again = other.lock().unwrap();
        assert!(again.path().ends_with("staging.lock"));
    }

    #[test]
    fn lock_holds_against_other_processes() {
        // flock(1) uses the same flock(2) locks as File::try_lock on Linux.
        let flock = |path: &Path| {
            Command::new("flock")
                .arg("-n")
                .arg(path)
                .arg("true")
                .status()
        };
        let (_tmp, store) = store();
        let guard = store.lock().unwrap();
        let Ok(status) = flock(guard.path()) else {
            eprintln!("no flock(1) here: cross-process check skipped");
            return;
        };
        assert!(!status.success(), "flock got the lock we hold");
        let path = guard.path().to_path_buf();
        drop(guard);
        assert!(flock(&path).unwrap().success());
        assert_eq!(fs::read_to_string(&path).unwrap(), "", "PID left behind");
    }

    #[test]
    fn lock_without_pid_still_says_busy() {
        let err = LockError::Busy {
            profile: "p".into(),
            pid: None,
        };
        assert_eq!(
            err.to_string(),
            "Another tutor is already using profile \"p\"; finish it or close it first."
        );
    }

    #[test]
    fn stale_temp_files_are_cleaned_on_open() {
        let (_tmp, store) = store();
        let dir = store.dir().to_path_buf();
        let old = dir.join(".staging.json.tmp-4242-0");
        let fresh = dir.join(".staging.json.tmp-4242-1");
        let unrelated = dir.join("notes.txt");
        for f in [&old, &fresh, &unrelated] {
            fs::write(f, "{").unwrap();
        }
        let two_minutes_ago = SystemTime::now() - std::time::Duration::from_secs(120);
        File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(two_minutes_ago)
            .unwrap();
        File::options()
            .write(true)
            .open(&unrelated)
            .unwrap()
            .set_modified(two_minutes_ago)
            .unwrap();
        Store::open(&dir, "staging").unwrap();
        assert!(!old.exists());
        // A fresh one may belong to a save happening right now.
        assert!(fresh.exists());
        assert!(unrelated.exists());
    }

    #[test]
    fn state_dir_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let (_tmp, store) = store();
        let mode = fs::metadata(store.dir()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        store.save(&Progress::new("staging")).unwrap();
        let mode = fs::metadata(store.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn save_sets_updated_and_timestamps_are_rfc3339() {
        let (_tmp, store) = store();
        let mut p = Progress::new("staging");
        p.updated = "1999-01-01T00:00:00Z".into();
        store.save(&p).unwrap();
        let loaded = store.load().unwrap().unwrap();
        assert_ne!(loaded.updated, p.updated);
        assert!(humantime::parse_rfc3339(&loaded.updated).is_ok());
        assert!(loaded.updated.ends_with('Z'));
    }

    #[test]
    fn shell_paths() {
        assert_eq!(shell_path(Path::new("/tmp/a b.json")), "'/tmp/a b.json'");
        assert_eq!(shell_path(Path::new("/tmp/x.json")), "/tmp/x.json");
    }
}
