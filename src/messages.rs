//! Longer sentences a learner reads, kept together so they are easy to find,
//! review and translate.

/// No profile saved yet.
#[must_use]
pub fn no_profile(profile: &str) -> String {
    format!(
        "There is no profile \"{profile}\" yet: run `tutor start` for the guided tour, or \
         `tutor init --domain D --server-ip IP --ssh-user U` to write it without questions."
    )
}

/// `start` / `continue` without a terminal.
pub const NEEDS_TTY: &str = "The guided tour needs a terminal to ask its questions; in a script, \
use `tutor init ...` to write the profile, `tutor check --all` to verify the server and \
`tutor status` to see where you are.";

/// After Ctrl-C or "quit" in the wizard.
#[must_use]
pub fn saved_resume(profile: &str) -> String {
    if profile == "staging" {
        "Your progress is saved. Pick up where you left off with `tutor continue`.".to_string()
    } else {
        format!(
            "Your progress is saved. Pick up where you left off with `tutor continue --profile {profile}`."
        )
    }
}

pub const WELCOME: &str = "Welcome to tutor. Together we will put your Django site on your own \
server, one stage at a time. You type the commands; after each stage I look at the real \
server (I only read, I never change anything) and tell you whether it worked, and if not, \
why and what to type.";

pub const ALL_DONE: &str = "Every stage passes: your site is deployed. Well done!";

pub const WHY_NO_MATCH: &str = "I do not recognise this message. Check that you pasted the whole \
error (the last lines of a traceback matter most), or run `tutor check` to let me look at the \
server myself.";
