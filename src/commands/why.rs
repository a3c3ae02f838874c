//! `tutor why`: read an error message on stdin and name the diagnosis that
//! matches it.

use super::page_vars;
use crate::context::Ctx;
use crate::t;
use crate::why;
use anyhow::{Context, Result};
use std::process::ExitCode;

pub(super) fn run(ctx: &Ctx) -> Result<ExitCode> {
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
