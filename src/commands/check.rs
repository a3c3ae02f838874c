//! `tutor check`: verify stages against the real server, without prompts;
//! `--wait` checks the dns stage again until the resolvers agree.

use super::batch_options;
use crate::catalog::Wait;
use crate::cli::CheckArgs;
use crate::context::Ctx;
use crate::engine::{self, Report, Run};
use crate::pack::Pack;
use crate::progress::{CheckRun, Progress};
use crate::report;
use crate::status::Status;
use crate::t;
use anyhow::{bail, Context, Result};
use std::process::ExitCode;
use std::time::{Duration, Instant};

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

pub(super) fn run(ctx: &Ctx, args: &CheckArgs) -> Result<ExitCode> {
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
    let all_pass = report
        .stages
        .iter()
        .all(|s| matches!(s.status, Status::Pass | Status::Retired));
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
        if matches!(result.status, Status::Pass | Status::Retired) || left.is_zero() {
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
