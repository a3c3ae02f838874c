//! `tutor why`: name the diagnosis that matches a pasted error message.
//!
//! The same catalog that the checks use lists, for each diagnosis, the
//! message patterns that identify it; so a learner who pastes `nginx -t`
//! output or a traceback lands on the same page a failed check shows.

use crate::catalog::Catalog;
use crate::messages;
use crate::report;
use crate::t;
use crate::template::Vars;
use crate::term::Paint;

/// The text to print, and whether a diagnosis matched.
#[must_use]
pub(crate) fn answer(catalog: &Catalog, text: &str, vars: &Vars, paint: Paint) -> (String, bool) {
    let found = catalog.recognise(text, vars);
    let Some(best) = found.first() else {
        return (format!("{}\n", messages::why_no_match()), false);
    };
    let mut out = format!("{}\n\n", t!("why-looks-like", id = paint.bold(&best.id)));
    out.push_str(&report::diagnosis_page(best, vars, paint));
    if found.len() > 1 {
        let others: Vec<&str> = found[1..].iter().map(|d| d.id.as_str()).collect();
        out.push_str(&format!(
            "\n{}\n",
            paint.dim(&t!("why-also", ids = others.join(", ")))
        ));
    }
    (out, true)
}
