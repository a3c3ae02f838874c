//! The "symptoms" of a diagnosis: its `tutor why` message patterns read as
//! the messages they match, for the diagnosis pages and the symptom index.
//!
//! A reader searches the book for the error on their screen, not for a
//! regex, so `Failed to connect to \S+ port 8000\b` is shown as
//! "Failed to connect to … port 8000". The pattern is read with
//! `regex-syntax`'s parser (the same one `tutor why` compiles it with), and
//! its syntax tree is turned into text: literals stay, any-text becomes
//! `…`, a number `N`, alternatives are spelled out, and what matches no
//! character (anchors, word boundaries, flags) vanishes.

use regex_syntax::ast::{
    parse::Parser, Ast, ClassBracketed, ClassPerlKind, ClassSet, ClassSetItem, RepetitionKind,
};

/// At most this many readable forms per pattern; beyond, alternatives are joined with " / ".
const MAX_FORMS: usize = 8;

/// Any text, as a reader sees it in a message.
const ANY: &str = "…";

/// Readable forms of a `tutor why` pattern, for people and for searching:
/// regex syntax is removed, any text shows as `…`, a number as `N`, and
/// alternatives are spelled out (a few at most). A pattern that does not
/// parse (lint reports it) is shown as it is.
#[must_use]
pub(crate) fn symptoms(pattern: &str) -> Vec<String> {
    let forms = match Parser::new().parse(pattern) {
        Ok(ast) => alternatives(&ast),
        Err(_) => Vec::new(),
    };
    let mut out: Vec<String> = Vec::new();
    for f in forms {
        let tidy = tidy(&f);
        if !tidy.is_empty() && !out.contains(&tidy) {
            out.push(tidy);
        }
    }
    if out.is_empty() {
        out.push(pattern.to_string());
    }
    out
}

/// One space for every run of whitespace, one `…` for a run of them, no
/// space at the ends: `\s*Active:` and `\S+\s+\S+` read cleanly.
fn tidy(s: &str) -> String {
    let mut out = String::new();
    let mut last = None;
    for c in s.chars() {
        let repeat = (c.is_whitespace() && last.is_none_or(char::is_whitespace))
            || (c == '…' && last == Some('…'));
        if repeat {
            continue;
        }
        out.push(if c.is_whitespace() { ' ' } else { c });
        last = Some(c);
    }
    out.trim().to_string()
}

/// The forms of a whole expression (the pattern, or a group's inside):
/// those of each alternative, one after the other.
fn alternatives(ast: &Ast) -> Vec<String> {
    match ast {
        Ast::Alternation(alt) => alt.asts.iter().flat_map(sequence).collect(),
        other => sequence(other),
    }
}

/// The forms of a sequence of pieces: every combination of their forms,
/// in order; a single piece is a sequence of one.
fn sequence(ast: &Ast) -> Vec<String> {
    let items = match ast {
        Ast::Concat(concat) => concat.asts.as_slice(),
        other => std::slice::from_ref(other),
    };
    let mut pieces: Vec<Vec<String>> = items.iter().filter_map(quantified).collect();
    // Too many combinations: join the widest piece's alternatives instead.
    loop {
        let product = pieces
            .iter()
            .try_fold(1usize, |acc, p| acc.checked_mul(p.len().max(1)));
        if product.is_some_and(|p| p <= MAX_FORMS) {
            break;
        }
        let Some(widest) = pieces
            .iter_mut()
            .filter(|p| p.len() > 1)
            .max_by_key(|p| p.len())
        else {
            break;
        };
        let joined = widest
            .iter()
            .filter(|f| !f.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(" / ");
        *widest = vec![joined];
    }
    let mut forms = vec![String::new()];
    for piece in pieces {
        let mut next = Vec::new();
        for f in &forms {
            for alt in &piece {
                next.push(format!("{f}{alt}"));
            }
        }
        forms = next;
    }
    forms
}

/// How one piece of a pattern reads.
struct Piece {
    /// Its forms once (`(a|b)` has two).
    forms: Vec<String>,
    /// How it reads repeated, when that differs from `forms`: `\S` and
    /// `[abc]` are one character, `\S+` and `[abc]+` any text (`…`).
    repeated: Option<String>,
}

impl Piece {
    fn text(s: &str) -> Self {
        Piece {
            forms: vec![s.to_string()],
            repeated: None,
        }
    }

    /// A class of characters that reads the same once and repeated (`\d`
    /// and `\d+` are both a number, `N`).
    fn class(s: &str) -> Self {
        Piece {
            forms: vec![s.to_string()],
            repeated: Some(s.to_string()),
        }
    }
}

/// A piece's forms with its repetition applied, or `None` for what matches
/// no character.
///
/// `*`, `+` and `{n,m}` read as the piece repeated. `?` spells out both
/// readings (`(\.\d+)?`: "" and ".N"), except for a piece of one character
/// or any text (`https?`, `/?`, `\s?`): it reads as present, since the
/// form without it says nothing new and doubles the list.
fn quantified(ast: &Ast) -> Option<Vec<String>> {
    let Ast::Repetition(rep) = ast else {
        return piece(ast).map(|p| p.forms);
    };
    let p = piece(&rep.ast)?;
    Some(match rep.op.kind {
        RepetitionKind::ZeroOrOne
            if p.repeated.is_none() && p.forms.iter().any(|f| f.chars().count() > 1) =>
        {
            std::iter::once(String::new()).chain(p.forms).collect()
        }
        RepetitionKind::ZeroOrOne => p.forms,
        RepetitionKind::ZeroOrMore | RepetitionKind::OneOrMore | RepetitionKind::Range(_) => {
            p.repeated.map_or(p.forms, |r| vec![r])
        }
    })
}

/// How one piece reads, or `None` for what matches no character (anchors,
/// word boundaries, flags, an empty alternative).
fn piece(ast: &Ast) -> Option<Piece> {
    match ast {
        Ast::Empty(_) | Ast::Flags(_) | Ast::Assertion(_) => None,
        // `\.` and `\(` are their character; `\n` and `\t` become spaces in `tidy`.
        Ast::Literal(lit) => Some(Piece::text(&lit.c.to_string())),
        // A lone dot is one character: in these messages a quote or an
        // apostrophe (`can.t`, `.git.`). Repeated, it is any text.
        Ast::Dot(_) => Some(Piece {
            forms: vec!["'".into()],
            repeated: Some(ANY.into()),
        }),
        Ast::ClassPerl(class) => Some(match (&class.kind, class.negated) {
            (ClassPerlKind::Digit, false) => Piece::class("N"),
            (ClassPerlKind::Space, false) => Piece::class(" "),
            _ => Piece::class(ANY),
        }),
        Ast::ClassUnicode(_) => Some(Piece::class(ANY)),
        Ast::ClassBracketed(class) => Some(match listed_char(class) {
            Some(c) => Piece {
                forms: vec![c.to_string()],
                repeated: Some(ANY.into()),
            },
            None => Piece::class(ANY),
        }),
        Ast::Repetition(_) => quantified(ast).map(|forms| Piece {
            forms,
            repeated: None,
        }),
        Ast::Group(group) => Some(Piece {
            forms: alternatives(&group.ast),
            repeated: None,
        }),
        Ast::Alternation(_) | Ast::Concat(_) => Some(Piece {
            forms: alternatives(ast),
            repeated: None,
        }),
    }
}

/// The first character of a class that only lists characters (`[.,]` →
/// `.`), or `None` for one that is negated or holds a range or a named
/// class (`[^\n]`, `[a-z]`, `[\w.-]`): that one reads as any text.
fn listed_char(class: &ClassBracketed) -> Option<char> {
    if class.negated {
        return None;
    }
    let items = match &class.kind {
        ClassSet::Item(ClassSetItem::Union(union)) => union.items.as_slice(),
        ClassSet::Item(item) => std::slice::from_ref(item),
        ClassSet::BinaryOp(_) => return None,
    };
    let mut chars = Vec::new();
    for item in items {
        match item {
            ClassSetItem::Literal(lit) => chars.push(lit.c),
            _ => return None,
        }
    }
    chars.first().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symptoms_read_like_messages() {
        assert_eq!(symptoms(r"DisallowedHost\s+at /"), ["DisallowedHost at /"]);
        assert_eq!(symptoms("Welcome to nginx!"), ["Welcome to nginx!"]);
        assert_eq!(
            symptoms(r"curl: \(7\) Failed to connect to \S+ port 8000\b"),
            ["curl: (7) Failed to connect to … port 8000"]
        );
        assert_eq!(
            symptoms(r"Starting development server at http://(127\.0\.0\.1|localhost|\[::1\]):"),
            [
                "Starting development server at http://127.0.0.1:",
                "Starting development server at http://localhost:",
                "Starting development server at http://[::1]:"
            ]
        );
        assert_eq!(
            symptoms(r"server can.t find \S+: NXDOMAIN"),
            ["server can't find …: NXDOMAIN"]
        );
        assert_eq!(
            symptoms(r"(?m)^\s*Active: (inactive|failed)"),
            ["Active: inactive", "Active: failed"]
        );
        assert_eq!(
            symptoms(r"You have \d+ unapplied migration\(s\)"),
            ["You have N unapplied migration(s)"]
        );
        assert_eq!(
            symptoms(r"python3(\.\d+)?: (command )?not found"),
            [
                "python3: not found",
                "python3: command not found",
                "python3.N: not found",
                "python3.N: command not found"
            ]
        );
        assert_eq!(symptoms(r"(?m)^root@[\w.-]+:[^\n#$]*#"), ["root@…:…#"]);
        assert_eq!(
            symptoms(r"Command .git. not found"),
            ["Command 'git' not found"]
        );
        assert!(symptoms(r"connect to host \S+ port \d+: (a|b|c|d|e|f|g|h|i)").len() == 1);
    }
}
