//! The guided tour (`tutor start`, `tutor continue`): questions, lessons,
//! checks and the choice of what to do after a failure.
//!
//! Terminal interaction only: the checks themselves are the engine's, the
//! text is `report`'s. Progress is saved after every answer and every check,
//! so Ctrl-C at any prompt loses nothing.

use crate::commands::{next_hint, record, Ctx};
use crate::engine::{Options, Run, Status};
use crate::messages;
use crate::pack::Pack;
use crate::profile::{self, Profile};
use crate::progress::{Answers, Progress, StageStatus, Store};
use crate::report;
use crate::term;
use anyhow::{anyhow, Context, Result};
use inquire::{validator::Validation, Confirm, CustomType, InquireError, Select, Text};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Why the tour stopped early.
enum Stop {
    /// The learner chose "quit".
    Quit,
    /// Ctrl-C or Esc at a prompt.
    Interrupted,
    Failed(anyhow::Error),
}

impl From<InquireError> for Stop {
    fn from(e: InquireError) -> Self {
        match e {
            InquireError::OperationInterrupted | InquireError::OperationCanceled => {
                Stop::Interrupted
            }
            InquireError::NotTTY => Stop::Failed(anyhow!(messages::NEEDS_TTY)),
            other => Stop::Failed(anyhow!("the prompt failed: {other}")),
        }
    }
}

impl From<anyhow::Error> for Stop {
    fn from(e: anyhow::Error) -> Self {
        Stop::Failed(e)
    }
}

type Step<T> = std::result::Result<T, Stop>;

/// Ask a yes/no question (for `reset`); without a terminal, say to use --yes.
pub fn confirm(question: &str) -> Result<bool> {
    if !term::interactive() {
        anyhow::bail!("{question} Without a terminal I cannot ask: add --yes to confirm.");
    }
    match Confirm::new(question).with_default(false).prompt() {
        Ok(b) => Ok(b),
        Err(InquireError::OperationInterrupted | InquireError::OperationCanceled) => Ok(false),
        Err(e) => Err(anyhow!("the prompt failed: {e}")),
    }
}

/// `tutor start`: from the beginning.
pub fn start(ctx: &Ctx) -> Result<ExitCode> {
    if !term::interactive() {
        anyhow::bail!(messages::NEEDS_TTY);
    }
    let (store, _lock) = ctx.locked_store()?;
    let pack = ctx.pack()?;
    let existing = ctx.load(&store)?;
    let mut progress = Progress::new(&ctx.profile);
    if let Some(old) = existing {
        let restart = match &old.answers {
            Some(a) if !a.domain.is_empty() => Confirm::new(&format!(
                "You already have a profile \"{}\" for {}. Start again from the first stage? (No: continue where you were)",
                ctx.profile, a.domain
            ))
            .with_default(false)
            .prompt(),
            _ => Ok(true),
        };
        match restart {
            Ok(true) => progress.answers = old.answers, // kept as defaults for the questions
            Ok(false) => return session(ctx, &store, &pack, old, true),
            Err(e) => return finish(ctx, &store, &old, Stop::from(e)),
        }
    }
    println!("{}\n", messages::WELCOME);
    session(ctx, &store, &pack, progress, false)
}

/// `tutor continue`: a recap, then the first unfinished stage.
pub fn resume(ctx: &Ctx) -> Result<ExitCode> {
    if !term::interactive() {
        anyhow::bail!(messages::NEEDS_TTY);
    }
    let (store, _lock) = ctx.locked_store()?;
    let pack = ctx.pack()?;
    let Some(progress) = ctx.load(&store)? else {
        anyhow::bail!(messages::no_profile(&ctx.profile));
    };
    session(ctx, &store, &pack, progress, true)
}

fn session(
    ctx: &Ctx,
    store: &Store,
    pack: &Pack,
    mut progress: Progress,
    recap: bool,
) -> Result<ExitCode> {
    if recap {
        print_recap(ctx, pack, &progress);
    }
    let outcome = tour(ctx, store, pack, &mut progress);
    match outcome {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(stop) => finish(ctx, store, &progress, stop),
    }
}

/// Save once more and say how to come back.
fn finish(ctx: &Ctx, store: &Store, progress: &Progress, stop: Stop) -> Result<ExitCode> {
    store.save(progress).context("could not save progress")?;
    match stop {
        Stop::Quit => {
            println!("\n{}", messages::saved_resume(&ctx.profile));
            Ok(ExitCode::SUCCESS)
        }
        Stop::Interrupted => {
            println!("\n{}", messages::saved_resume(&ctx.profile));
            Ok(ExitCode::from(130))
        }
        Stop::Failed(e) => Err(e),
    }
}

fn print_recap(ctx: &Ctx, pack: &Pack, progress: &Progress) {
    let paint = ctx.paint;
    let stages = pack.stages();
    let done: Vec<String> = stages
        .iter()
        .filter_map(|s| match progress.stages.get(s).map(|p| p.status) {
            Some(StageStatus::Done) => Some(format!("{} {s}", paint.good("✓"))),
            Some(StageStatus::Skipped) => Some(format!("{} {s} (skipped)", paint.dim("–"))),
            _ => None,
        })
        .collect();
    let domain = progress
        .answers
        .as_ref()
        .map(|a| a.domain.clone())
        .filter(|d| !d.is_empty());
    println!(
        "{}",
        paint.bold(&match domain {
            Some(d) => format!("Welcome back! You are deploying {d}."),
            None => "Welcome back!".to_string(),
        })
    );
    if done.is_empty() {
        println!("No stage is finished yet.");
    } else {
        println!("Finished so far: {}", done.join(", "));
    }
    if let Some(next) = progress.first_unfinished(&stages) {
        let title = pack
            .lesson(next)
            .map(|l| l.title.clone())
            .unwrap_or_default();
        let vars = progress
            .answers
            .as_ref()
            .and_then(|a| Profile::new(&ctx.profile, a).ok())
            .map_or_else(report::generic_vars, |p| p.vars());
        println!("Next: {next} — {}\n", report::fill(&title, &vars));
    }
}

/// The stage loop.
fn tour(ctx: &Ctx, store: &Store, pack: &Pack, progress: &mut Progress) -> Step<()> {
    let stages = pack.stages();
    loop {
        let Some(stage) = progress.first_unfinished(&stages).map(str::to_string) else {
            println!("{}", ctx.paint.good(messages::ALL_DONE));
            return Ok(());
        };
        progress.current_stage = Some(stage.clone());
        progress.stage_mut(&stage);
        store.save(progress).context("could not save progress")?;
        let number = stages.iter().position(|s| *s == stage).unwrap_or(0) + 1;
        let lesson = pack
            .lesson(&stage)
            .ok_or_else(|| anyhow!("no lesson for stage {stage}"))?;

        let profile = if profile_complete(progress) {
            current_profile(ctx, progress)?
        } else {
            println!(
                "{}\n",
                report::markdown(&lesson.about, &report::generic_vars(), ctx.paint).trim_end()
            );
            ask_profile(store, progress)?;
            current_profile(ctx, progress)?
        };
        let vars = profile.vars();
        if stage == "domain" {
            // The answers were just checked by the questions: verify and move on.
            let passed = check_stage(ctx, store, pack, progress, &profile, &stage)?;
            if passed {
                continue;
            }
        } else {
            println!(
                "\n{}\n",
                report::lesson(lesson, number, stages.len(), &vars, ctx.paint)
            );
        }
        stage_menu(ctx, store, pack, progress, &profile, &stage)?;
    }
}

/// After the lesson: check, hint, skip or quit, until the stage passes or is skipped.
fn stage_menu(
    ctx: &Ctx,
    store: &Store,
    pack: &Pack,
    progress: &mut Progress,
    profile: &Profile,
    stage: &str,
) -> Step<()> {
    const CHECK: &str = "Check my server";
    const AGAIN: &str = "Check again";
    const HINT: &str = "Show a hint";
    const EXPLAIN: &str = "Explain the problem in more detail";
    const SKIP: &str = "Skip this stage";
    const QUIT: &str = "Quit (your progress is saved)";
    let lesson = pack
        .lesson(stage)
        .ok_or_else(|| anyhow!("no lesson for {stage}"))?;
    let mut failed_with: Option<String> = None;
    loop {
        let mut options = vec![if failed_with.is_some() { AGAIN } else { CHECK }, HINT];
        if failed_with.is_some() {
            options.push(EXPLAIN);
        }
        options.extend([SKIP, QUIT]);
        let question = if failed_with.is_some() {
            "What now?"
        } else {
            "When you have typed these commands:"
        };
        match Select::new(question, options).prompt()? {
            CHECK | AGAIN => {
                if check_stage(ctx, store, pack, progress, profile, stage)? {
                    return Ok(());
                }
                failed_with = progress
                    .stages
                    .get(stage)
                    .and_then(|p| p.diagnoses.first().cloned())
                    .or(Some(String::new()));
            }
            HINT => {
                let text = next_hint(progress, lesson, profile, ctx.paint);
                store.save(progress).context("could not save progress")?;
                println!("\n{text}");
            }
            EXPLAIN => {
                match failed_with
                    .as_deref()
                    .and_then(|id| pack.catalog.diagnosis(id))
                {
                    Some(d) => println!(
                        "\n{}",
                        report::diagnosis_page(d, &profile.vars(), ctx.paint)
                    ),
                    None => {
                        println!("\nThe check could not decide; the lines above say what to run.")
                    }
                }
            }
            SKIP => {
                progress.stage_mut(stage).status = StageStatus::Skipped;
                store.save(progress).context("could not save progress")?;
                return Ok(());
            }
            _ => return Err(Stop::Quit),
        }
    }
}

/// Run a stage's checks with a spinner; record and save; true if it passed.
fn check_stage(
    ctx: &Ctx,
    store: &Store,
    pack: &Pack,
    progress: &mut Progress,
    profile: &Profile,
    stage: &str,
) -> Step<bool> {
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_message(format!("Checking {stage} on the server…"));
    spinner.enable_steady_tick(Duration::from_millis(100));
    let ask_host_key = |fingerprint: &str, kind: &str| {
        spinner.suspend(|| {
            println!(
                "This is the first time tutor connects to {}. Its {kind} key fingerprint is\n    {fingerprint}\nCompare it with the one your hosting provider shows (or `ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub` on the server).",
                profile.server_ip
            );
            Confirm::new("Is this your server's key?")
                .with_default(false)
                .prompt()
                .unwrap_or(false)
        })
    };
    let ask_passphrase = |path: &Path| {
        spinner.suspend(|| {
            inquire::Password::new(&format!("Passphrase for {}:", path.display()))
                .without_confirmation()
                .prompt()
                .ok()
        })
    };
    let opts = Options {
        host_key_prompt: Some(&ask_host_key),
        passphrase_prompt: Some(&ask_passphrase),
        ..Options::default()
    };
    let mut run = Run::new(profile, pack, &opts);
    run.prefetch(&[stage.to_string()]);
    let result = run.stage(stage);
    spinner.finish_and_clear();
    record(progress, &result);
    store.save(progress).context("could not save progress")?;
    print!(
        "{}",
        report::stage(&result, &pack.catalog, &profile.vars(), ctx.paint)
    );
    let passed = result.status == Status::Pass;
    if passed {
        println!("{}\n", ctx.paint.good(&format!("Stage {stage} done.")));
    }
    Ok(passed)
}

fn profile_complete(progress: &Progress) -> bool {
    progress
        .answers
        .as_ref()
        .is_some_and(|a| !a.domain.is_empty() && !a.server_ip.is_empty() && !a.ssh_user.is_empty())
}

fn current_profile(ctx: &Ctx, progress: &Progress) -> Step<Profile> {
    let answers = progress
        .answers
        .as_ref()
        .ok_or_else(|| anyhow!("the profile questions are not answered yet"))?;
    Profile::new(&ctx.profile, answers)
        .map_err(|e| Stop::Failed(anyhow!("The saved profile is not usable: {e}")))
}

/// A text answer checked by `problem` (None = fine); bad answers are asked
/// again with the reason.
fn ask_text(
    question: &str,
    default: &str,
    help: &str,
    problem: fn(&str) -> Option<String>,
) -> Step<String> {
    let validator = move |s: &str| -> std::result::Result<Validation, inquire::CustomUserError> {
        Ok(match problem(s.trim()) {
            None => Validation::Valid,
            Some(why) => Validation::Invalid(why.into()),
        })
    };
    let mut prompt = Text::new(question)
        .with_help_message(help)
        .with_validator(validator);
    if !default.is_empty() {
        prompt = prompt.with_default(default);
    }
    Ok(prompt.prompt()?.trim().to_string())
}

fn user_problem(user: &str) -> Option<String> {
    if user == "root" {
        Some("Use an ordinary user, not root: the ssh stage shows how to create one.".into())
    } else if profile::valid_user(user) {
        None
    } else {
        Some(format!(
            "{user:?} is not a valid user name: lowercase letters, digits, _ and -, starting with a letter."
        ))
    }
}

fn optional_domain_problem(d: &str) -> Option<String> {
    if d.is_empty() {
        None
    } else {
        profile::domain_problem(d)
    }
}

fn key_problem(path: &str) -> Option<String> {
    if path.is_empty() || expand_home(path).is_file() {
        None
    } else {
        Some(format!(
            "There is no file {path}: give the path of your private key, or leave it empty."
        ))
    }
}

fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// The profile questions; every answer is saved at once.
fn ask_profile(store: &Store, progress: &mut Progress) -> Step<()> {
    let mut a = progress
        .answers
        .clone()
        .unwrap_or_else(|| Answers::new("", "", ""));
    let save = |a: &Answers, progress: &mut Progress| -> Step<()> {
        progress.answers = Some(a.clone());
        store.save(progress).context("could not save your answer")?;
        Ok(())
    };
    a.domain = ask_text(
        "Your staging domain:",
        &a.domain,
        "the name your site will have while you try things out, e.g. superlists-staging.example.com",
        profile::domain_problem,
    )?
    .trim_end_matches('.')
    .to_lowercase();
    save(&a, progress)?;
    let live = ask_text(
        "Your live domain (optional):",
        a.live_domain.as_deref().unwrap_or(""),
        "the name for the real site later; press Enter to skip",
        optional_domain_problem,
    )?;
    a.live_domain = (!live.is_empty()).then_some(live);
    save(&a, progress)?;
    a.server_ip = ask_text(
        "Your server's IP address:",
        &a.server_ip,
        "your hosting provider shows it, e.g. 203.0.113.10",
        profile::ip_problem,
    )?;
    save(&a, progress)?;
    a.ssh_user = ask_text(
        "The user you log in as on the server:",
        &a.ssh_user,
        "an ordinary user with sudo, not root (e.g. elspeth)",
        user_problem,
    )?;
    save(&a, progress)?;
    a.ssh_port = CustomType::<u16>::new("SSH port:")
        .with_default(a.ssh_port)
        .with_error_message("Type a port number from 1 to 65535.")
        .with_validator(|p: &u16| {
            Ok(if *p == 0 {
                Validation::Invalid("Port 0 is not a port: use 1 to 65535 (usually 22).".into())
            } else {
                Validation::Valid
            })
        })
        .prompt()?;
    save(&a, progress)?;
    let key = ask_text(
        "Your SSH private key file (optional):",
        &a.identity
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        "press Enter to use your ssh-agent and ~/.ssh/id_ed25519, id_ecdsa, id_rsa",
        key_problem,
    )?;
    a.identity = (!key.is_empty()).then(|| expand_home(&key));
    save(&a, progress)?;
    let repo = Text::new("Your project's git repository URL (optional):")
        .with_default(a.repo_url.as_deref().unwrap_or(""))
        .with_help_message("e.g. https://github.com/you/superlists.git; press Enter to skip")
        .prompt()?;
    a.repo_url = (!repo.trim().is_empty()).then(|| repo.trim().to_string());
    save(&a, progress)?;
    Ok(())
}
