//! `tutor ft`: run the learner's own functional tests against their server
//! and explain each failure.
//!
//! The tests run on the learner's computer, in their project, with
//! `STAGING_SERVER` and `TEST_SERVER` set to the site's address: the
//! domain with the dev server's port until nginx serves the site (the
//! progress file says so), then the plain domain. Their output streams
//! through ([`runner`]); afterwards unittest's result is read back
//! ([`unittest`]), every failing test's last lines are matched against the
//! catalog ([`matching`]), and the checks of the stages those diagnoses
//! belong to run, so the cause on the server shows next to the symptom in
//! the browser.

pub(crate) mod matching;
pub(crate) mod runner;
pub(crate) mod unittest;

use crate::catalog::Catalog;
use crate::engine::{Options, Run, StageResult};
use crate::pack::Pack;
use crate::profile::Profile;
use crate::progress::{FtRun, Progress, StageStatus};
use crate::report;
use crate::status::Status;
use crate::t;
use crate::term::Paint;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The book's command.
pub(crate) const DEFAULT_COMMAND: &str = "python manage.py test functional_tests";

/// How long a run may take unless `--timeout` says otherwise.
pub(crate) const DEFAULT_TIMEOUT: &str = "5m";

/// What the tests were pointed at (kept with the progress file's format,
/// which saves it with every run).
pub(crate) use crate::progress::FtTarget as Target;

/// The address the tests use, and why: `--server` wins; else the plain
/// domain once the nginx stage passed, else the dev server's port.
#[must_use]
pub(crate) fn server_for(
    profile: &Profile,
    progress: &Progress,
    given: Option<&str>,
) -> (String, Target) {
    if let Some(s) = given {
        return (s.trim().to_string(), Target::Given);
    }
    let a = &profile.answers;
    let nginx_done = progress
        .stages
        .get(matching::SITE_STAGE)
        .is_some_and(|s| s.status == StageStatus::Done);
    if nginx_done {
        let server = if a.http_port == 80 {
            a.domain.clone()
        } else {
            format!("{}:{}", a.domain, a.http_port)
        };
        (server, Target::Site)
    } else {
        (format!("{}:{}", a.domain, a.dev_port), Target::Dev)
    }
}

/// Why `tutor ft` cannot run (exit 2): one sentence each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Usage {
    NoProject(PathBuf),
    NoManagePy(PathBuf),
    CommandNotFound(String),
    NoSelenium(String),
    EmptyCommand,
}

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&match self {
            Usage::NoProject(dir) => t!("ft-no-project", dir = dir.display().to_string()),
            Usage::NoManagePy(dir) => t!("ft-no-manage-py", dir = dir.display().to_string()),
            Usage::CommandNotFound(program) => {
                t!("ft-command-not-found", program = program.as_str())
            }
            Usage::NoSelenium(python) => t!("ft-no-selenium", python = python.as_str()),
            Usage::EmptyCommand => t!("ft-empty-command"),
        })
    }
}

impl std::error::Error for Usage {}

/// What to run, decided before anything starts.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub project: PathBuf,
    pub program: String,
    pub args: Vec<String>,
    pub server: String,
    pub target: Target,
    pub timeout: Duration,
}

impl Plan {
    /// The command as the learner would type it.
    #[must_use]
    pub(crate) fn command_line(&self) -> String {
        let mut words = vec![crate::quote::sh(&self.program)];
        words.extend(self.args.iter().map(|a| crate::quote::sh(a)));
        words.join(" ")
    }

    /// The environment the tests get on top of tutor's own.
    #[must_use]
    pub(crate) fn env(&self) -> Vec<(String, String)> {
        vec![
            ("STAGING_SERVER".into(), self.server.clone()),
            ("TEST_SERVER".into(), self.server.clone()),
            ("PYTHONUNBUFFERED".into(), "1".into()),
        ]
    }
}

/// The project folder: `--project`, else the one remembered, else the
/// current folder; it must hold `manage.py`.
pub(crate) fn project_dir(given: Option<&Path>, saved: Option<&Path>) -> Result<PathBuf, Usage> {
    let dir = match given.or(saved) {
        Some(d) => d.to_path_buf(),
        None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
    };
    if !dir.is_dir() {
        return Err(Usage::NoProject(dir));
    }
    let dir = dir.canonicalize().unwrap_or(dir);
    if !dir.join("manage.py").is_file() {
        return Err(Usage::NoManagePy(dir));
    }
    Ok(dir)
}

/// Split a command line into words: spaces separate, '...' and "..."
/// group (no other shell syntax).
#[must_use]
pub(crate) fn split_words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in command.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// The project's virtualenv python, if it has one.
#[must_use]
pub(crate) fn venv_python(project: &Path) -> Option<PathBuf> {
    [".venv", "venv", "env", "virtualenv"]
        .iter()
        .map(|v| project.join(v).join("bin").join("python"))
        .find(|p| p.is_file())
}

/// `program` found on PATH.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

/// The program and arguments: `python` (or `python3`) means the project's
/// virtualenv python when there is one, else whichever of the two is on
/// PATH; `extra` is appended.
pub(crate) fn command_for(
    project: &Path,
    command: &str,
    extra: &[String],
) -> Result<(String, Vec<String>), Usage> {
    let mut words = split_words(command);
    if words.is_empty() {
        return Err(Usage::EmptyCommand);
    }
    let first = words.remove(0);
    let program = if first == "python" || first == "python3" {
        match venv_python(project) {
            Some(p) => p.display().to_string(),
            None if !on_path(&first) && on_path("python3") => "python3".to_string(),
            None => first,
        }
    } else {
        first
    };
    words.extend(extra.iter().cloned());
    Ok((program, words))
}

/// One failing test, as `tutor ft --json` reports it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Failure {
    /// The test method, e.g. `test_can_start_a_todo_list`.
    pub test: String,
    /// Its dotted id.
    pub id: String,
    pub kind: unittest::Kind,
    /// The exception at the end of its traceback.
    pub last_lines: Vec<String>,
    /// The diagnosis its message matches (None: not recognised).
    pub recognised: Option<String>,
    /// The cause: the diagnosis the server checks found in the same
    /// stage, else the recognised one.
    pub diagnosis: Option<String>,
    /// The stage of the diagnosis, whose checks were run.
    pub stage: Option<String>,
}

/// The JSON document of `tutor ft --json`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct FtReport {
    pub profile: String,
    pub project: String,
    pub command: String,
    pub server: String,
    pub target: Target,
    /// pass, fail or error (no result: a crash, a timeout, Ctrl-C).
    pub status: Status,
    /// How it ended: `exited`, `timeout` or `interrupted`.
    pub end: &'static str,
    pub exit_code: Option<i32>,
    pub tests: Option<u32>,
    pub failures: u32,
    pub errors: u32,
    pub skipped: u32,
    pub duration_ms: u64,
    pub failing: Vec<Failure>,
    /// The checks of the stages the diagnoses belong to.
    pub checks: Vec<StageResult>,
}

impl FtReport {
    /// The history entry of this run.
    #[must_use]
    pub(crate) fn to_run(&self) -> FtRun {
        let mut diagnoses: Vec<String> = Vec::new();
        for f in &self.failing {
            if let Some(d) = &f.diagnosis {
                if !diagnoses.contains(d) {
                    diagnoses.push(d.clone());
                }
            }
        }
        FtRun {
            time: crate::progress::now_rfc3339(),
            target: self.target,
            status: self.status,
            tests: self.tests.unwrap_or(0),
            failures: self.failures,
            errors: self.errors,
            skipped: self.skipped,
            failing: self.failing.iter().map(|f| f.test.clone()).collect(),
            diagnoses,
            duration_ms: self.duration_ms,
            extra: std::collections::BTreeMap::new(),
        }
    }
}

/// Run the plan, streaming the output to the terminal (or to stderr when
/// `quiet`, for `--json`) with a progress line. Err: a usage error.
pub(crate) fn run_tests(
    plan: &Plan,
    quiet: bool,
) -> Result<(runner::Outcome, unittest::Summary), Usage> {
    let bar = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new_spinner()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg}  {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.set_message(t!("ft-progress-start"));
    bar.enable_steady_tick(Duration::from_millis(200));
    let mut progress = unittest::Progress::default();
    let mut line = String::new();
    let env = plan.env();
    let spec = runner::Spec {
        program: &plan.program,
        args: &plan.args,
        dir: &plan.project,
        env: &env,
        timeout: plan.timeout,
    };
    let mut on_output = |chunk: &str| {
        progress.feed(chunk);
        line.push_str(chunk);
        // Whole lines go through; the dots line shows as the count.
        if let Some(cut) = line.rfind('\n') {
            let whole: String = line.drain(..=cut).collect();
            bar.suspend(|| {
                if quiet {
                    let _ = std::io::stderr().write_all(whole.as_bytes());
                } else {
                    let mut out = std::io::stdout();
                    let _ = out.write_all(whole.as_bytes());
                    let _ = out.flush();
                }
            });
        }
        let msg = match progress.total {
            Some(total) => t!(
                "ft-progress-of",
                done = progress.done,
                total = total,
                failed = progress.bad
            ),
            None => t!("ft-progress", done = progress.done, failed = progress.bad),
        };
        bar.set_message(msg);
    };
    let outcome = runner::run(&spec, &mut on_output);
    bar.finish_and_clear();
    if !line.is_empty() {
        if quiet {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    }
    let outcome = match outcome {
        Ok(o) => o,
        Err(runner::StartError::NotFound) => {
            return Err(Usage::CommandNotFound(plan.program.clone()))
        }
        Err(runner::StartError::Other(e)) => {
            return Err(Usage::CommandNotFound(format!("{} ({e:#})", plan.program)))
        }
    };
    let summary = unittest::parse(&outcome.output);
    if outcome.output.contains("No module named 'selenium'") {
        return Err(Usage::NoSelenium(plan.program.clone()));
    }
    Ok((outcome, summary))
}

/// The report of a finished run: failures matched, the checks of their
/// stages run through `run` (which may ask the server).
#[must_use]
pub(crate) fn explain(
    plan: &Plan,
    profile_name: &str,
    outcome: &runner::Outcome,
    summary: &unittest::Summary,
    pack: &Pack,
    profile: &Profile,
    opts: &Options<'_>,
) -> FtReport {
    let vars = profile.vars();
    let mut failing: Vec<Failure> = summary
        .problems
        .iter()
        .map(|p| {
            let found = matching::recognise(&pack.catalog, p, plan.target, &vars);
            let best = found.first();
            Failure {
                test: p.name.clone(),
                id: p.id.clone(),
                kind: p.kind,
                last_lines: p.last_lines(),
                recognised: best.map(|d| d.id.clone()),
                diagnosis: best.map(|d| d.id.clone()),
                stage: best.map(|d| d.stage.clone()),
            }
        })
        .collect();
    let mut stages: Vec<String> = Vec::new();
    for f in &failing {
        if let Some(s) = &f.stage {
            if !stages.contains(s) {
                stages.push(s.clone());
            }
        }
    }
    // In lesson order, so the report reads like `tutor check`.
    let order = pack.stages();
    stages.sort_by_key(|s| order.iter().position(|o| o == s).unwrap_or(usize::MAX));
    let mut checks = Vec::new();
    if !stages.is_empty() {
        let mut run = Run::new(profile, pack, opts);
        run.prefetch(&stages);
        for s in &stages {
            checks.push(run.stage(s));
        }
    }
    // The server's own answer names the cause (bind-localhost behind a
    // refused connection): the first diagnosis of the stage's failed checks.
    for f in &mut failing {
        let Some(stage) = &f.stage else { continue };
        if let Some(result) = checks.iter().find(|r| &r.stage == stage) {
            if let Some(cause) = result.diagnoses().first() {
                f.diagnosis = Some(cause.clone());
            }
        }
    }
    let (status, end, exit_code) = match outcome.end {
        runner::End::Exited(code) => {
            let status = if summary.passed() {
                Status::Pass
            } else if summary.ok.is_some() {
                Status::Fail
            } else {
                Status::Error
            };
            (status, "exited", Some(code))
        }
        runner::End::TimedOut => (Status::Error, "timeout", None),
        runner::End::Interrupted => (Status::Error, "interrupted", None),
    };
    FtReport {
        profile: profile_name.to_string(),
        project: plan.project.display().to_string(),
        command: plan.command_line(),
        server: plan.server.clone(),
        target: plan.target,
        status,
        end,
        exit_code,
        tests: summary.ran,
        failures: summary.failures,
        errors: summary.errors,
        skipped: summary.skipped,
        duration_ms: u64::try_from(outcome.elapsed.as_millis()).unwrap_or(u64::MAX),
        failing,
        checks,
    }
}

/// The text after the test output: one block per failing test, the
/// checks of their stages, a closing line.
#[must_use]
pub(crate) fn render(
    r: &FtReport,
    plan: &Plan,
    outcome_tail: &str,
    catalog: &Catalog,
    vars: &crate::template::Vars,
    paint: Paint,
) -> String {
    let mut out = String::new();
    out.push('\n');
    let mut shown: Vec<&str> = Vec::new();
    for f in &r.failing {
        out.push_str(&format!(
            "{} {}  {}\n",
            paint.bad("✗"),
            paint.bold(&f.test),
            paint.dim(&format!("({})", f.id))
        ));
        for l in &f.last_lines {
            out.push_str(&format!("    {l}\n"));
        }
        match f.recognised.as_deref().and_then(|id| catalog.diagnosis(id)) {
            // The same diagnosis as a test above: its explanation once.
            Some(d) if shown.contains(&d.id.as_str()) => {
                out.push_str(&format!(
                    "      • {}\n",
                    t!("ft-same-as-above", id = d.id.as_str())
                ));
            }
            Some(d) => {
                shown.push(&d.id);
                out.push_str(&report::failure_lines(d, vars, paint));
            }
            None => {
                out.push_str(&format!("      • {}\n", t!("ft-not-recognised")));
            }
        }
        if let (Some(cause), Some(seen)) = (&f.diagnosis, &f.recognised) {
            if cause != seen {
                out.push_str(&format!(
                    "      {}\n",
                    paint.bold(&t!(
                        "ft-cause",
                        id = cause.as_str(),
                        stage = f.stage.clone().unwrap_or_default()
                    ))
                ));
            }
        }
        out.push('\n');
    }
    if !r.checks.is_empty() {
        out.push_str(&format!("{}\n", paint.bold(&t!("ft-checks-heading"))));
        for s in &r.checks {
            out.push_str(&report::stage(s, catalog, vars, paint));
        }
        out.push('\n');
    }
    let secs = r.duration_ms / 1000;
    let line = match (r.end, r.tests) {
        ("timeout", _) => paint.bad(&t!(
            "ft-timed-out",
            timeout = humantime::format_duration(plan.timeout).to_string()
        )),
        ("interrupted", _) => paint.warn(&t!("ft-interrupted")),
        (_, None) => {
            let mut s = paint.bad(&t!("ft-no-result", code = r.exit_code.unwrap_or(-1)));
            if !outcome_tail.is_empty() {
                s.push('\n');
                s.push_str(outcome_tail);
            }
            s
        }
        (_, Some(n)) if r.status == Status::Pass => paint.good(&t!(
            "ft-all-pass",
            count = n,
            server = r.server.as_str(),
            seconds = secs
        )),
        (_, Some(0)) => paint.bad(&t!("ft-none-ran")),
        (_, Some(n)) => paint.bad(&t!(
            "ft-some-failed",
            count = n,
            failed = r.failures + r.errors,
            failures = r.failures,
            errors = r.errors,
            seconds = secs
        )),
    };
    out.push_str(&line);
    out.push('\n');
    out
}

/// The last lines of the output, for a run that gave no result.
#[must_use]
pub(crate) fn tail(output: &str, n: usize) -> String {
    let lines: Vec<&str> = output.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(n);
    lines[start..]
        .iter()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        assert_eq!(
            split_words("python manage.py test  functional_tests"),
            vec!["python", "manage.py", "test", "functional_tests"]
        );
        assert_eq!(
            split_words("sh -c 'sleep 1; echo \"hi there\"' x\"y z\""),
            vec!["sh", "-c", "sleep 1; echo \"hi there\"", "xy z"]
        );
        assert_eq!(split_words("a ''"), vec!["a", ""]);
        assert!(split_words("   ").is_empty());
    }

    #[test]
    fn the_server_follows_the_stages() {
        let mut a = crate::progress::Answers::new("ada.example.org", "203.0.113.5", "ada");
        a.dev_port = 8000;
        let profile = Profile::new("staging", &a).unwrap();
        let mut p = Progress::new("staging");
        assert_eq!(
            server_for(&profile, &p, None),
            ("ada.example.org:8000".to_string(), Target::Dev)
        );
        p.stage_mut("nginx").status = StageStatus::Failed;
        assert_eq!(server_for(&profile, &p, None).1, Target::Dev);
        p.stage_mut("nginx").status = StageStatus::Done;
        assert_eq!(
            server_for(&profile, &p, None),
            ("ada.example.org".to_string(), Target::Site)
        );
        a.http_port = 8080;
        let profile = Profile::new("staging", &a).unwrap();
        assert_eq!(server_for(&profile, &p, None).0, "ada.example.org:8080");
        assert_eq!(
            server_for(&profile, &p, Some("x.example:81")),
            ("x.example:81".to_string(), Target::Given)
        );
    }

    #[test]
    fn python_means_the_venv_python() {
        let dir = tempfile::tempdir().unwrap();
        let (program, args) = command_for(dir.path(), DEFAULT_COMMAND, &["-v2".into()]).unwrap();
        assert!(program == "python" || program == "python3", "{program}");
        assert_eq!(args, vec!["manage.py", "test", "functional_tests", "-v2"]);
        let bin = dir.path().join(".venv/bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join("python"), "").unwrap();
        let (program, _) = command_for(dir.path(), DEFAULT_COMMAND, &[]).unwrap();
        assert_eq!(program, bin.join("python").display().to_string());
        let (program, args) = command_for(dir.path(), "pytest functional_tests", &[]).unwrap();
        assert_eq!((program.as_str(), args.len()), ("pytest", 1));
        assert_eq!(command_for(dir.path(), " ", &[]), Err(Usage::EmptyCommand));
    }
}

/// What the learner asked for (`tutor ft` flags, or the wizard's defaults).
#[derive(Debug, Clone, Default)]
pub(crate) struct Request {
    pub project: Option<PathBuf>,
    pub server: Option<String>,
    pub command: Option<String>,
    pub timeout: Duration,
    pub extra: Vec<String>,
}

/// A finished run: the report, what ran, and the text to show after the
/// streamed output.
pub(crate) struct Session {
    pub plan: Plan,
    pub report: FtReport,
    pub text: String,
}

/// Plan, run, read back and explain one run of the learner's tests.
/// `progress` decides the address; nothing is saved here (see [`record`]).
pub(crate) fn session(
    pack: &Pack,
    profile: &Profile,
    progress: &Progress,
    req: &Request,
    opts: &Options<'_>,
    quiet: bool,
    paint: Paint,
) -> Result<Session, Usage> {
    let answers = &profile.answers;
    let project = project_dir(req.project.as_deref(), answers.ft_project.as_deref())?;
    let command = req
        .command
        .as_deref()
        .or(answers.ft_command.as_deref())
        .unwrap_or(DEFAULT_COMMAND);
    let (program, args) = command_for(&project, command, &req.extra)?;
    let (server, target) = server_for(profile, progress, req.server.as_deref());
    let plan = Plan {
        project,
        program,
        args,
        server,
        target,
        timeout: req.timeout,
    };
    let intro = t!(
        "ft-running",
        command = plan.command_line(),
        dir = plan.project.display().to_string(),
        server = plan.server.as_str()
    );
    if quiet {
        eprintln!("{intro}\n");
    } else {
        println!("{}\n", paint.bold(&intro));
    }
    let (outcome, summary) = run_tests(&plan, quiet)?;
    let report = explain(
        &plan,
        &profile.name,
        &outcome,
        &summary,
        pack,
        profile,
        opts,
    );
    let tail_text = if summary.ran.is_none() {
        tail(&outcome.output, 6)
    } else {
        String::new()
    };
    let text = render(
        &report,
        &plan,
        &tail_text,
        &pack.catalog,
        &profile.vars(),
        paint,
    );
    Ok(Session { plan, report, text })
}

/// Keep the run in the progress file: the FT history, the checks that ran
/// (as `tutor check` would), and the project and command when given.
pub(crate) fn record(progress: &mut Progress, s: &Session, req: &Request) {
    progress.record_ft(s.report.to_run());
    for stage in &s.report.checks {
        progress.record_run(crate::progress::CheckRun::from(stage));
    }
    if let Some(a) = progress.answers.as_mut() {
        if req.project.is_some() {
            a.ft_project = Some(s.plan.project.clone());
        }
        if let Some(c) = &req.command {
            a.ft_command = Some(c.clone());
        }
    }
}

/// The exit code of a run: 0 every test passed, 130 stopped by Ctrl-C,
/// else 1.
#[must_use]
pub(crate) fn exit_code(r: &FtReport) -> u8 {
    match (r.status, r.end) {
        (Status::Pass, _) => 0,
        (_, "interrupted") => 130,
        _ => 1,
    }
}
