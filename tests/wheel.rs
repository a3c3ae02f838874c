//! tutor as learners install it: the release wheel from scripts/package.sh,
//! installed with pip from the file (no index) into a fresh virtualenv, and
//! run from the virtualenv's `bin/` with a PATH that has no cargo or rustc.
//! The installed `tutor` must print Cargo.toml's version, recognise a real
//! message in `tutor why`, pass every stage of a healthy lab, and go away
//! with `pip uninstall`.
//!
//! Prints the wheel's size, the release build time and the time from the
//! start of `pip install` to the first `tutor --version` output (see them
//! with `cargo test --test wheel -- --nocapture`). Needs root (the lab) and
//! maturin's wheel in the build cache (scripts/install-test-deps.sh puts it
//! there; otherwise scripts/package.sh downloads it from PyPI).

mod lab;

use lab::booted::BootedLab;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Instant;

/// The distribution name on PyPI (pyproject.toml); the command is `tutor`.
const DIST: &str = "tutor-deploy";
const PYTHON: &str = "/usr/bin/python3";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(what: &str, o: &Output) {
    assert!(
        o.status.success(),
        "{what} failed ({}):\n{}{}",
        o.status,
        text(&o.stdout),
        text(&o.stderr)
    );
}

/// `<target>`, where scripts/package.sh puts `wheels/` and its build cache.
fn target_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).to_path_buf()
}

/// Runs scripts/package.sh; returns the wheel it printed and its size line.
fn build_wheel() -> (PathBuf, String) {
    let started = Instant::now();
    let o = Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/package.sh"))
        .env("CARGO_TARGET_DIR", target_dir())
        .stdin(Stdio::null())
        .output()
        .expect("cannot run scripts/package.sh");
    ok("scripts/package.sh", &o);
    let out = text(&o.stdout);
    let line = |prefix: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("package.sh printed no `{prefix}` line:\n{out}"))
            .to_string()
    };
    let wheel = PathBuf::from(line("wheel: "));
    let size = line("size: ");
    eprintln!(
        "wheel: scripts/package.sh took {:.1} s (release build included)",
        started.elapsed().as_secs_f64()
    );
    (wheel, size)
}

/// A command with only the environment a learner's shell would have:
/// `PATH` (no cargo in it), a scratch `HOME`, C.UTF-8, no colours.
fn learner_cmd(program: &Path, path: &str, home: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear()
        .env("PATH", path)
        .env("HOME", home)
        .env("LANG", "C.UTF-8")
        .env("NO_COLOR", "1")
        .env("TUTOR_LOOPBACK_ONLY", "1")
        .env("TUTOR_STATE_DIR", home.join("state"))
        .stdin(Stdio::null());
    cmd
}

#[test]
fn the_wheel_installs_with_pip_and_runs_without_a_rust_toolchain() {
    let (wheel, size) = build_wheel();
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with(&format!(
            "tutor_deploy-{}-py3-none-manylinux_",
            env!("CARGO_PKG_VERSION")
        )) && name.ends_with(".whl"),
        "unexpected wheel name {name}"
    );
    eprintln!("wheel: {} is {size}", wheel.display());

    let scratch = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let home = scratch.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let venv = scratch.path().join("venv");
    let bin = venv.join("bin");
    let tutor = bin.join("tutor");
    let path = format!("{}:/usr/bin:/bin", bin.display());

    // The learner's PATH really has no Rust toolchain.
    for tool in ["cargo", "rustc"] {
        let o = learner_cmd(Path::new("/bin/sh"), &path, &home)
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .unwrap();
        assert!(
            !o.status.success(),
            "{tool} is on the learner's PATH {path}: {}",
            text(&o.stdout)
        );
    }

    ok(
        "python3 -m venv",
        &learner_cmd(Path::new(PYTHON), &path, &home)
            .args(["-m", "venv"])
            .arg(&venv)
            .output()
            .unwrap(),
    );

    // From the start of `pip install` to the first `tutor --version` output.
    let started = Instant::now();
    ok(
        "pip install --no-index WHEEL",
        &learner_cmd(&bin.join("pip"), &path, &home)
            .args([
                "--isolated",
                "install",
                "--quiet",
                "--no-index",
                "--disable-pip-version-check",
            ])
            .arg(&wheel)
            .output()
            .unwrap(),
    );
    let installed = started.elapsed();
    let o = learner_cmd(&tutor, &path, &home)
        .arg("--version")
        .output()
        .unwrap();
    let first_run = started.elapsed();
    ok("tutor --version", &o);
    eprintln!(
        "wheel: pip install took {} ms; first `tutor --version` output {} ms after pip install started",
        installed.as_millis(),
        first_run.as_millis()
    );
    assert_eq!(
        text(&o.stdout).trim(),
        format!("tutor {}", env!("CARGO_PKG_VERSION")),
        "--version must match Cargo.toml"
    );
    assert!(
        tutor.is_file() && !tutor.is_symlink(),
        "{} is not the wheel's binary",
        tutor.display()
    );

    // `tutor why` reads a message on stdin and names the diagnosis.
    let mut child = learner_cmd(&tutor, &path, &home)
        .arg("why")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"ssh: connect to host superlists-staging.ottg.eu port 22: Connection refused\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    ok("tutor why", &o);
    assert!(
        text(&o.stdout).starts_with("This looks like ssh-unreachable:"),
        "tutor why:\n{}",
        text(&o.stdout)
    );

    // Every stage passes with the installed tutor on a healthy production
    // server (a booted one: the course ends with gunicorn under systemd).
    let lab = BootedLab::boot("wheel");
    let envs = [("PATH", path.as_str())];
    let init = lab.init_args();
    let mut args = vec!["init"];
    args.extend(init.iter().map(String::as_str));
    ok("tutor init", &lab.tutor_with(&tutor, &envs, &args));
    let o = lab.tutor_with(&tutor, &envs, &lab::prod::check_all_args());
    let report: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "tutor check printed no JSON ({e}):\n{}\n{}",
            text(&o.stdout),
            text(&o.stderr)
        )
    });
    let stages = report["stages"]
        .as_array()
        .expect("no stages in the report");
    assert!(!stages.is_empty(), "no stages checked: {report:#}");
    for s in stages {
        // A production server retires the dev-server stage.
        assert!(
            matches!(s["status"].as_str(), Some("pass" | "retired")),
            "stage {} did not pass: {report:#}",
            s["stage"]
        );
    }
    assert_eq!(o.status.code(), Some(0), "tutor check --all: {report:#}");
    drop(lab);

    // pip uninstall takes the command away again.
    ok(
        "pip uninstall",
        &learner_cmd(&bin.join("pip"), &path, &home)
            .args(["--isolated", "uninstall", "--yes", DIST])
            .output()
            .unwrap(),
    );
    assert!(
        !tutor.exists(),
        "{} is still there after pip uninstall",
        tutor.display()
    );
    let o = learner_cmd(Path::new("/bin/sh"), &path, &home)
        .args(["-c", "command -v tutor"])
        .output()
        .unwrap();
    assert!(
        !o.status.success(),
        "tutor is still on the PATH: {}",
        text(&o.stdout)
    );
}
