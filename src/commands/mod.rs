//! One module per subcommand, each with its `run`; what several of them
//! share is here. Each `run` returns the exit code; errors are
//! one-sentence `anyhow` errors that `main` prints with exit code 2.

mod book_src;
mod check;
mod explain;
mod export;
mod ft;
mod hint;
mod init;
mod lessons;
mod reset;
mod status;
mod why;

use crate::cli::{Cli, Command};
use crate::context::Ctx;
use crate::engine::Options;
use crate::profile::Profile;
use anyhow::Result;
use std::process::ExitCode;

/// Run the command line; Err means a usage or input error (exit 2).
pub fn run(cli: Cli) -> Result<ExitCode> {
    let ctx = Ctx::from_cli(&cli)?;
    match cli.command {
        Command::Start => crate::wizard::start(&ctx),
        Command::Continue => crate::wizard::resume(&ctx),
        Command::Status { json } => status::run(&ctx, json),
        Command::Check(args) => check::run(&ctx, &args),
        Command::Init(args) => init::run(&ctx, &args),
        Command::Hint { stage } => hint::run(&ctx, stage.as_deref()),
        Command::Explain { id } => explain::run(&ctx, &id),
        Command::Why => why::run(&ctx),
        Command::Reset(args) => reset::run(&ctx, &args),
        Command::Lessons { lint } => lessons::run(&ctx, lint),
        Command::Class { command } => crate::class::command(&ctx, &command),
        Command::Export => export::run(&ctx),
        Command::Ft(args) => ft::run(&ctx, &args),
        Command::BookSrc { out } => book_src::run(&ctx, &out),
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

/// Values for pages: the profile's if one is saved and valid, else `<name>`.
fn page_vars(ctx: &Ctx) -> crate::template::Vars {
    ctx.store()
        .ok()
        .and_then(|s| s.load().ok().flatten())
        .and_then(|p| p.answers)
        .and_then(|a| Profile::new(&ctx.profile, &a).ok())
        .map_or_else(crate::profile::generic_vars, |p| p.vars())
}
