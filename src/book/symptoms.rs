//! The "symptoms" of a diagnosis: its `tutor why` message patterns as the
//! messages they match read, for the diagnosis pages and the symptom index.

/// At most this many readable forms per pattern; beyond, alternatives are joined with " / ".
const MAX_FORMS: usize = 8;

/// Readable forms of a `tutor why` pattern, for people and for searching:
/// regex syntax is removed, any text shows as `…`, a number as `N`, and
/// alternatives are spelled out (a few at most).
#[must_use]
pub fn symptoms(pattern: &str) -> Vec<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut pos = 0;
    let forms = parse_alt(&chars, &mut pos);
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

fn tidy(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let last = out.chars().last();
        let repeat = (c.is_whitespace() && last.is_none_or(char::is_whitespace))
            || (c == '…' && last == Some('…'));
        if repeat {
            continue;
        }
        out.push(if c.is_whitespace() { ' ' } else { c });
    }
    out.trim().to_string()
}

/// Alternatives separated by `|`, up to `)` or the end.
fn parse_alt(chars: &[char], pos: &mut usize) -> Vec<String> {
    let mut forms = parse_seq(chars, pos);
    while *pos < chars.len() && chars[*pos] == '|' {
        *pos += 1;
        forms.extend(parse_seq(chars, pos));
    }
    forms
}

/// One atom's possible readings, and whether it stands for "any text".
struct Atom {
    forms: Vec<String>,
    /// Repeated, it reads as this (e.g. `…` for `\S+`).
    repeated: Option<String>,
}

fn parse_seq(chars: &[char], pos: &mut usize) -> Vec<String> {
    let mut atoms: Vec<Vec<String>> = Vec::new();
    while *pos < chars.len() && chars[*pos] != '|' && chars[*pos] != ')' {
        let Some(atom) = parse_atom(chars, pos) else {
            continue;
        };
        let quant = chars.get(*pos).copied();
        let forms = match quant {
            Some('?') => {
                *pos += 1;
                if atom.repeated.is_some() || atom.forms.iter().all(|f| f.chars().count() <= 1) {
                    atom.forms
                } else {
                    let mut v = vec![String::new()];
                    v.extend(atom.forms);
                    v
                }
            }
            Some('*' | '+') => {
                *pos += 1;
                match atom.repeated {
                    Some(r) => vec![r],
                    None => atom.forms,
                }
            }
            Some('{') => {
                while *pos < chars.len() && chars[*pos] != '}' {
                    *pos += 1;
                }
                *pos += 1;
                match atom.repeated {
                    Some(r) => vec![r],
                    None => atom.forms,
                }
            }
            _ => atom.forms,
        };
        if chars.get(*pos) == Some(&'?') {
            *pos += 1; // lazy quantifier
        }
        atoms.push(forms);
    }
    // Too many combinations: join the widest atom's alternatives instead.
    loop {
        let product = atoms
            .iter()
            .try_fold(1usize, |acc, a| acc.checked_mul(a.len().max(1)));
        if product.is_some_and(|p| p <= MAX_FORMS) {
            break;
        }
        let Some(widest) = atoms
            .iter_mut()
            .filter(|a| a.len() > 1)
            .max_by_key(|a| a.len())
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
    for a in atoms {
        let mut next = Vec::new();
        for f in &forms {
            for alt in &a {
                next.push(format!("{f}{alt}"));
            }
        }
        forms = next;
    }
    forms
}

fn parse_atom(chars: &[char], pos: &mut usize) -> Option<Atom> {
    let c = chars[*pos];
    *pos += 1;
    let any = |s: &str| Atom {
        forms: vec![s.to_string()],
        repeated: Some(s.to_string()),
    };
    let lit = |s: &str| Atom {
        forms: vec![s.to_string()],
        repeated: None,
    };
    match c {
        '^' | '$' => None,
        '(' => {
            if chars.get(*pos) == Some(&'?') {
                // (?flags) or (?flags:...) or (?:...)
                let mut k = *pos + 1;
                while chars
                    .get(k)
                    .is_some_and(|c| c.is_ascii_alphabetic() || *c == '-')
                {
                    k += 1;
                }
                match chars.get(k) {
                    Some(')') => {
                        *pos = k + 1;
                        return None;
                    }
                    Some(':') => *pos = k + 1,
                    _ => *pos = k,
                }
            }
            let forms = parse_alt(chars, pos);
            if chars.get(*pos) == Some(&')') {
                *pos += 1;
            }
            Some(Atom {
                forms,
                repeated: None,
            })
        }
        '[' => {
            let start = *pos;
            let mut k = *pos;
            if chars.get(k) == Some(&'^') {
                k += 1;
            }
            if chars.get(k) == Some(&']') {
                k += 1;
            }
            while k < chars.len() && chars[k] != ']' {
                if chars[k] == '\\' {
                    k += 1;
                }
                k += 1;
            }
            let class: String = chars[start..k.min(chars.len())].iter().collect();
            *pos = (k + 1).min(chars.len());
            let simple = !class.starts_with('^')
                && !class.contains('\\')
                && !class.contains('-')
                && !class.is_empty();
            if simple {
                let first = class.chars().next().map(String::from).unwrap_or_default();
                Some(Atom {
                    forms: vec![first],
                    repeated: Some("…".into()),
                })
            } else {
                Some(any("…"))
            }
        }
        '.' => {
            let next = chars.get(*pos).copied();
            if matches!(next, Some('*' | '+' | '{')) {
                Some(any("…"))
            } else {
                // A lone dot is one character: in these messages a quote or apostrophe.
                Some(lit("'"))
            }
        }
        '\\' => {
            let e = chars.get(*pos).copied().unwrap_or('\\');
            *pos += 1;
            match e {
                'b' | 'B' | 'A' | 'z' | 'Z' | 'G' => None,
                's' | 'n' | 't' | 'r' => Some(Atom {
                    forms: vec![" ".into()],
                    repeated: Some(" ".into()),
                }),
                'd' => Some(any("N")),
                'S' | 'w' | 'W' | 'D' => Some(any("…")),
                other => Some(lit(&other.to_string())),
            }
        }
        other => Some(lit(&other.to_string())),
    }
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
