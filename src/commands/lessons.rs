//! `tutor lessons`: list the stages and their checks, or validate a lesson
//! pack (`--lint DIR`).

use crate::context::Ctx;
use crate::i18n;
use crate::pack::{Pack, DEFAULT_LANG};
use crate::report;
use crate::t;
use anyhow::Result;
use std::path::PathBuf;
use std::process::ExitCode;

pub(super) fn run(ctx: &Ctx, lint: Option<PathBuf>) -> Result<ExitCode> {
    if let Some(dir) = lint {
        return match Pack::load_checked(Some(&dir), DEFAULT_LANG) {
            Ok(pack) => {
                println!(
                    "{}",
                    t!(
                        "lint-ok",
                        dir = crate::visible::path(&dir),
                        stages = pack.lessons.len(),
                        checks = pack.catalog.checks.len(),
                        diagnoses = pack.catalog.diagnoses.len()
                    )
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(errors) => {
                for e in &errors {
                    eprintln!("{e}");
                }
                eprintln!(
                    "{}",
                    t!(
                        "lint-errors",
                        count = errors.len(),
                        dir = crate::visible::path(&dir)
                    )
                );
                Ok(ExitCode::from(2))
            }
        };
    }
    let pack = ctx.pack()?;
    let paint = ctx.paint;
    for (i, l) in pack.lessons.iter().enumerate() {
        println!(
            "{:>2}. {:<10} {}",
            i + 1,
            paint.bold(&l.stage),
            report::fill(&l.title, &crate::profile::generic_vars())
        );
        let ids: Vec<&str> = pack
            .catalog
            .diagnoses
            .iter()
            .filter(|(d, _)| d.stage == l.stage)
            .map(|(d, _)| d.id.as_str())
            .collect();
        let (checks, diagnoses) = (t!("lessons-checks"), t!("lessons-diagnoses"));
        let width =
            console::measure_text_width(&checks).max(console::measure_text_width(&diagnoses));
        println!("    {} {}", i18n::pad(&checks, width), l.checks.join(", "));
        if !ids.is_empty() {
            println!("    {} {}", i18n::pad(&diagnoses, width), ids.join(", "));
        }
    }
    Ok(ExitCode::SUCCESS)
}
