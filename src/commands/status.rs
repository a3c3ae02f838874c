//! `tutor status`: the profile and where every stage stands, as text or
//! one JSON document.

use crate::context::Ctx;
use crate::i18n;
use crate::messages;
use crate::progress::StageStatus;
use crate::t;
use anyhow::{bail, Result};
use std::process::ExitCode;

pub(super) fn run(ctx: &Ctx, json: bool) -> Result<ExitCode> {
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
                // A hand-edited progress file may hold anything here.
                (t!("status-domain"), crate::visible::line(&a.domain)),
                (
                    t!("status-server"),
                    t!(
                        "status-server-value",
                        ip = crate::visible::line(&a.server_ip),
                        port = a.ssh_port
                    ),
                ),
                (t!("status-user"), crate::visible::line(&a.ssh_user)),
                (
                    t!("status-site"),
                    crate::visible::line(&a.site_dir_or_default()),
                ),
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
