//! `tutor explain`: the full page of one diagnosis.

use super::page_vars;
use crate::context::Ctx;
use crate::report;
use crate::t;
use anyhow::{bail, Result};
use std::process::ExitCode;

pub(super) fn run(ctx: &Ctx, id: &str) -> Result<ExitCode> {
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
