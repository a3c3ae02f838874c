//! `{name}` placeholders in lessons, fixes and remote commands.
//!
//! One small format shared by every data file: `{name}` is replaced, `{{` and
//! `}}` stand for literal braces. Lint uses [`placeholders`] to reject
//! unknown names before a learner ever sees a half-filled command.

use std::collections::BTreeMap;
use std::fmt;

/// Values for placeholders, by name.
pub type Vars = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    /// `{name}` with no value.
    Unknown { name: String, line: usize },
    /// A `{` that is never closed, or a lone `}`.
    Unbalanced { line: usize },
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateError::Unknown { name, line } => {
                write!(f, "line {line}: unknown placeholder {{{name}}}")
            }
            TemplateError::Unbalanced { line } => write!(
                f,
                "line {line}: unbalanced brace (write {{{{ or }}}} for a literal brace)"
            ),
        }
    }
}

impl std::error::Error for TemplateError {}

enum Piece<'a> {
    Text(&'a str),
    Name(&'a str, usize),
}

fn pieces(template: &str) -> Result<Vec<Piece<'_>>, TemplateError> {
    let mut out = Vec::new();
    let bytes = template.as_bytes();
    let (mut i, mut start, mut line) = (0, 0, 1);
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => line += 1,
            b'{' if bytes.get(i + 1) == Some(&b'{') => {
                out.push(Piece::Text(&template[start..=i]));
                i += 2;
                start = i;
                continue;
            }
            b'}' if bytes.get(i + 1) == Some(&b'}') => {
                out.push(Piece::Text(&template[start..=i]));
                i += 2;
                start = i;
                continue;
            }
            b'{' => {
                let close = template[i + 1..]
                    .find(['}', '{', '\n'])
                    .map(|k| i + 1 + k)
                    .filter(|&k| bytes[k] == b'}')
                    .ok_or(TemplateError::Unbalanced { line })?;
                let name = &template[i + 1..close];
                let valid = !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
                if !valid {
                    return Err(TemplateError::Unbalanced { line });
                }
                out.push(Piece::Text(&template[start..i]));
                out.push(Piece::Name(name, line));
                i = close + 1;
                start = i;
                continue;
            }
            b'}' => return Err(TemplateError::Unbalanced { line }),
            _ => {}
        }
        i += 1;
    }
    out.push(Piece::Text(&template[start..]));
    Ok(out)
}

/// Fill `template` using `lookup` for each name.
pub fn render_with(
    template: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len());
    for piece in pieces(template)? {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Name(name, line) => match lookup(name) {
                Some(v) => out.push_str(&v),
                None => {
                    return Err(TemplateError::Unknown {
                        name: name.to_string(),
                        line,
                    })
                }
            },
        }
    }
    Ok(out)
}

/// Fill `template` from `vars`.
pub fn render(template: &str, vars: &Vars) -> Result<String, TemplateError> {
    render_with(template, |name| vars.get(name).cloned())
}

/// Every placeholder name used in `template`, with its line (1-based).
pub fn placeholders(template: &str) -> Result<Vec<(String, usize)>, TemplateError> {
    Ok(pieces(template)?
        .into_iter()
        .filter_map(|p| match p {
            Piece::Name(n, line) => Some((n.to_string(), line)),
            Piece::Text(_) => None,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vars {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn fills_names_and_keeps_doubled_braces() {
        let v = vars(&[("domain", "a.example"), ("dev_port", "8000")]);
        assert_eq!(
            render("server {{ server_name {domain}; }} :{dev_port}", &v).unwrap(),
            "server { server_name a.example; } :8000"
        );
    }

    #[test]
    fn reports_unknown_and_unbalanced_with_line() {
        let v = vars(&[]);
        assert_eq!(
            render("a\n{nope}", &v),
            Err(TemplateError::Unknown {
                name: "nope".into(),
                line: 2
            })
        );
        assert_eq!(
            render("x\ny\n{ a }", &v),
            Err(TemplateError::Unbalanced { line: 3 })
        );
        assert_eq!(render("}", &v), Err(TemplateError::Unbalanced { line: 1 }));
    }

    #[test]
    fn lists_placeholders() {
        let names: Vec<_> = placeholders("{a} {{b}} {c.d}")
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names, ["a", "c.d"]);
    }
}
