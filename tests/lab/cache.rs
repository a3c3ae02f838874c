//! The lab's download cache: Django wheels and a template virtualenv built
//! from them, under `<target>/lab-cache/`. Built once (the first lab of the
//! first test binary, under a file lock); every lab then copies the template
//! instead of running pip.

use std::fs::{self, File};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use super::sys::{run, run_ok};

/// The server side's Python: Debian's, never a pyenv shim from root's PATH.
pub const SERVER_PYTHON: &str = "/usr/bin/python3";

/// Django 6 needs Python >= 3.12; Debian 12 and Ubuntu 22.04 have less.
pub const DJANGO_REQUIREMENT: &str = "django<6";

/// Selenium for the functional tests on the learner's side (`tutor ft`).
pub const SELENIUM_REQUIREMENT: &str = "selenium>=4.8,<5";

/// `<target>/lab-cache`, the same place scripts/install-test-deps.sh fills.
pub fn cache_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).join("lab-cache")
}

/// The production server's WSGI server, installed next to Django.
pub const GUNICORN_REQUIREMENT: &str = "gunicorn";

/// The template virtualenv (Django installed, pip included), built on first use.
pub fn template_venv() -> &'static Path {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(|| build_template_venv("venv-django", &[DJANGO_REQUIREMENT]))
}

/// The production template virtualenv (Django and gunicorn, pip included),
/// built on first use, for the booted lab server ([`super::booted`]).
pub fn production_venv() -> &'static Path {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(|| {
        build_template_venv("venv-gunicorn", &[DJANGO_REQUIREMENT, GUNICORN_REQUIREMENT])
    })
}

fn build_template_venv(name: &str, requirements: &[&str]) -> PathBuf {
    let cache = cache_dir();
    fs::create_dir_all(&cache)
        .unwrap_or_else(|e| panic!("lab: cannot create {}: {e}", cache.display()));
    let lock_path = cache.join(".lock");
    let lock = File::create(&lock_path)
        .unwrap_or_else(|e| panic!("lab: cannot open {}: {e}", lock_path.display()));
    // Several test binaries may start at once; one builds, the others wait.
    lock.lock()
        .unwrap_or_else(|e| panic!("lab: cannot lock {}: {e}", lock_path.display()));

    let venv = cache.join(name);
    let ready = venv.join(".lab-ready");
    if ready.exists() {
        let _ = lock.unlock();
        return venv;
    }

    let wheels = cache.join("wheels");
    if !requirements.iter().all(|r| has_wheel(&wheels, r)) {
        fs::create_dir_all(&wheels)
            .unwrap_or_else(|e| panic!("lab: cannot create {}: {e}", wheels.display()));
        let out = run(
            Command::new(SERVER_PYTHON)
                .args([
                    "-m",
                    "pip",
                    "--isolated",
                    "download",
                    "--quiet",
                    "--timeout",
                    "60",
                ])
                .args(["--only-binary=:all:", "--dest"])
                .arg(&wheels)
                .args(requirements),
            Duration::from_secs(600),
        );
        assert!(
            out.status.success(),
            "lab: cannot download {requirements:?} into {} (run \
             scripts/install-test-deps.sh with network access once):\n{}",
            wheels.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let _ = fs::remove_dir_all(&venv);
    run_ok(
        "creating the template virtualenv (is python3-venv installed? see scripts/install-test-deps.sh)",
        Command::new(SERVER_PYTHON).args(["-m", "venv"]).arg(&venv),
        Duration::from_secs(300),
    );
    run_ok(
        "installing the template virtualenv's packages from the wheel cache",
        Command::new(venv.join("bin/pip"))
            .args([
                "--isolated",
                "install",
                "--quiet",
                "--no-index",
                "--find-links",
            ])
            .arg(&wheels)
            .args(requirements),
        Duration::from_secs(300),
    );
    // The path the venv was built at: every copy rewrites it to its own.
    fs::write(&ready, venv.to_string_lossy().as_bytes())
        .unwrap_or_else(|e| panic!("lab: cannot write {}: {e}", ready.display()));
    let _ = lock.unlock();
    venv
}

/// Whether `dir` holds a wheel of the project named in `requirement`
/// ("django<6" → `django-*.whl`).
fn has_wheel(dir: &Path, requirement: &str) -> bool {
    let project: String = requirement
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect::<String>()
        .to_lowercase()
        .replace('-', "_");
    fs::read_dir(dir).is_ok_and(|rd| {
        rd.filter_map(std::result::Result::ok).any(|e| {
            let n = e.file_name().to_string_lossy().to_lowercase();
            n.starts_with(&format!("{project}-")) && n.ends_with(".whl")
        })
    })
}

/// The laptop side's virtualenv for the functional tests: Django and
/// Selenium (from the wheel cache; downloaded into it once if
/// scripts/install-test-deps.sh did not), built on first use.
pub fn ft_template_venv() -> &'static Path {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(|| {
        // Django's wheels first (downloaded there if missing).
        template_venv();
        let cache = cache_dir();
        let lock_path = cache.join(".lock-ft");
        let lock = File::create(&lock_path)
            .unwrap_or_else(|e| panic!("lab: cannot open {}: {e}", lock_path.display()));
        lock.lock()
            .unwrap_or_else(|e| panic!("lab: cannot lock {}: {e}", lock_path.display()));
        let venv = cache.join("venv-ft");
        let ready = venv.join(".lab-ready");
        if ready.exists() {
            let _ = lock.unlock();
            return venv;
        }
        let wheels = cache.join("wheels");
        if !has_wheel(&wheels, "selenium") {
            let out = run(
                Command::new(SERVER_PYTHON)
                    .args(["-m", "pip", "--isolated", "download", "--quiet"])
                    .args(["--timeout", "60", "--only-binary=:all:", "--dest"])
                    .arg(&wheels)
                    .arg(SELENIUM_REQUIREMENT),
                Duration::from_secs(600),
            );
            assert!(
                out.status.success(),
                "lab: cannot download Selenium into {} (run scripts/install-test-deps.sh \
                 with network access once):\n{}",
                wheels.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let _ = fs::remove_dir_all(&venv);
        run_ok(
            "creating the functional tests' virtualenv",
            Command::new(SERVER_PYTHON).args(["-m", "venv"]).arg(&venv),
            Duration::from_secs(300),
        );
        run_ok(
            "installing Django and Selenium from the wheel cache",
            Command::new(venv.join("bin/pip"))
                .args(["--isolated", "install", "--quiet", "--no-index"])
                .arg("--find-links")
                .arg(&wheels)
                .args([DJANGO_REQUIREMENT, SELENIUM_REQUIREMENT]),
            Duration::from_secs(300),
        );
        fs::write(&ready, venv.to_string_lossy().as_bytes())
            .unwrap_or_else(|e| panic!("lab: cannot write {}: {e}", ready.display()));
        let _ = lock.unlock();
        venv
    })
}

/// A copy of the functional tests' virtualenv at `dest` (for the laptop
/// side: read by root only, so the template's own path is fine).
pub fn copy_ft_venv(dest: &Path) {
    let template = ft_template_venv();
    copy_venv_from(template, dest, dest);
}

/// Makes the lab's virtualenv at `staging` (to be moved to `final_path`):
/// a copy of the template whose scripts and pyvenv.cfg name `final_path`.
/// Package directories in site-packages (django, pip, ...) are symlinks to
/// the template's (read-only for the user), so a lab costs ~100 small files
/// instead of 9000 (76 MB); `pip list`, `pip show`, `python -m django` and
/// imports behave as in a plain venv. The `*.dist-info` records are copies.
pub fn copy_venv(staging: &Path, final_path: &Path) {
    copy_venv_from(shared_template(), staging, final_path);
}

fn copy_venv_from(template: &Path, staging: &Path, final_path: &Path) {
    let built_at = fs::read_to_string(template.join(".lab-ready"))
        .unwrap_or_else(|_| template.to_string_lossy().into_owned());
    copy_tree(template, staging, false).unwrap_or_else(|e| {
        panic!(
            "lab: cannot copy the template virtualenv to {}: {e}",
            staging.display()
        )
    });
    let _ = fs::remove_file(staging.join(".lab-ready"));
    let new = final_path.to_string_lossy();
    let mut files: Vec<PathBuf> = vec![staging.join("pyvenv.cfg")];
    if let Ok(rd) = fs::read_dir(staging.join("bin")) {
        files.extend(rd.filter_map(std::result::Result::ok).map(|e| e.path()));
    }
    for f in files {
        let Ok(meta) = fs::symlink_metadata(&f) else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let Ok(bytes) = fs::read(&f) else { continue };
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        if text.contains(&built_at) {
            fs::write(&f, text.replace(&built_at, &new))
                .unwrap_or_else(|e| panic!("lab: cannot rewrite {}: {e}", f.display()));
        }
    }
}

/// Copies `src` to `dst`, keeping symlinks and modes; inside a
/// `site-packages` directory, package directories become symlinks to `src`.
fn copy_tree(src: &Path, dst: &Path, in_site_packages: bool) -> std::io::Result<()> {
    fs::create_dir(dst)?;
    fs::set_permissions(dst, fs::metadata(src)?.permissions())?;
    for entry in fs::read_dir(src)? {
        let entry = entry?;
        let from = entry.path();
        let to = dst.join(entry.file_name());
        let kind = entry.file_type()?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if kind.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(&from)?, &to)?;
        } else if kind.is_dir() && in_site_packages && !name.ends_with(".dist-info") {
            std::os::unix::fs::symlink(&from, &to)?;
        } else if kind.is_dir() {
            copy_tree(&from, &to, name == "site-packages")?;
        } else {
            fs::copy(&from, &to)?;
        }
    }
    Ok(())
}

/// The template, at a path every lab server can read. The cache under
/// target/ usually is; if a parent directory is closed to others (a
/// checkout in a private home) or is one the lab's namespace replaces with
/// a private directory (a checkout under /tmp or /root: the venvs' links
/// into the template would dangle there), a per-process copy in /var/tmp
/// is used.
/// Directories each lab's namespace replaces (see `Lab::start_holder`).
const MASKED_IN_NAMESPACE: &[&str] = &[
    "/tmp",
    "/root",
    "/run",
    "/etc/nginx",
    "/etc/ssh",
    "/var/log/nginx",
    "/var/lib/nginx",
];

fn shared_template() -> &'static Path {
    static SHARED: OnceLock<PathBuf> = OnceLock::new();
    SHARED.get_or_init(|| {
        let template = template_venv();
        let open = template
            .ancestors()
            .all(|p| fs::metadata(p).is_ok_and(|m| m.permissions().mode() & 0o005 == 0o005));
        let masked = MASKED_IN_NAMESPACE.iter().any(|m| template.starts_with(m));
        if open && !masked {
            return template.to_path_buf();
        }
        let dir = PathBuf::from(format!("/var/tmp/tutor-lab-{}-shared", std::process::id()));
        let copy = dir.join("venv");
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("lab: cannot create {}: {e}", dir.display()));
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("lab: cannot chmod {}: {e}", dir.display()));
        run_ok(
            "copying the template virtualenv to a readable place",
            Command::new("cp").arg("-a").arg(template).arg(&copy),
            Duration::from_secs(300),
        );
        copy
    })
}
