//! Classroom features: the instructor's view of the whole room.
//!
//! - `tutor class check ROSTER`: the checks of `tutor check`, run against
//!   every learner's server at the same time ([`run`]), shown as one table
//!   learner × stage ([`table`]), optionally as a page to project ([`html`]).
//! - `tutor export`: a learner's progress without anything about their
//!   machine ([`handin`]); `tutor class summary FILE...` puts hand-ins in
//!   the same table with attempts and time per stage ([`summary`]).
//!
//! JSON of `class check --json` (`class summary --json` has the same shape
//! without `roster` and `checked`; its learner entries add `file`,
//! `profile` and per-stage `attempts` and `seconds`, and the document adds
//! `median_seconds` per stage):
//!
//! ```json
//! {"roster": "roster.toml", "checked": "2025-01-31T12:00:00Z",
//!  "stages": ["domain", "dns", ...],
//!  "learners": [{"name": "Ada", "domain": "ada.example.org", "furthest": "nginx",
//!                "stages": [{"stage": "domain", "status": "pass", "diagnoses": []}, ...]}],
//!  "furthest_counts": {"none": 1, "domain": 0, ...},
//!  "common_diagnoses": [["bad-gateway", 5], ...],
//!  "problems": ["roster.toml:12: learner \"Bo\": ..."]}
//! ```
//! `status` is pass, fail, error or skip (not reached); a hand-in may also
//! say skipped (the learner skipped the stage in the guided tour).

pub mod html;
pub mod roster;
pub mod run;
pub mod summary;
pub mod table;

use crate::cli::{ClassCheckArgs, ClassCommand, ClassSummaryArgs};
use crate::context::Ctx;
use crate::pack::Pack;
use crate::report;
use crate::t;
use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};
use table::{Cell, Row, Table};

/// `tutor class ...`
pub fn command(ctx: &Ctx, command: &ClassCommand) -> Result<ExitCode> {
    match command {
        ClassCommand::Check(args) => check(ctx, args),
        ClassCommand::Summary(args) => summary_cmd(ctx, args),
    }
}

/// The stages asked for, in lesson order; every stage when none is named.
fn select_stages(pack: &Pack, asked: &[String]) -> Result<Vec<String>> {
    let all = pack.stages();
    for s in asked {
        if !all.contains(s) {
            bail!(t!(
                "no-such-stage",
                stage = format!("{s:?}"),
                stages = all.join(", ")
            ));
        }
    }
    Ok(if asked.is_empty() {
        all
    } else {
        all.into_iter().filter(|s| asked.contains(s)).collect()
    })
}

/// Diagnosis id → title, with stand-ins for the learner's values.
fn diagnosis_titles(pack: &Pack) -> BTreeMap<String, String> {
    let vars = crate::profile::generic_vars();
    pack.catalog
        .diagnoses
        .iter()
        .map(|(d, _)| (d.id.clone(), report::fill(&d.title, &vars)))
        .collect()
}

fn check(ctx: &Ctx, args: &ClassCheckArgs) -> Result<ExitCode> {
    // A pack's own commands are listed once, for the instructor.
    let pack = ctx.pack_to_run(args.yes)?;
    let stages = select_stages(&pack, &args.stages)?;
    let roster = roster::load(&args.roster)?;
    for p in &roster.problems {
        eprintln!("{p}");
    }
    if roster.learners.is_empty() {
        bail!(t!(
            "class-no-learners",
            roster = args.roster.display().to_string()
        ));
    }
    let settings = run::Settings {
        jobs: usize::from(args.jobs),
        accept_new_host_key: args.accept_new_host_key,
        no_agent: args.no_agent,
    };
    let titles = diagnosis_titles(&pack);
    loop {
        let started = Instant::now();
        let results = check_with_bar(&roster.learners, &pack, &stages, &settings, args.json);
        let elapsed = started.elapsed();
        let checked = crate::progress::now_rfc3339();
        let table = table_of(&stages, &results);
        let subtitle = t!(
            "class-check-subtitle",
            roster = args.roster.display().to_string(),
            count = table.rows.len(),
            time = checked.as_str(),
            seconds = format!("{:.1}", elapsed.as_secs_f64())
        );
        if let Some(path) = &args.html {
            let page = html::page(
                &table,
                &html::Page {
                    title: &t!("class-check-title"),
                    subtitle: &subtitle,
                    refresh: args.watch,
                    titles: &titles,
                    footer: None,
                    notes: None,
                },
            );
            write_atomic(path, &page)?;
        }
        if args.json {
            let mut doc = table_json(&table, &roster.problems);
            doc["roster"] = json!(args.roster.display().to_string());
            doc["checked"] = json!(checked);
            for (entry, r) in doc["learners"]
                .as_array_mut()
                .into_iter()
                .flatten()
                .zip(&results)
            {
                entry["duration_ms"] = json!(r.duration_ms);
            }
            println!("{}", crate::visible::json_pretty(&doc)?);
        } else {
            let mut text = table::render(&table, &titles, ctx.paint);
            text.push('\n');
            text.push_str(&closing_line(&table, roster.problems.len(), ctx));
            text.push('\n');
            text.push_str(&ctx.paint.dim(&format!("{subtitle}\n")));
            if let Some(secs) = args.watch {
                let term = console::Term::stdout();
                if term.is_term() {
                    let _ = term.clear_screen();
                }
                print!("{text}");
                println!(
                    "{}",
                    ctx.paint.dim(&t!("class-watch-again", seconds = secs))
                );
                let _ = std::io::stdout().flush();
                for p in &roster.problems {
                    eprintln!("{p}");
                }
                std::thread::sleep(Duration::from_secs(secs));
                continue;
            }
            print!("{text}");
        }
        let ok = table.all_pass() && roster.problems.is_empty();
        return Ok(if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
}

/// Run the class with an indicatif bar on stderr (hidden when stderr is
/// not a terminal, and with --json).
fn check_with_bar(
    learners: &[roster::Learner],
    pack: &Pack,
    stages: &[String],
    settings: &run::Settings,
    quiet: bool,
) -> Vec<run::LearnerResult> {
    let bar = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(learners.len() as u64)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{bar:30}} {}  {{elapsed}}  {{wide_msg}}",
            t!("class-bar", done = "{pos}/{len}")
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(250));
    let done = |r: &run::LearnerResult| {
        bar.inc(1);
        bar.set_message(r.name.clone());
    };
    let results = run::check_class(learners, pack, stages, settings, &done);
    bar.finish_and_clear();
    results
}

/// Engine results → the class table.
#[must_use]
pub fn table_of(stages: &[String], results: &[run::LearnerResult]) -> Table {
    Table {
        stages: stages.to_vec(),
        rows: results
            .iter()
            .map(|r| {
                let cells: Vec<Cell> = r
                    .stages
                    .iter()
                    .map(|s| Cell::new(s.status.into(), s.diagnoses()))
                    .collect();
                let met = cells.iter().flat_map(|c| c.diagnoses.clone()).collect();
                Row {
                    name: r.name.clone(),
                    domain: r.domain.clone(),
                    cells,
                    met,
                }
            })
            .collect(),
    }
}

/// The JSON document of a table (see the module docs).
#[must_use]
pub fn table_json(table: &Table, problems: &[String]) -> Value {
    let learners: Vec<Value> = table
        .rows
        .iter()
        .map(|row| {
            let stages: Vec<Value> = table
                .stages
                .iter()
                .zip(&row.cells)
                .map(|(s, c)| {
                    json!({"stage": s, "status": c.mark.as_str(), "diagnoses": c.diagnoses})
                })
                .collect();
            json!({
                "name": row.name,
                "domain": row.domain,
                "stages": stages,
                "furthest": table.furthest(row),
            })
        })
        .collect();
    let counts: serde_json::Map<String, Value> = table
        .furthest_counts()
        .into_iter()
        .map(|(s, n)| (s, json!(n)))
        .collect();
    json!({
        "stages": table.stages,
        "learners": learners,
        "furthest_counts": counts,
        "common_diagnoses": table.common_diagnoses(),
        "problems": problems,
    })
}

fn closing_line(table: &Table, skipped: usize, ctx: &Ctx) -> String {
    let total = table.rows.len();
    let passing = table
        .rows
        .iter()
        .filter(|r| r.cells.iter().all(|c| c.mark == table::Mark::Pass))
        .count();
    let mut line = if passing == total {
        ctx.paint.good(&t!("class-closing-all-pass", count = total))
    } else {
        t!("class-closing-some-pass", count = total, passing = passing)
    };
    if skipped > 0 {
        line.push(' ');
        line.push_str(
            &ctx.paint
                .warn(&t!("class-closing-skipped", count = skipped)),
        );
    }
    line
}

fn summary_cmd(ctx: &Ctx, args: &ClassSummaryArgs) -> Result<ExitCode> {
    let pack = ctx.pack()?;
    let order = pack.stages();
    let (entries, problems) = read_handins(&args.files, &order);
    if entries.is_empty() {
        bail!(t!("class-no-handins", count = args.files.len()));
    }
    let stages = summary_stages(order, &entries);
    let s = summary::summarize(&entries, &stages);
    let titles = diagnosis_titles(&pack);
    let medians = summary::median_times(&s);
    if let Some(path) = &args.html {
        write_atomic(path, &summary_page(&s, &entries, &titles, &medians))?;
    }
    if args.json {
        let doc = summary_json(&s, &entries, &stages, &medians, &problems);
        println!("{}", crate::visible::json_pretty(&doc)?);
    } else {
        print!("{}", table::render(&s.table, &titles, ctx.paint));
        let parts: Vec<String> = stages
            .iter()
            .zip(&medians)
            .filter_map(|(s, m)| m.map(|m| format!("{s} {}", table::short_duration(m))))
            .collect();
        println!("\n{}", ctx.paint.dim(&t!("class-summary-cells")));
        print!("{}", ft_lines(&entries, ctx));
        if !parts.is_empty() {
            println!("{}", t!("class-median-line", times = parts.join(" · ")));
        }
    }
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The hand-ins that can be read, each named after its file; the others'
/// problems, also printed to stderr as they are found.
fn read_handins(files: &[PathBuf], order: &[String]) -> (Vec<summary::Entry>, Vec<String>) {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for file in files {
        match crate::progress::handin::read(file, order) {
            Ok(h) => entries.push(summary::Entry {
                name: crate::progress::handin::learner_name(file),
                file: crate::visible::path(file),
                handin: h,
            }),
            Err(e) => {
                eprintln!("{e}");
                problems.push(e);
            }
        }
    }
    (entries, problems)
}

/// The pack's stages, then those a hand-in knows but this pack does not
/// (another lesson pack): they still get a column.
fn summary_stages(order: Vec<String>, entries: &[summary::Entry]) -> Vec<String> {
    let mut stages = order;
    for e in entries {
        for s in e.handin.stages.keys() {
            if !stages.contains(s) {
                stages.push(s.clone());
            }
        }
    }
    stages
}

/// The summary as a page (`--html`): the table, the median times under
/// it, and the learners' last functional-test runs.
fn summary_page(
    s: &summary::Summary,
    entries: &[summary::Entry],
    titles: &BTreeMap<String, String>,
    medians: &[Option<u64>],
) -> String {
    let median_texts: Vec<String> = medians
        .iter()
        .map(|m| m.map(table::short_duration).unwrap_or_default())
        .collect();
    let subtitle = t!(
        "class-summary-subtitle",
        count = entries.len(),
        time = crate::progress::now_rfc3339()
    );
    let median_label = t!("class-median-label");
    let ft_heading = t!(
        "class-ft-heading",
        green = entries
            .iter()
            .filter_map(|e| summary::last_ft(&e.handin))
            .filter(|r| r.status == crate::status::Status::Pass)
            .count(),
        count = entries.len()
    );
    let ft_notes: Vec<String> = entries
        .iter()
        .filter_map(|e| {
            summary::last_ft(&e.handin).map(|r| {
                format!(
                    "{}: {} ({} {})",
                    e.name,
                    summary::ft_text(r),
                    r.target,
                    r.time
                )
            })
        })
        .collect();
    html::page(
        &s.table,
        &html::Page {
            title: &t!("class-summary-title"),
            subtitle: &subtitle,
            refresh: None,
            titles,
            footer: Some((&median_label, median_texts)),
            notes: (!ft_notes.is_empty()).then_some((ft_heading.as_str(), ft_notes)),
        },
    )
}

/// `class summary --json`: the document of `class check --json` (without
/// `roster` and `checked`), each learner with its file, profile, last
/// functional-test run and per-stage attempts and seconds, and the median
/// seconds per stage.
fn summary_json(
    s: &summary::Summary,
    entries: &[summary::Entry],
    stages: &[String],
    medians: &[Option<u64>],
    problems: &[String],
) -> Value {
    let mut doc = table_json(&s.table, problems);
    for ((entry, e), stats) in doc["learners"]
        .as_array_mut()
        .into_iter()
        .flatten()
        .zip(entries)
        .zip(&s.stats)
    {
        entry["file"] = json!(e.file);
        entry["profile"] = json!(e.handin.profile);
        entry["ft"] = summary::last_ft(&e.handin).map_or(Value::Null, ft_json);
        for (stage, st) in entry["stages"]
            .as_array_mut()
            .into_iter()
            .flatten()
            .zip(stats)
        {
            stage["attempts"] = json!(st.attempts);
            stage["seconds"] = json!(st.seconds);
        }
    }
    let medians: serde_json::Map<String, Value> = stages
        .iter()
        .zip(medians)
        .map(|(s, m)| (s.clone(), json!(m)))
        .collect();
    doc["median_seconds"] = Value::Object(medians);
    doc
}

/// A learner's last functional-test run in the summary's JSON.
fn ft_json(run: &crate::progress::FtRun) -> Value {
    json!({
        "status": run.status,
        "time": run.time,
        "target": run.target,
        "tests": run.tests,
        "failures": run.failures,
        "errors": run.errors,
        "diagnoses": run.diagnoses,
    })
}

/// `Functional tests (tutor ft), last run:` then one line per learner who
/// ran them: who has green FTs against their own server.
fn ft_lines(entries: &[summary::Entry], ctx: &Ctx) -> String {
    let runs: Vec<(&str, &crate::progress::FtRun)> = entries
        .iter()
        .filter_map(|e| summary::last_ft(&e.handin).map(|r| (e.name.as_str(), r)))
        .collect();
    if runs.is_empty() {
        return String::new();
    }
    let green = runs
        .iter()
        .filter(|(_, r)| r.status == crate::status::Status::Pass)
        .count();
    let mut out = format!(
        "\n{}\n",
        ctx.paint.bold(&t!(
            "class-ft-heading",
            green = green,
            count = entries.len()
        ))
    );
    let w = runs
        .iter()
        .map(|(n, _)| console::measure_text_width(n))
        .max()
        .unwrap_or(0);
    for (name, run) in runs {
        let cell = summary::ft_text(run);
        let cell = if run.status == crate::status::Status::Pass {
            ctx.paint.good(&cell)
        } else {
            ctx.paint.bad(&cell)
        };
        out.push_str(&format!(
            "  {}  {cell}  {}\n",
            crate::i18n::pad(name, w),
            ctx.paint.dim(&format!("{} {}", run.target, run.time))
        ));
    }
    out
}

/// Write `text` to `path` crash-safely ([`crate::atomic_file`]),
/// so a browser reloading the page never sees half of it and a file or
/// symlink planted at the temp name is never followed.
fn write_atomic(path: &Path, text: &str) -> Result<()> {
    let name = path
        .file_name()
        .map_or_else(|| "class.html".into(), |n| n.to_string_lossy().into_owned());
    crate::atomic_file::replace(path, &format!(".{name}.tmp-"), text.as_bytes(), 0o644)
        .with_context(|| t!("class-html-write-failed", path = path.display().to_string()))
}
