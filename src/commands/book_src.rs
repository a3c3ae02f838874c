//! `tutor book-src` (hidden): write the generated pages of the book into a
//! folder, for scripts/build-book.sh.

use crate::context::Ctx;
use anyhow::Result;
use std::path::Path;
use std::process::ExitCode;

pub(super) fn run(ctx: &Ctx, out: &Path) -> Result<ExitCode> {
    crate::book::generate(&ctx.pack()?, out)?;
    Ok(ExitCode::SUCCESS)
}
