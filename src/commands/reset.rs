//! `tutor reset`: forget the progress of one stage, or the whole profile
//! (a damaged file is put aside, never overwritten).

use crate::cli::ResetArgs;
use crate::context::Ctx;
use crate::messages;
use crate::t;
use anyhow::{anyhow, bail, Context, Result};
use std::process::ExitCode;

pub(super) fn run(ctx: &Ctx, args: &ResetArgs) -> Result<ExitCode> {
    let (store, _lock) = ctx.locked_store()?;
    let loaded = store.load();
    if args.all {
        if let Err(damage) = &loaded {
            // A damaged or newer file is never overwritten: put it aside.
            if !args.yes && !crate::wizard::confirm(&t!("reset-aside-question"))? {
                println!("{}", t!("reset-nothing"));
                return Ok(ExitCode::SUCCESS);
            }
            let aside = store
                .path()
                .with_extension(format!("json.bak-{}", std::process::id()));
            std::fs::rename(store.path(), &aside)
                .with_context(|| format!("could not move {} aside", store.path().display()))?;
            println!(
                "{damage}\n{}",
                t!("reset-moved", path = aside.display().to_string())
            );
            return Ok(ExitCode::SUCCESS);
        }
    }
    let Some(mut progress) = loaded.map_err(|e| anyhow!("{e}"))? else {
        bail!(messages::no_profile(&ctx.profile));
    };
    let what = match &args.stage {
        Some(s) => t!("reset-what-stage", stage = s),
        None => t!("reset-what-all", profile = &ctx.profile),
    };
    if !args.yes && !crate::wizard::confirm(&t!("reset-question", what = &what))? {
        println!("{}", t!("reset-nothing"));
        return Ok(ExitCode::SUCCESS);
    }
    match &args.stage {
        Some(stage) => {
            let pack = ctx.pack()?;
            if !pack.stages().contains(stage) {
                bail!(t!(
                    "no-such-stage",
                    stage = format!("{stage:?}"),
                    stages = pack.stages().join(", ")
                ));
            }
            progress.stages.remove(stage);
            progress.current_stage = None;
            store.save(&progress).context("could not save progress")?;
        }
        None => {
            std::fs::remove_file(store.path())
                .with_context(|| format!("could not remove {}", store.path().display()))?;
        }
    }
    println!("{}", t!("reset-done", what = &what));
    Ok(ExitCode::SUCCESS)
}
