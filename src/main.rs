//! `tutor`: parse the command line and hand over to the library.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // A bug must still end in one readable sentence, never a backtrace.
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        if what.contains("Broken pipe") {
            return; // the reader went away (e.g. `| head`): nothing to say
        }
        eprintln!(
            "tutor: internal error ({what}); your saved progress is safe. Please report this."
        );
    }));
    tutor::timing::start();
    let cli = tutor::cli::Cli::parse();
    let code = match tutor::commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("tutor: {e:#}");
            ExitCode::from(2)
        }
    };
    tutor::timing::record("main", tutor::timing::since_start(), "");
    code
}
