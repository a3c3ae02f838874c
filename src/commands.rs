//! One function per subcommand. Each returns the exit code; errors are
//! one-sentence `anyhow` errors that `main` prints with exit code 2.

use crate::catalog::Wait;
use crate::cli::{CheckArgs, Cli, Command, FtArgs, InitArgs, ResetArgs};
use crate::engine::{self, Options, Report, Run};
use crate::i18n::{self};
use crate::messages;
use crate::pack::{Pack, DEFAULT_LANG};
use crate::profile::{self, Profile};
use crate::progress::{Answers, CheckRun, Progress, StageStatus};
use crate::report;
use crate::status::Status;
use crate::t;
use crate::why;
use anyhow::{anyhow, bail, Context, Result};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::context::Ctx;

/// Run the command line; Err means a usage or input error (exit 2).
pub fn run(cli: Cli) -> Result<ExitCode> {
    let ctx = Ctx::from_cli(&cli)?;
    match cli.command {
        Command::Start => crate::wizard::start(&ctx),
        Command::Continue => crate::wizard::resume(&ctx),
        Command::Status { json } => status(&ctx, json),
        Command::Check(args) => check(&ctx, &args),
        Command::Init(args) => init(&ctx, &args),
        Command::Hint { stage } => hint(&ctx, stage.as_deref()),
        Command::Explain { id } => explain(&ctx, &id),
        Command::Why => why_cmd(&ctx),
        Command::Reset(args) => reset(&ctx, &args),
        Command::Lessons { lint } => lessons(&ctx, lint),
        Command::Class { command } => crate::class::command(&ctx, &command),
        Command::Export => export(&ctx),
        Command::Ft(args) => ft(&ctx, &args),
        Command::BookSrc { out } => {
            crate::book::generate(&ctx.pack()?, &out)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Options for a run without prompts.
fn batch_options(accept_new_host_key: bool, use_agent: bool) -> Options<'static> {
    Options {
        accept_new_host_key,
        use_agent,
        ..Options::default()
    }
}

/// The stages named on the command line, checked against the pack.
fn requested_stages(pack: &Pack, progress: &Progress, args: &CheckArgs) -> Result<Vec<String>> {
    let all = pack.stages();
    if args.all {
        return Ok(all);
    }
    if args.stages.is_empty() {
        let current = progress
            .first_unfinished(&all)
            .map_or_else(|| all.clone(), |s| vec![s.to_string()]);
        return Ok(current);
    }
    for s in &args.stages {
        if !all.contains(s) {
            bail!(t!(
                "no-such-stage",
                stage = format!("{s:?}"),
                stages = all.join(", ")
            ));
        }
    }
    Ok(args.stages.clone())
}

fn check(ctx: &Ctx, args: &CheckArgs) -> Result<ExitCode> {
    let (store, _lock) = ctx.locked_store()?;
    let (mut progress, profile) = ctx.load_profile(&store)?;
    let pack = ctx.pack_to_run(args.yes)?;
    let stages = requested_stages(&pack, &progress, args)?;
    ctx.remember_lang(&mut progress);
    let opts = batch_options(args.accept_new_host_key, !args.no_agent);
    let mut run = Run::new(&profile, &pack, &opts);
    run.prefetch(&stages);
    let mut report = Report {
        profile: ctx.profile.clone(),
        stages: Vec::new(),
    };
    // Whether progress holds something not yet saved (the language, runs).
    let mut unsaved = true;
    for stage in &stages {
        let wait = args
            .wait
            .then(|| pack.catalog.checks_of(stage).find_map(|c| c.wait.clone()))
            .flatten();
        let waited = wait.is_some();
        let result = match wait {
            Some(w) => wait_for(&mut run, stage, &w, args.timeout, args.json),
            None => run.stage(stage),
        };
        progress.record_run(CheckRun::from(&result));
        // A stage that waited (minutes, perhaps) is saved at once; the
        // others were judged from the prefetch in a few milliseconds, and
        // are saved together below, before anything is printed.
        unsaved = !waited;
        if waited {
            save_timed(&store, &progress, stage)?;
        }
        report.stages.push(result);
    }
    if unsaved {
        save_timed(&store, &progress, "")?;
    }
    if args.json {
        println!("{}", crate::visible::json_pretty(&report)?);
    } else {
        print!(
            "{}",
            report::report(&report, &pack.catalog, &profile.vars(), ctx.paint)
        );
    }
    let all_pass = report.stages.iter().all(|s| s.status == Status::Pass);
    Ok(if all_pass {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn save_timed(store: &crate::progress::Store, progress: &Progress, what: &str) -> Result<()> {
    let saving = Instant::now();
    store.save(progress).context("could not save progress")?;
    crate::timing::record("save", saving.elapsed(), what);
    Ok(())
}

/// Check `stage` again and again until it passes or time runs out; the
/// bar counts the facts its check names (for DNS: resolvers that agree).
fn wait_for(
    run: &mut Run<'_>,
    stage: &str,
    wait: &Wait,
    timeout: Duration,
    quiet: bool,
) -> engine::StageResult {
    let deadline = Instant::now() + timeout;
    let interval = (timeout / 10).clamp(Duration::from_millis(200), Duration::from_secs(15));
    let bar = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(1)
    };
    bar.set_style(
        // indicatif fills {pos} and {len}; the sentence around them is translated.
        indicatif::ProgressStyle::with_template(&format!(
            "{{spinner}} {}  {{msg}}",
            t!("dns-wait-bar", agree = "{pos}", total = "{len}")
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    loop {
        let result = run.stage(stage);
        let count = |name: &str| run.fact(name).and_then(|v| v.parse::<u64>().ok());
        bar.set_length(count(&wait.of).unwrap_or(1).max(1));
        bar.set_position(count(&wait.done).unwrap_or(0));
        let left = deadline.saturating_duration_since(Instant::now());
        if result.status == Status::Pass || left.is_zero() {
            bar.finish_and_clear();
            return result;
        }
        bar.set_message(t!(
            "dns-wait-giving-up",
            left = humantime::format_duration(Duration::from_secs(left.as_secs())).to_string()
        ));
        bar.tick();
        std::thread::sleep(interval.min(left));
        run.forget(stage);
    }
}

fn init(ctx: &Ctx, a: &InitArgs) -> Result<ExitCode> {
    let answers = Answers {
        domain: a.domain.trim().trim_end_matches('.').to_lowercase(),
        server_ip: a.server_ip.trim().to_string(),
        ssh_user: a.ssh_user.trim().to_string(),
        ssh_port: a.ssh_port,
        identity: a.identity.clone(),
        known_hosts: a.known_hosts.clone(),
        site_dir: a.site_dir.clone(),
        dev_port: a.dev_port,
        http_port: a.http_port,
        https_port: a.https_port,
        // Absolute, so later runs from another folder find it.
        ca: a
            .ca
            .as_ref()
            .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())),
        resolvers: a.resolvers.clone(),
        live_domain: a.live_domain.clone(),
        repo_url: a.repo_url.clone(),
        gunicorn_socket: a.gunicorn_socket.clone(),
        lang: None,
        ft_project: None,
        ft_command: None,
        extra: std::collections::BTreeMap::new(),
    };
    if let Some(p) = profile::domain_problem(&answers.domain) {
        bail!(t!("init-domain", problem = p));
    }
    Profile::new(&ctx.profile, &answers).map_err(|e| anyhow!("{e}"))?;
    if let Some(id) = &answers.identity {
        if !id.is_file() {
            bail!(t!("init-no-key", path = id.display().to_string()));
        }
    }
    if let Some(ca) = &answers.ca {
        if crate::remote::trust::read_ca_file(ca).is_err() {
            bail!(t!("init-bad-ca", path = ca.display().to_string()));
        }
    }
    for r in &answers.resolvers {
        if crate::probe::dns::parse_resolver(r).is_none() {
            bail!(t!("init-bad-resolver", value = format!("{r:?}")));
        }
    }
    let (store, _lock) = ctx.locked_store()?;
    let mut progress = ctx
        .load(&store)?
        .unwrap_or_else(|| Progress::new(&ctx.profile));
    progress.answers = Some(answers);
    ctx.remember_lang(&mut progress);
    store
        .save(&progress)
        .context("could not save the profile")?;
    println!(
        "{}",
        t!(
            "init-saved",
            profile = &ctx.profile,
            path = store.path().display().to_string()
        )
    );
    Ok(ExitCode::SUCCESS)
}

fn status(ctx: &Ctx, json: bool) -> Result<ExitCode> {
    let store = ctx.store()?;
    let Some(progress) = ctx.load(&store)? else {
        bail!(messages::no_profile(&ctx.profile));
    };
    let pack = ctx.pack()?;
    let stages = pack.stages();
    let current = progress.first_unfinished(&stages).map(str::to_string);
    let rows: Vec<serde_json::Value> = stages
        .iter()
        .map(|s| {
            let p = progress.stages.get(s);
            serde_json::json!({
                "stage": s,
                "title": pack.lesson(s).map(|l| l.title.clone()),
                "status": p.map_or(StageStatus::Pending, |p| p.status),
                "diagnoses": p.map(|p| p.diagnoses.clone()).unwrap_or_default(),
                "hints_used": p.map_or(0, |p| p.hints_used),
                "attempts": p.map_or(0, |p| p.attempts),
            })
        })
        .collect();
    if json {
        let doc = serde_json::json!({
            "profile": ctx.profile,
            "file": store.path(),
            "answers": progress.answers,
            "current_stage": current,
            "stages": rows,
        });
        println!("{}", crate::visible::json_pretty(&doc)?);
        return Ok(ExitCode::SUCCESS);
    }
    let paint = ctx.paint;
    println!(
        "{}",
        paint.bold(&t!("status-profile", profile = &ctx.profile))
    );
    match &progress.answers {
        Some(a) => {
            let rows = [
                (t!("status-domain"), a.domain.clone()),
                (
                    t!("status-server"),
                    t!("status-server-value", ip = &a.server_ip, port = a.ssh_port),
                ),
                (t!("status-user"), a.ssh_user.clone()),
                (t!("status-site"), a.site_dir_or_default()),
                (t!("status-language"), ctx.lang.code().to_string()),
            ];
            let width = rows
                .iter()
                .map(|(k, _)| console::measure_text_width(k))
                .max()
                .unwrap_or(0);
            for (key, value) in rows {
                println!("  {} {value}", i18n::pad(&key, width));
            }
        }
        None => println!("  {}", t!("status-no-answers")),
    }
    println!();
    for (i, s) in stages.iter().enumerate() {
        let p = progress.stages.get(s);
        let (mark, word) = match p.map_or(StageStatus::Pending, |p| p.status) {
            StageStatus::Done => (paint.good("✓"), t!("status-done")),
            StageStatus::Failed => (
                paint.bad("✗"),
                t!(
                    "status-failed",
                    diagnoses = p.map(|p| p.diagnoses.join(", ")).unwrap_or_default()
                ),
            ),
            StageStatus::Skipped => (paint.dim("–"), t!("status-skipped")),
            StageStatus::Pending => (" ".to_string(), t!("status-pending")),
        };
        let here = if current.as_deref() == Some(s.as_str()) {
            paint.bold(&format!("  {}", t!("status-here")))
        } else {
            String::new()
        };
        // Numbers right-aligned, so that ten stages or more keep the columns.
        let digits = stages.len().to_string().len();
        println!(
            "  {mark} {:>digits$}. {} {word}{here}",
            i + 1,
            i18n::pad(s, 10)
        );
    }
    println!(
        "\n{}",
        paint.dim(&t!(
            "status-saved-in",
            path = store.path().display().to_string()
        ))
    );
    Ok(ExitCode::SUCCESS)
}

fn hint(ctx: &Ctx, stage: Option<&str>) -> Result<ExitCode> {
    let (store, _lock) = ctx.locked_store()?;
    let (mut progress, profile) = ctx.load_profile(&store)?;
    let pack = ctx.pack()?;
    let stages = pack.stages();
    let stage = match stage {
        Some(s) => s.to_string(),
        None => progress
            .first_unfinished(&stages)
            .unwrap_or_else(|| stages.last().map_or("", String::as_str))
            .to_string(),
    };
    let Some(lesson) = pack.lesson(&stage) else {
        bail!(
            "There is no stage {stage:?}; the stages are: {}.",
            stages.join(", ")
        );
    };
    let text = crate::hints::next_hint(&mut progress, lesson, &profile, ctx.paint);
    store.save(&progress).context("could not save progress")?;
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// Values for pages: the profile's if one is saved and valid, else `<name>`.
fn page_vars(ctx: &Ctx) -> crate::template::Vars {
    ctx.store()
        .ok()
        .and_then(|s| s.load().ok().flatten())
        .and_then(|p| p.answers)
        .and_then(|a| Profile::new(&ctx.profile, &a).ok())
        .map_or_else(crate::profile::generic_vars, |p| p.vars())
}

fn explain(ctx: &Ctx, id: &str) -> Result<ExitCode> {
    let pack = ctx.pack()?;
    let Some(d) = pack.catalog.diagnosis(id) else {
        let ids: Vec<&str> = pack
            .catalog
            .diagnoses
            .iter()
            .map(|(d, _)| d.id.as_str())
            .collect();
        bail!(t!(
            "no-such-diagnosis",
            id = format!("{id:?}"),
            ids = ids.join(", ")
        ));
    };
    print!("{}", report::diagnosis_page(d, &page_vars(ctx), ctx.paint));
    Ok(ExitCode::SUCCESS)
}

fn why_cmd(ctx: &Ctx) -> Result<ExitCode> {
    use std::io::IsTerminal;
    let pack = ctx.pack()?;
    if std::io::stdin().is_terminal() {
        eprintln!("{}", t!("why-paste"));
    }
    let text =
        why::read_pasted(std::io::stdin().lock()).with_context(|| t!("read-stdin-failed"))?;
    let (out, found) = why::answer(&pack.catalog, &text, &page_vars(ctx), ctx.paint);
    print!("{out}");
    Ok(if found {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn reset(ctx: &Ctx, args: &ResetArgs) -> Result<ExitCode> {
    let (store, _lock) = ctx.locked_store()?;
    let loaded = store.load();
    if args.all {
        if let Err(damage) = &loaded {
            // A damaged or newer file is never overwritten: put it aside.
            if !args.yes && !crate::wizard::confirm(&t!("reset-aside-question"))? {
                println!("Nothing was changed.");
                return Ok(ExitCode::SUCCESS);
            }
            let aside = store
                .path()
                .with_extension(format!("json.bak-{}", std::process::id()));
            std::fs::rename(store.path(), &aside)
                .with_context(|| format!("could not move {} aside", store.path().display()))?;
            println!(
                "{damage}\n{}",
                t!("reset-moved", path = aside.display().to_string())
            );
            return Ok(ExitCode::SUCCESS);
        }
    }
    let Some(mut progress) = loaded.map_err(|e| anyhow!("{e}"))? else {
        bail!(messages::no_profile(&ctx.profile));
    };
    let what = match &args.stage {
        Some(s) => t!("reset-what-stage", stage = s),
        None => t!("reset-what-all", profile = &ctx.profile),
    };
    if !args.yes && !crate::wizard::confirm(&t!("reset-question", what = &what))? {
        println!("{}", t!("reset-nothing"));
        return Ok(ExitCode::SUCCESS);
    }
    match &args.stage {
        Some(stage) => {
            let pack = ctx.pack()?;
            if !pack.stages().contains(stage) {
                bail!(
                    "There is no stage {stage:?}; the stages are: {}.",
                    pack.stages().join(", ")
                );
            }
            progress.stages.remove(stage);
            progress.current_stage = None;
            store.save(&progress).context("could not save progress")?;
        }
        None => {
            std::fs::remove_file(store.path())
                .with_context(|| format!("could not remove {}", store.path().display()))?;
        }
    }
    println!("{}", t!("reset-done", what = &what));
    Ok(ExitCode::SUCCESS)
}

fn lessons(ctx: &Ctx, lint: Option<PathBuf>) -> Result<ExitCode> {
    if let Some(dir) = lint {
        return match Pack::load_checked(Some(&dir), DEFAULT_LANG) {
            Ok(pack) => {
                println!(
                    "{}",
                    t!(
                        "lint-ok",
                        dir = crate::visible::path(&dir),
                        stages = pack.lessons.len(),
                        checks = pack.catalog.checks.len(),
                        diagnoses = pack.catalog.diagnoses.len()
                    )
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(errors) => {
                for e in &errors {
                    eprintln!("{e}");
                }
                eprintln!(
                    "{}",
                    t!(
                        "lint-errors",
                        count = errors.len(),
                        dir = crate::visible::path(&dir)
                    )
                );
                Ok(ExitCode::from(2))
            }
        };
    }
    let pack = ctx.pack()?;
    let paint = ctx.paint;
    for (i, l) in pack.lessons.iter().enumerate() {
        println!(
            "{:>2}. {:<10} {}",
            i + 1,
            paint.bold(&l.stage),
            report::fill(&l.title, &crate::profile::generic_vars())
        );
        let ids: Vec<&str> = pack
            .catalog
            .diagnoses
            .iter()
            .filter(|(d, _)| d.stage == l.stage)
            .map(|(d, _)| d.id.as_str())
            .collect();
        let (checks, diagnoses) = (t!("lessons-checks"), t!("lessons-diagnoses"));
        let width =
            console::measure_text_width(&checks).max(console::measure_text_width(&diagnoses));
        println!("    {} {}", i18n::pad(&checks, width), l.checks.join(", "));
        if !ids.is_empty() {
            println!("    {} {}", i18n::pad(&diagnoses, width), ids.join(", "));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `tutor export`: the learner's hand-in for the instructor, on stdout.
fn export(ctx: &Ctx) -> Result<ExitCode> {
    let store = ctx.store()?;
    let Some(progress) = ctx.load(&store)? else {
        bail!(messages::no_profile(&ctx.profile));
    };
    let pack = ctx.pack()?;
    let handin = crate::progress::handin::HandIn::from_progress(&progress, &pack.stages());
    println!("{}", crate::visible::json_pretty(&handin)?);
    Ok(ExitCode::SUCCESS)
}

/// `tutor ft`: the learner's functional tests against their server.
fn ft(ctx: &Ctx, args: &FtArgs) -> Result<ExitCode> {
    let store = ctx.store()?;
    let (progress, profile) = ctx.load_profile(&store)?;
    // The checks run after a failing test may be a pack's: same consent.
    let pack = ctx.pack_to_run(false)?;
    let opts = batch_options(args.accept_new_host_key, true);
    let req = crate::ft::Request {
        project: args.project.clone(),
        server: args.server.clone(),
        command: args.command.clone(),
        timeout: args.timeout,
        extra: args.args.clone(),
    };
    // The profile is not locked while the tests run (minutes): only to save.
    let session = crate::ft::session(
        &pack, &profile, &progress, &req, &opts, args.json, ctx.paint,
    )?;
    let (store, _lock) = ctx.locked_store()?;
    let (mut progress, _) = ctx.load_profile(&store)?;
    crate::ft::record(&mut progress, &session, &req);
    ctx.remember_lang(&mut progress);
    store.save(&progress).context("could not save progress")?;
    if args.json {
        println!("{}", crate::visible::json_pretty(&session.report)?);
    } else {
        print!("{}", session.text);
    }
    Ok(ExitCode::from(crate::ft::exit_code(&session.report)))
}
