//! How one generated page points at another: links to stage chapters,
//! check sections, diagnosis pages and the reference, from where a page
//! sits (`DIR/<section>/<page>.md`).
//!
//! The link texts are the titles the terminal shows, so a reader who saw
//! "Stage 3: Log in to your server safely" in `tutor status` finds the same
//! words in the book.

use super::markdown::{anchor, code, link_text};
use crate::pack::Pack;
use crate::t;

/// From a generated page (`DIR/<section>/<page>.md`) to the book's `src`.
const BOOK_ROOT: &str = "../../";

/// The note under a page's title: values in angle brackets stand for the
/// reader's own, with a link to the section of "Getting started" that
/// lists them.
pub(super) fn values_note() -> String {
    let heading = t!("book-your-values");
    let link = format!(
        "[{heading}]({BOOK_ROOT}getting-started.md#{})",
        anchor(&heading)
    );
    format!("> {}\n\n", t!("book-values-note", link = link))
}

/// "Stage 3: Log in to your server safely", as a link label or heading.
pub(super) fn stage_label(number: usize, title: &str) -> String {
    t!("book-stage-link", number = number, title = link_text(title))
}

/// The link to the page of remote commands, from a generated page.
pub(super) fn remote_commands_link() -> String {
    format!(
        "[{}](../reference/remote-commands.md)",
        t!("book-remote-commands")
    )
}

/// The link from one generated page to a check's section in its stage chapter.
pub(super) fn check_link(pack: &Pack, id: &str, from_stages: bool) -> String {
    let dir = if from_stages { "" } else { "../stages/" };
    match pack.catalog.check(id) {
        Some(c) => format!("[{}]({dir}{}.md#{})", code(id), c.stage, anchor(id)),
        None => code(id),
    }
}

/// The link to a diagnosis page, its title and its id (what `tutor explain`
/// takes); `dir` leads from the linking page to the diagnosis pages.
pub(super) fn diagnosis_link(pack: &Pack, id: &str, dir: &str) -> String {
    match pack.catalog.diagnosis(id) {
        Some(d) => format!(
            "[{}]({dir}{}.md) ({})",
            link_text(&d.title),
            d.id,
            code(&d.id)
        ),
        None => code(id),
    }
}
