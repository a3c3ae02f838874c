//! `tutor export`: the learner's hand-in for the instructor, on stdout.

use crate::context::Ctx;
use crate::messages;
use anyhow::{bail, Result};
use std::process::ExitCode;

pub(super) fn run(ctx: &Ctx) -> Result<ExitCode> {
    let store = ctx.store()?;
    let Some(progress) = ctx.load(&store)? else {
        bail!(messages::no_profile(&ctx.profile));
    };
    let pack = ctx.pack()?;
    let handin = crate::progress::handin::HandIn::from_progress(&progress, &pack.stages());
    println!("{}", crate::visible::json_pretty(&handin)?);
    Ok(ExitCode::SUCCESS)
}
