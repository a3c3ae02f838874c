//! `tutor why`: name the diagnosis that matches a pasted error message.
//!
//! The same catalog that the checks use lists, for each diagnosis, the
//! message patterns that identify it; so a learner who pastes `nginx -t`
//! output or a traceback lands on the same page a failed check shows.

use crate::catalog::Catalog;
use crate::messages;
use crate::report;
use crate::safe_file;
use crate::t;
use crate::template::Vars;
use crate::term::Paint;

/// How much of a paste is read: its end, where the error is. A terminal's
/// scrollback pasted whole is a few hundred kB; a stream piped in may be
/// endless.
const PASTE_KEEP: usize = 2 * 1024 * 1024;

/// The pasted text: the last [`PASTE_KEEP`] bytes of `input` (memory stays
/// bounded however much comes; a note on stderr says when the start was
/// left out), as UTF-8 with any other byte (a Latin-1 é, a cut character)
/// replaced by U+FFFD, so a message in it is still recognised.
pub(crate) fn read_pasted(input: impl std::io::Read) -> std::io::Result<String> {
    let (bytes, cut) = safe_file::read_tail(input, PASTE_KEEP)?;
    if cut {
        eprintln!(
            "{}",
            t!("why-tail-kept", mb = PASTE_KEEP as u64 / safe_file::MB)
        );
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pastes_are_read_lossily() {
        let text =
            read_pasted(&b"caf\xe9: connect() failed (111: Connection refused)\n"[..]).unwrap();
        assert_eq!(
            text,
            "caf\u{fffd}: connect() failed (111: Connection refused)\n"
        );
    }
}
