//! The `cmd` probe: the check's own read-only command (`run = "..."`).

use super::{fact, CheckInput, Gather, Probe, Values};
use crate::profile::Profile;
use crate::remote::ssh::CommandOutput;
use crate::rules::Facts;
use crate::template;

pub static PROBE: Probe = Probe {
    name: "cmd",
    prefix: "cmd",
    facts: &[
        fact("exit", Values::Words("book-value-exit")),
        fact("output", Values::Words("book-value-text")),
        fact("first_line", Values::Words("book-value-text")),
        fact("last_line", Values::Words("book-value-text")),
    ],
    args: &[],
    gather: Gather::Remote { commands, read },
};

/// The check's command with the profile's values, shell-quoted.
fn commands(profile: &Profile, check: CheckInput<'_>) -> Result<Vec<String>, String> {
    let Some(run) = check.run else {
        return Ok(Vec::new());
    };
    template::render(run, &profile.shell_vars())
        .map(|c| vec![c])
        .map_err(|e| format!("the check's command is broken: {e}"))
}

fn read(_: &Profile, check: CheckInput<'_>, outputs: Option<&[CommandOutput]>) -> Facts {
    let mut f = Facts::new();
    if check.run.is_none() {
        return f;
    }
    // No login: checks that cannot do without one say
    // `requires = ["ssh.login"]` and never get here.
    let Some(out) = outputs.and_then(<[CommandOutput]>::first) else {
        f.insert("cmd.exit".into(), "no-login".into());
        return f;
    };
    f.insert("cmd.exit".into(), exit_word(out));
    let text = out.output.trim().to_string();
    f.insert(
        "cmd.first_line".into(),
        text.lines().next().unwrap_or("").to_string(),
    );
    f.insert(
        "cmd.last_line".into(),
        text.lines().last().unwrap_or("").to_string(),
    );
    f.insert("cmd.output".into(), text);
    f
}

/// How a command ended: its exit code, `timeout`, `signal TERM` or `none`.
#[must_use]
pub fn exit_word(out: &CommandOutput) -> String {
    if out.timed_out {
        "timeout".to_string()
    } else if let Some(sig) = &out.signal {
        format!("signal {sig}")
    } else {
        out.exit.map_or("none".to_string(), |c| c.to_string())
    }
}
