//! `tutor ft`: the learner's functional tests against their server.

use super::batch_options;
use crate::cli::FtArgs;
use crate::context::Ctx;
use anyhow::{Context, Result};
use std::process::ExitCode;

pub(super) fn run(ctx: &Ctx, args: &FtArgs) -> Result<ExitCode> {
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
