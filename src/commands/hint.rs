//! `tutor hint`: the next hint for the current stage (or the one named);
//! after the last hint, the solution.

use crate::context::Ctx;
use crate::t;
use anyhow::{bail, Context, Result};
use std::process::ExitCode;

pub(super) fn run(ctx: &Ctx, stage: Option<&str>) -> Result<ExitCode> {
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
        bail!(t!(
            "no-such-stage",
            stage = format!("{stage:?}"),
            stages = stages.join(", ")
        ));
    };
    let text = crate::hints::next_hint(&mut progress, lesson, &profile, ctx.paint);
    store.save(&progress).context("could not save progress")?;
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}
