//! Sentences a learner reads outside lessons and diagnoses. The text itself
//! is in `i18n/<lang>/messages.ftl`; these functions name the messages so
//! callers cannot misspell an id.

use crate::t;

/// No profile saved yet.
#[must_use]
pub(crate) fn no_profile(profile: &str) -> String {
    t!("no-profile", profile = profile)
}

/// `start` / `continue` without a terminal.
#[must_use]
pub(crate) fn needs_tty() -> String {
    t!("needs-tty")
}

/// After Ctrl-C or "quit" in the wizard.
#[must_use]
pub(crate) fn saved_resume(profile: &str) -> String {
    let command = if profile == "staging" {
        "tutor continue".to_string()
    } else {
        format!("tutor continue --profile {profile}")
    };
    t!("saved-resume", command = command)
}

#[must_use]
pub(crate) fn welcome() -> String {
    t!("welcome")
}

#[must_use]
pub(crate) fn all_done() -> String {
    t!("all-done")
}

#[must_use]
pub(crate) fn why_no_match() -> String {
    t!("why-no-match")
}
