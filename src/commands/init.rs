//! `tutor init`: write the profile without prompts (for scripts and
//! instructors), with the same checks as the wizard's questions.

use crate::cli::InitArgs;
use crate::context::Ctx;
use crate::profile::{self, Profile};
use crate::progress::Progress;
use crate::t;
use anyhow::{anyhow, bail, Context, Result};
use std::process::ExitCode;

pub(super) fn run(ctx: &Ctx, a: &InitArgs) -> Result<ExitCode> {
    let mut answers = (*a.answers).clone();
    // Absolute, so later runs from another folder find it.
    answers.ca = answers.ca.map(|p| std::fs::canonicalize(&p).unwrap_or(p));
    if let Some(p) = profile::domain_problem(&answers.domain) {
        bail!(t!("init-domain", problem = p));
    }
    Profile::new(&ctx.profile, &answers).map_err(|e| anyhow!("{e}"))?;
    if let Some(id) = &answers.identity {
        if !id.is_file() {
            bail!(t!("init-no-key", path = id.display().to_string()));
        }
    }
    if let Some(ca) = &answers.ca {
        if crate::remote::trust::read_ca_file(ca).is_err() {
            bail!(t!("init-bad-ca", path = ca.display().to_string()));
        }
    }
    for r in &answers.resolvers {
        if crate::probe::dns::parse_resolver(r).is_none() {
            bail!(t!("init-bad-resolver", value = format!("{r:?}")));
        }
    }
    let (store, _lock) = ctx.locked_store()?;
    let mut progress = ctx
        .load(&store)?
        .unwrap_or_else(|| Progress::new(&ctx.profile));
    progress.answers = Some(answers);
    ctx.remember_lang(&mut progress);
    store
        .save(&progress)
        .context("could not save the profile")?;
    println!(
        "{}",
        t!(
            "init-saved",
            profile = &ctx.profile,
            path = store.path().display().to_string()
        )
    );
    Ok(ExitCode::SUCCESS)
}
