//! One function per subcommand. Each returns the exit code; errors are
//! one-sentence `anyhow` errors that `main` prints with exit code 2.

use crate::cli::{CheckArgs, Cli, Command, InitArgs, ResetArgs};
use crate::engine::{self, Options, Report, Run, Status};
use crate::i18n::{self, Lang};
use crate::messages;
use crate::pack::{Pack, DEFAULT_LANG};
use crate::profile::{self, Profile};
use crate::progress::{self, Answers, CheckRun, ProfileLock, Progress, StageStatus, Store};
use crate::report;
use crate::t;
use crate::term::Paint;
use crate::why;
use anyhow::{anyhow, bail, Context, Result};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// What every command needs: where state lives, which profile, which pack.
pub struct Ctx {
    pub state_dir: PathBuf,
    pub profile: String,
    pub lessons: Option<PathBuf>,
    pub paint: Paint,
    /// The language of this run, and whether the learner chose it explicitly
    /// (`--lang` or `TUTOR_LANG`), in which case it is saved in the profile.
    pub lang: Lang,
    pub lang_chosen: bool,
}

impl Ctx {
    pub fn from_cli(cli: &Cli) -> Result<Ctx> {
        if !progress::valid_profile_name(&cli.profile) {
            bail!(
                "{:?} is not a usable profile name: use up to 40 letters, digits, - and _ (e.g. staging, live).",
                cli.profile
            );
        }
        let state_dir = match &cli.state_dir {
            Some(d) => d.clone(),
            None => progress::default_state_dir()?,
        };
        // The profile's saved language, if any (a damaged file is reported
        // later by the command that reads it).
        let saved = saved_lang(&state_dir, &cli.profile);
        let (lang, lang_chosen) = i18n::resolve(cli.lang.as_deref(), saved.as_deref());
        i18n::set(lang);
        Ok(Ctx {
            state_dir,
            profile: cli.profile.clone(),
            lessons: cli.lessons.clone(),
            paint: Paint::new(cli.no_color),
            lang,
            lang_chosen,
        })
    }

    /// Save the language in the profile when the learner chose it.
    pub fn remember_lang(&self, progress: &mut Progress) {
        if let Some(a) = progress.answers.as_mut() {
            if self.lang_chosen || a.lang.is_none() {
                a.lang = Some(self.lang.code().to_string());
            }
        }
    }

    pub fn store(&self) -> Result<Store> {
        Store::open(&self.state_dir, &self.profile)
    }

    /// The store, locked for writing for as long as the guard lives.
    pub fn locked_store(&self) -> Result<(Store, ProfileLock)> {
        let store = self.store()?;
        let lock = store.lock().map_err(|e| anyhow!("{e}"))?;
        Ok((store, lock))
    }

    pub fn pack(&self) -> Result<Pack> {
        Pack::load(self.lessons.as_deref(), self.lang.code()).map_err(|errors| {
            let source = self
                .lessons
                .as_ref()
                .map_or(t!("pack-builtin"), |d| d.display().to_string());
            anyhow!(
                "{}\n{}",
                t!("pack-errors", source = source, count = errors.len()),
                errors.join("\n")
            )
        })
    }

    pub fn load(&self, store: &Store) -> Result<Option<Progress>> {
        store.load().map_err(|e| anyhow!("{e}"))
    }

    /// The saved progress with a complete, valid profile, or a sentence on
    /// how to make one.
    pub fn load_profile(&self, store: &Store) -> Result<(Progress, Profile)> {
        let progress = self.load(store)?;
        let Some(answers) = progress.as_ref().and_then(|p| p.answers.clone()) else {
            bail!(messages::no_profile(&self.profile));
        };
        let profile = Profile::new(&self.profile, &answers).map_err(|e| {
            anyhow!(t!(
                "profile-unusable-fix",
                profile = &self.profile,
                problem = e
            ))
        })?;
        Ok((progress.expect("answers came from it"), profile))
    }
}

/// The language saved in a profile, read without creating anything: the
/// choice must be known before the first message is printed.
fn saved_lang(state_dir: &std::path::Path, profile: &str) -> Option<String> {
    let text = std::fs::read_to_string(state_dir.join(format!("{profile}.json"))).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["answers"]["lang"].as_str().map(str::to_string)
}

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
        Command::Export => crate::class::export(&ctx),
        Command::BookSrc { out } => {
            crate::book::generate(&ctx.pack()?, &out)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Options for a run without prompts.
fn batch_options(accept_new_host_key: bool) -> Options<'static> {
    Options {
        accept_new_host_key,
        ..Options::default()
    }
}

/// Turn a stage result into a history entry and update the stage's status.
pub fn record(progress: &mut Progress, result: &engine::StageResult) {
    progress.record_run(CheckRun {
        time: progress::now_rfc3339(),
        stage: result.stage.clone(),
        status: result.status.as_str().to_string(),
        diagnoses: result.diagnoses(),
        duration_ms: result.duration_ms,
    });
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
    let pack = ctx.pack()?;
    let stages = requested_stages(&pack, &progress, args)?;
    ctx.remember_lang(&mut progress);
    let opts = batch_options(args.accept_new_host_key);
    let mut run = Run::new(&profile, &pack, &opts);
    run.prefetch(&stages);
    let mut report = Report {
        profile: ctx.profile.clone(),
        stages: Vec::new(),
    };
    for stage in &stages {
        let result = if stage == "dns" && args.wait {
            wait_for_dns(&mut run, args.timeout, args.json)
        } else {
            run.stage(stage)
        };
        record(&mut progress, &result);
        store.save(&progress).context("could not save progress")?;
        report.stages.push(result);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
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

/// Check DNS again and again until every resolver agrees or time runs out.
fn wait_for_dns(run: &mut Run<'_>, timeout: Duration, quiet: bool) -> engine::StageResult {
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
        let result = run.stage("dns");
        let (agree, total) = run.dns_agreement().unwrap_or((0, 1));
        bar.set_length(total.max(1) as u64);
        bar.set_position(agree as u64);
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
        run.forget_dns();
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
        resolvers: a.resolvers.clone(),
        live_domain: a.live_domain.clone(),
        repo_url: a.repo_url.clone(),
        gunicorn_socket: a.gunicorn_socket.clone(),
        lang: None,
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
    for r in &answers.resolvers {
        if engine::parse_resolver(r).is_none() {
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
        println!("{}", serde_json::to_string_pretty(&doc)?);
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
    let text = next_hint(&mut progress, lesson, &profile, ctx.paint);
    store.save(&progress).context("could not save progress")?;
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// The next rung of the hint ladder for `lesson` (hints, then the solution).
pub fn next_hint(
    progress: &mut Progress,
    lesson: &crate::lessons::Lesson,
    profile: &Profile,
    paint: Paint,
) -> String {
    let vars = profile.vars();
    let entry = progress.stage_mut(&lesson.stage);
    let used = entry.hints_used as usize;
    let total = lesson.hints.len();
    entry.hints_used = entry.hints_used.saturating_add(1).min(total as u32 + 1);
    if used < total {
        format!(
            "{}\n{}\n{}\n",
            paint.bold(&t!(
                "hint-heading",
                number = used + 1,
                total = total,
                stage = &lesson.stage
            )),
            report::markdown(&lesson.hints[used], &vars, paint).trim_end(),
            paint.dim(&if used + 1 < total {
                t!("hint-more")
            } else {
                t!("hint-last")
            })
        )
    } else {
        format!(
            "{}\n{}\n",
            paint.bold(&t!("solution-heading", stage = &lesson.stage)),
            report::markdown(&lesson.solution, &vars, paint).trim_end()
        )
    }
}

/// Values for pages: the profile's if one is saved and valid, else `<name>`.
fn page_vars(ctx: &Ctx) -> crate::template::Vars {
    ctx.store()
        .ok()
        .and_then(|s| s.load().ok().flatten())
        .and_then(|p| p.answers)
        .and_then(|a| Profile::new(&ctx.profile, &a).ok())
        .map_or_else(report::generic_vars, |p| p.vars())
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
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .with_context(|| t!("read-stdin-failed"))?;
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
                        dir = dir.display().to_string(),
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
                        dir = dir.display().to_string()
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
            report::fill(&l.title, &report::generic_vars())
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
