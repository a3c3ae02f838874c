//! The guided tour (`tutor start`, `tutor continue`): questions, lessons,
//! checks and the choice of what to do after a failure.
//!
//! Terminal interaction only: the checks themselves are the engine's, the
//! text is `report`'s. Progress is saved after every answer and every check,
//! so Ctrl-C at any prompt loses nothing.

use crate::context::Ctx;
use crate::engine::{Options, Run};
use crate::hints::next_hint;
use crate::messages;
use crate::pack::Pack;
use crate::profile::{self, Profile};
use crate::progress::CheckRun;
use crate::progress::{Answers, Progress, StageStatus, Store};
use crate::report;
use crate::status::Status;
use crate::t;
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
            InquireError::NotTTY => Stop::Failed(anyhow!(messages::needs_tty())),
            other => Stop::Failed(anyhow!(t!("prompt-failed", error = other.to_string()))),
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
pub(crate) fn confirm(question: &str) -> Result<bool> {
    if !term::interactive() {
        anyhow::bail!(t!("confirm-needs-yes", question = question));
    }
    match Confirm::new(question).with_default(false).prompt() {
        Ok(b) => Ok(b),
        Err(InquireError::OperationInterrupted | InquireError::OperationCanceled) => Ok(false),
        Err(e) => Err(anyhow!(t!("prompt-failed", error = e.to_string()))),
    }
}

/// `tutor start`: from the beginning.
pub(crate) fn start(ctx: &Ctx) -> Result<ExitCode> {
    if !term::interactive() {
        anyhow::bail!(messages::needs_tty());
    }
    let (store, _lock) = ctx.locked_store()?;
    let pack = ctx.pack_to_run(false)?;
    let existing = ctx.load(&store)?;
    let mut progress = Progress::new(&ctx.profile);
    if let Some(old) = existing {
        let restart = match &old.answers {
            Some(a) if !a.domain.is_empty() => Confirm::new(&t!(
                "start-again",
                profile = &ctx.profile,
                domain = &a.domain
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
    println!(
        "{}\n",
        report::markdown(
            &messages::welcome(),
            &crate::template::Vars::new(),
            ctx.paint
        )
        .trim_end()
    );
    // A new learner says which language to use (the locale's is offered);
    // that choice is saved, a language that only came from the locale is not.
    let saved = progress.answers.as_ref().and_then(|a| a.lang);
    let chosen = if ctx.lang_chosen || saved.is_some() {
        None
    } else {
        match ask_language(ctx.lang) {
            Ok(lang) => Some(lang),
            Err(e) => return finish(ctx, &store, &progress, Stop::from(e)),
        }
    };
    let (ctx, pack) = match chosen {
        Some(lang) => {
            crate::i18n::set(lang);
            let ctx = Ctx {
                lang,
                lang_chosen: true,
                ..ctx.clone()
            };
            let pack = ctx.pack()?;
            let answers = progress
                .answers
                .get_or_insert_with(|| Answers::new("", "", ""));
            answers.lang = Some(lang);
            (ctx, pack)
        }
        None => (ctx.clone(), pack),
    };
    session(&ctx, &store, &pack, progress, false)
}

/// "Language / 언어": the languages in their own names, the current one first.
fn ask_language(current: crate::i18n::Lang) -> Result<crate::i18n::Lang, InquireError> {
    use crate::i18n::Lang;
    let names = |l: Lang| match l {
        Lang::En => "English",
        Lang::Ko => "한국어",
    };
    let options: Vec<&str> = Lang::ALL.iter().map(|l| names(*l)).collect();
    let start = Lang::ALL.iter().position(|l| *l == current).unwrap_or(0);
    let picked = Select::new("Language / 언어", options)
        .with_starting_cursor(start)
        .prompt()?;
    Ok(Lang::ALL
        .into_iter()
        .find(|l| names(*l) == picked)
        .unwrap_or(current))
}

/// `tutor continue`: a recap, then the first unfinished stage.
pub(crate) fn resume(ctx: &Ctx) -> Result<ExitCode> {
    if !term::interactive() {
        anyhow::bail!(messages::needs_tty());
    }
    let (store, _lock) = ctx.locked_store()?;
    let pack = ctx.pack_to_run(false)?;
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
    ctx.remember_lang(&mut progress);
    let outcome = tour(ctx, store, pack, &mut progress);
    match outcome {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(stop) => finish(ctx, store, &progress, stop),
    }
}

/// Save once more and say how to come back.
fn finish(ctx: &Ctx, store: &Store, progress: &Progress, stop: Stop) -> Result<ExitCode> {
    store.save(progress).with_context(|| t!("save-failed"))?;
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
            Some(StageStatus::Skipped) => Some(format!(
                "{} {}",
                paint.dim("–"),
                t!("recap-skipped", stage = s)
            )),
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
            Some(d) => t!("recap-welcome-domain", domain = d),
            None => t!("recap-welcome"),
        })
    );
    if done.is_empty() {
        println!("{}", t!("recap-none"));
    } else {
        println!("{}", t!("recap-done", stages = done.join(", ")));
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
            .map_or_else(crate::profile::generic_vars, |p| p.vars());
        println!(
            "{}\n",
            t!(
                "recap-next",
                stage = next,
                title = report::fill(&title, &vars)
            )
        );
    }
}

/// The stage loop.
fn tour(ctx: &Ctx, store: &Store, pack: &Pack, progress: &mut Progress) -> Step<()> {
    let stages = pack.stages();
    loop {
        let Some(stage) = progress.first_unfinished(&stages).map(str::to_string) else {
            println!("{}", ctx.paint.good(&messages::all_done()));
            return Ok(());
        };
        progress.current_stage = Some(stage.clone());
        progress.stage_mut(&stage);
        store.save(progress).with_context(|| t!("save-failed"))?;
        let number = stages.iter().position(|s| *s == stage).unwrap_or(0) + 1;
        let lesson = pack
            .lesson(&stage)
            .ok_or_else(|| anyhow!("no lesson for stage {stage}"))?;

        let profile = if profile_complete(progress) {
            current_profile(ctx, progress)?
        } else {
            println!(
                "{}\n",
                report::markdown(&lesson.about, &crate::profile::generic_vars(), ctx.paint)
                    .trim_end()
            );
            ask_profile(store, progress)?;
            ctx.remember_lang(progress);
            store.save(progress).with_context(|| t!("save-failed"))?;
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
                report::lesson(
                    lesson,
                    &pack.catalog,
                    number,
                    stages.len(),
                    &vars,
                    ctx.paint
                )
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
    let lesson = pack
        .lesson(stage)
        .ok_or_else(|| anyhow!("no lesson for {stage}"))?;
    let mut failed_with: Option<String> = None;
    loop {
        let mut actions = vec![
            if failed_with.is_some() {
                Action::Again
            } else {
                Action::Check
            },
            Action::Hint,
        ];
        if failed_with.is_some() {
            actions.push(Action::Explain);
        }
        if offers_ft(pack, stage) {
            actions.push(Action::Ft);
        }
        actions.extend([Action::Skip, Action::Quit]);
        let question = if failed_with.is_some() {
            t!("menu-question-after")
        } else {
            t!("menu-question-first")
        };
        let labels: Vec<String> = actions.iter().map(|a| a.label()).collect();
        let chosen = Select::new(&question, labels.clone()).prompt()?;
        let action = labels
            .iter()
            .position(|l| *l == chosen)
            .map_or(Action::Quit, |i| actions[i]);
        match action {
            Action::Check | Action::Again => {
                if check_stage(ctx, store, pack, progress, profile, stage)? {
                    return Ok(());
                }
                failed_with = progress
                    .stages
                    .get(stage)
                    .and_then(|p| p.diagnoses.first().cloned())
                    .or(Some(String::new()));
            }
            Action::Hint => {
                let text = next_hint(progress, lesson, profile, ctx.paint);
                store.save(progress).with_context(|| t!("save-failed"))?;
                println!("\n{text}");
            }
            Action::Explain => {
                match failed_with
                    .as_deref()
                    .and_then(|id| pack.catalog.diagnosis(id))
                {
                    Some(d) => println!(
                        "\n{}",
                        report::diagnosis_page(d, &profile.vars(), ctx.paint)
                    ),
                    None => {
                        println!("\n{}", t!("explain-undecided"));
                    }
                }
            }
            Action::Ft => run_ft(ctx, store, pack, progress, profile)?,
            Action::Skip => {
                progress.stage_mut(stage).status = StageStatus::Skipped;
                store.save(progress).with_context(|| t!("save-failed"))?;
                return Ok(());
            }
            Action::Quit => return Err(Stop::Quit),
        }
    }
}

/// What the learner can do after a lesson or a failed check.
#[derive(Debug, Clone, Copy)]
enum Action {
    Check,
    Again,
    Hint,
    Explain,
    Ft,
    Skip,
    Quit,
}

impl Action {
    fn label(self) -> String {
        t!(match self {
            Action::Check => "menu-check",
            Action::Again => "menu-again",
            Action::Hint => "menu-hint",
            Action::Explain => "menu-explain",
            Action::Ft => "menu-ft",
            Action::Skip => "menu-skip",
            Action::Quit => "menu-quit",
        })
    }
}

/// From the dev server's stage on, the learner's own functional tests
/// can visit the server.
fn offers_ft(pack: &Pack, stage: &str) -> bool {
    let stages = pack.stages();
    let at = |s: &str| stages.iter().position(|x| x == s);
    matches!((at(stage), at(crate::ft::matching::DEV_STAGE)), (Some(i), Some(dev)) if i >= dev)
}

/// "Run my functional tests": `tutor ft` with its defaults, in the
/// remembered project or the current folder (asked for when neither has
/// a manage.py); the run is saved like any check.
fn run_ft(
    ctx: &Ctx,
    store: &Store,
    pack: &Pack,
    progress: &mut Progress,
    profile: &Profile,
) -> Step<()> {
    let mut req = crate::ft::Request {
        timeout: humantime::parse_duration(crate::ft::DEFAULT_TIMEOUT)
            .unwrap_or(Duration::from_secs(300)),
        ..crate::ft::Request::default()
    };
    let opts = Options::default();
    loop {
        match crate::ft::session(pack, profile, progress, &req, &opts, false, ctx.paint) {
            Ok(session) => {
                crate::ft::record(progress, &session, &req);
                store.save(progress).with_context(|| t!("save-failed"))?;
                println!("{}", session.text);
                return Ok(());
            }
            Err(crate::ft::Usage::NoManagePy(_) | crate::ft::Usage::NoProject(_))
                if req.project.is_none() =>
            {
                let dir = Text::new(&t!("ft-ask-project"))
                    .with_help_message(&t!("ft-ask-project-help"))
                    .prompt()?;
                let dir = dir.trim();
                if dir.is_empty() {
                    return Ok(());
                }
                req.project = Some(expand_home(dir));
            }
            Err(usage) => {
                println!("\n{}\n", ctx.paint.warn(&usage.to_string()));
                return Ok(());
            }
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
    spinner.set_message(t!("checking", stage = stage));
    spinner.enable_steady_tick(Duration::from_millis(100));
    let ask_host_key = |fingerprint: &str, kind: &str| {
        spinner.suspend(|| {
            println!(
                "{}",
                t!(
                    "host-key-first",
                    server = profile.server_ip.to_string(),
                    kind = kind,
                    fingerprint = fingerprint
                )
            );
            Confirm::new(&t!("host-key-question"))
                .with_default(false)
                .prompt()
                .unwrap_or(false)
        })
    };
    let ask_passphrase = |path: &Path| {
        spinner.suspend(|| {
            inquire::Password::new(&t!("passphrase", path = path.display().to_string()))
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
    progress.record_run(CheckRun::from(&result));
    store.save(progress).with_context(|| t!("save-failed"))?;
    print!(
        "{}",
        report::stage(&result, &pack.catalog, &profile.vars(), ctx.paint)
    );
    let passed = matches!(result.status, Status::Pass | Status::Retired);
    if passed {
        println!("{}\n", ctx.paint.good(&t!("stage-done", stage = stage)));
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
        .map_err(|e| Stop::Failed(anyhow!(t!("profile-unusable", problem = e))))
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
        Some(t!("q-user-root"))
    } else if profile::valid_user(user) {
        None
    } else {
        Some(t!("user-invalid", user = format!("{user:?}")))
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
        Some(t!("q-key-missing", path = path))
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
        store.save(progress).with_context(|| t!("save-failed"))?;
        Ok(())
    };
    a.domain = ask_text(
        &t!("q-domain"),
        &a.domain,
        &t!("q-domain-help"),
        profile::domain_problem,
    )?
    .trim_end_matches('.')
    .to_lowercase();
    save(&a, progress)?;
    let live = ask_text(
        &t!("q-live"),
        a.live_domain.as_deref().unwrap_or(""),
        &t!("q-live-help"),
        optional_domain_problem,
    )?;
    a.live_domain = (!live.is_empty()).then_some(live);
    save(&a, progress)?;
    a.server_ip = ask_text(
        &t!("q-ip"),
        &a.server_ip,
        &t!("q-ip-help"),
        profile::ip_problem,
    )?;
    save(&a, progress)?;
    a.ssh_user = ask_text(&t!("q-user"), &a.ssh_user, &t!("q-user-help"), user_problem)?;
    save(&a, progress)?;
    a.ssh_port = CustomType::<u16>::new(&t!("q-port"))
        .with_default(a.ssh_port)
        .with_error_message(&t!("q-port-error"))
        .with_validator(|p: &u16| {
            Ok(if *p == 0 {
                Validation::Invalid(t!("q-port-zero").into())
            } else {
                Validation::Valid
            })
        })
        .prompt()?;
    save(&a, progress)?;
    let key = ask_text(
        &t!("q-key"),
        &a.identity
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        &t!("q-key-help"),
        key_problem,
    )?;
    a.identity = (!key.is_empty()).then(|| expand_home(&key));
    save(&a, progress)?;
    let repo = Text::new(&t!("q-repo"))
        .with_default(a.repo_url.as_deref().unwrap_or(""))
        .with_help_message(&t!("q-repo-help"))
        .prompt()?;
    a.repo_url = (!repo.trim().is_empty()).then(|| repo.trim().to_string());
    save(&a, progress)?;
    Ok(())
}
