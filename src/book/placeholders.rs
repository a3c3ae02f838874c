//! How a placeholder reads in the book. The terminal fills `{domain}` with
//! the learner's value; the book has no values, so each placeholder becomes
//! a stand-in (`<domain>`), and a fact a check quotes (`{dev.listen_addr}`)
//! the stand-in `book.ftl` gives it (`<addresses>`).
//!
//! It sits below both `markdown` (which sets stand-ins as code) and
//! `probes` (which describes the facts in Markdown), so neither of those
//! needs the other for it.

use crate::probe::registry;
use crate::t;

/// The stand-in for placeholder `name`, in the language of the run.
pub(super) fn stand_in(name: &str) -> String {
    if name == "ssh" {
        return "ssh <user>@<domain>".to_string();
    }
    if registry::is_fact(name) {
        return t!(&format!("{}-shown", fact_id(name)));
    }
    format!("<{name}>")
}

/// The message id of a fact's meaning (`dev.listen_addr` →
/// `book-fact-dev-listen-addr`); its stand-in is that id plus `-shown`.
pub(super) fn fact_id(name: &str) -> String {
    format!("book-fact-{}", name.replace(['.', '_'], "-"))
}
