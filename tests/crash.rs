//! SIGKILLs `examples/save_loop.rs` at many moments and checks that the
//! progress file always loads and never loses a save that completed.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use tutor::progress::Store;

const ROUNDS: u32 = 240;
const PROFILE: &str = "crash";

/// target/<profile>/examples/save_loop, built now so it is never stale
/// (`cargo test --test crash` alone does not build examples).
fn example_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    // target/debug/deps/crash-xxxx → target/debug
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test binary is not inside target/<profile>/deps");
    let target_dir = profile_dir.parent().expect("no target dir");
    let profile = profile_dir
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["build", "--quiet", "--example", "save_loop"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CARGO_TARGET_DIR", target_dir);
    if profile != "debug" {
        cmd.args(["--profile", &profile]);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", env!("CARGO")));
    assert!(
        out.status.success(),
        "`cargo build --example save_loop` failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bin = profile_dir.join("examples").join("save_loop");
    assert!(
        bin.is_file(),
        "{} is missing after the build",
        bin.display()
    );
    bin
}

/// The step in the saved progress (0 if nothing was saved yet).
fn saved_step(dir: &Path) -> u64 {
    let store = Store::open(dir, PROFILE).unwrap();
    if store.path().exists() {
        let bytes = std::fs::read(store.path()).unwrap();
        serde_json::from_slice::<serde_json::Value>(&bytes)
            .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", store.path().display()));
    }
    match store.load() {
        Ok(None) => 0,
        Ok(Some(p)) => {
            let step: u64 = p.current_stage.as_deref().unwrap().parse().unwrap();
            let last = p.history.last().unwrap();
            assert_eq!(
                last.stage,
                format!("step-{step}"),
                "history and step disagree"
            );
            step
        }
        Err(e) => panic!("after a kill the progress does not load: {e}"),
    }
}

fn temp_files(dir: &Path) -> usize {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".json.tmp-"))
            .count(),
        Err(_) => 0,
    }
}

/// The last number on a complete line: that save had finished.
fn last_printed(stdout: &[u8]) -> u64 {
    let text = String::from_utf8_lossy(stdout);
    let complete = match text.rfind('\n') {
        Some(end) => &text[..end],
        None => return 0,
    };
    complete.lines().last().map_or(0, |l| {
        l.trim().parse().expect("stdout line is not a number")
    })
}

#[test]
fn sigkill_never_loses_a_completed_save() {
    let bin = example_binary();
    let tmp = tempfile::tempdir().unwrap();
    let mut lcg: u64 = 0x2545_f491_4f6c_dd1d;
    let (mut mid_write, mut between, mut before_first, mut one_ahead) = (0, 0, 0, 0);
    let mut max_printed = 0;

    for round in 0..ROUNDS {
        lcg = lcg
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let delay = Duration::from_millis((lcg >> 33) % 41);
        let dir = tmp.path().join(format!("round-{round}"));

        let mut child = Command::new(&bin)
            .arg(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn save_loop");
        std::thread::sleep(delay);
        child.kill().expect("SIGKILL save_loop"); // Child::kill is SIGKILL on Unix
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.signal(),
            Some(9),
            "save_loop ended on its own ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );

        let printed = last_printed(&out.stdout);
        let temps = temp_files(&dir);
        let step = saved_step(&dir);
        assert!(
            step >= printed && step <= printed + 1,
            "round {round}: printed step {printed} but the file holds step {step}"
        );
        max_printed = max_printed.max(printed);
        if temps > 0 {
            mid_write += 1;
        } else if step == 0 {
            before_first += 1;
        } else {
            between += 1;
        }
        if step == printed + 1 {
            one_ahead += 1;
        }

        // Now and then, restart on the killed state: it must continue
        // from the saved step and be able to save over it.
        if round.is_multiple_of(20) {
            let out = Command::new(&bin)
                .arg(&dir)
                .arg((step + 3).to_string())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "restart failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(saved_step(&dir), step + 3);
        }
    }

    eprintln!(
        "{ROUNDS} kills: {mid_write} mid-write (temp file left), {between} between writes, \
         {before_first} before the first save; {one_ahead} saved one step beyond the last \
         printed line; up to {max_printed} steps per run"
    );
    assert!(
        max_printed > 0,
        "no save ever completed: the test proves nothing"
    );
}
