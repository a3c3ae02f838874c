//! The language tutor speaks: English or Korean.
//!
//! Interface text lives in Fluent files (`i18n/<lang>/*.ftl`, embedded at
//! build time); lessons and diagnoses live in their own per-language data
//! files (`lessons/<lang>/`, `checks/<lang>/`). Commands, file names and
//! identifiers stay as they are in every language, and error messages that
//! servers print stay English (so `tutor why` matches them in any session).
//!
//! The language is chosen once per run (`--lang`, else `TUTOR_LANG`, else
//! the profile's saved choice, else `LC_ALL` / `LC_MESSAGES` / `LANG`) and
//! kept in a process-wide setting, so that every message function can use
//! [`t!`](crate::t) without threading it through every call.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use include_dir::{include_dir, Dir};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

static FTL: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/i18n");

/// A language tutor speaks. `--lang` takes its codes (clap lists them in
/// the help and refuses any other value in one sentence); the variants
/// have no doc comments, which clap would print as a list under `--help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Ko,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ko];

    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }

    /// "ko", "ko_KR.UTF-8", "ko-KR" → Korean; "en", "en_US.UTF-8" → English;
    /// anything else (C, POSIX, fr_FR...) → None.
    #[must_use]
    pub fn parse(text: &str) -> Option<Lang> {
        let base = text
            .split(['_', '-', '.', '@'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match base.as_str() {
            "ko" => Some(Lang::Ko),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language of the locale variables, in POSIX order of precedence.
    #[must_use]
    pub fn from_locale() -> Option<Lang> {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .find(|v| !v.is_empty())
            .and_then(|v| Lang::parse(&v))
    }
}

/// Decide the language: `--lang`, else `TUTOR_LANG`, else the profile's
/// saved choice, else the locale, else English. The second value says
/// whether the learner chose it explicitly (then it is saved).
#[must_use]
pub fn resolve(flag: Option<Lang>, saved: Option<Lang>) -> (Lang, bool) {
    if let Some(l) = flag {
        return (l, true);
    }
    if let Some(l) = std::env::var("TUTOR_LANG")
        .ok()
        .as_deref()
        .and_then(Lang::parse)
    {
        return (l, true);
    }
    if let Some(l) = saved {
        return (l, false);
    }
    (Lang::from_locale().unwrap_or_default(), false)
}

static CURRENT: AtomicU8 = AtomicU8::new(0);

/// Set the language for the rest of the run.
pub fn set(lang: Lang) {
    CURRENT.store(lang as u8, Ordering::Relaxed);
}

/// The language of this run.
#[must_use]
pub fn current() -> Lang {
    if CURRENT.load(Ordering::Relaxed) == Lang::Ko as u8 {
        Lang::Ko
    } else {
        Lang::En
    }
}

type Bundle = FluentBundle<FluentResource>;

/// The `.ftl` sources of one language: (file name, text), sorted.
#[must_use]
pub fn sources(lang: Lang) -> Vec<(String, &'static str)> {
    let mut files: Vec<(String, &'static str)> = FTL
        .get_dir(lang.code())
        .map(|d| {
            d.files()
                .filter(|f| f.path().extension().is_some_and(|e| e == "ftl"))
                .map(|f| {
                    (
                        f.path().display().to_string(),
                        f.contents_utf8().unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn bundle(lang: Lang) -> &'static Bundle {
    static BUNDLES: [OnceLock<Bundle>; 2] = [OnceLock::new(), OnceLock::new()];
    BUNDLES[lang as usize].get_or_init(|| {
        let id: unic_langid::LanguageIdentifier =
            lang.code().parse().expect("language codes are valid");
        let mut bundle = Bundle::new_concurrent(vec![id]);
        // Unicode isolation marks around values garble terminals and logs.
        bundle.set_use_isolating(false);
        for (_, text) in sources(lang) {
            // A broken entry is skipped here; the tests reject it.
            let resource = FluentResource::try_new(text.to_string()).unwrap_or_else(|(r, _)| r);
            let _ = bundle.add_resource(resource);
        }
        bundle
    })
}

/// A value for a `{ $name }` in a message.
#[derive(Debug, Clone)]
pub enum Arg {
    Text(String),
    Number(f64),
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_string())
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(v.clone())
    }
}
macro_rules! number_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            #[allow(clippy::cast_precision_loss, clippy::cast_lossless)]
            fn from(v: $t) -> Self {
                Arg::Number(v as f64)
            }
        }
    )*};
}
number_arg!(u8, u16, u32, u64, usize, i32, i64);

/// The message `id` in the current language (English if it has none),
/// with `args` put in. An unknown id comes back as itself.
#[must_use]
pub fn tr(id: &str, args: &[(&str, Arg)]) -> String {
    tr_in(current(), id, args)
}

/// Like [`tr`] in a given language.
#[must_use]
pub fn tr_in(lang: Lang, id: &str, args: &[(&str, Arg)]) -> String {
    let (b, msg) = match bundle(lang).get_message(id) {
        Some(m) => (bundle(lang), m),
        None => match bundle(Lang::En).get_message(id) {
            Some(m) => (bundle(Lang::En), m),
            None => return id.to_string(),
        },
    };
    let Some(pattern) = msg.value() else {
        return id.to_string();
    };
    let mut fargs = FluentArgs::new();
    for (name, value) in args {
        match value {
            Arg::Text(s) => fargs.set(*name, FluentValue::from(s.clone())),
            Arg::Number(n) => fargs.set(*name, FluentValue::from(*n)),
        }
    }
    let mut errors = Vec::new();
    b.format_pattern(pattern, Some(&fargs), &mut errors)
        .into_owned()
}

/// `t!("id")` or `t!("id", name = value, ...)`: a message in the current
/// language.
#[macro_export]
macro_rules! t {
    ($id:expr) => {
        $crate::i18n::tr($id, &[])
    };
    ($id:expr, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::i18n::tr($id, &[$((stringify!($name), $crate::i18n::Arg::from($value))),+])
    };
}

/// A message id kept in a table and looked up later (`t!(heading)`):
/// wrapping the literal says it is one, so the test that every id used in
/// src/ exists in both languages sees it.
#[must_use]
pub const fn id(id: &'static str) -> &'static str {
    id
}

/// Pad `text` with spaces to `width` terminal columns (a Hangul syllable
/// takes two columns, so `format!("{:<10}")` would misalign Korean).
#[must_use]
pub fn pad(text: &str, width: usize) -> String {
    let w = console::measure_text_width(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(w)))
}

#[cfg(test)]
mod used_ids;

#[cfg(test)]
mod tests {
    use super::*;
    use fluent_syntax::ast;
    use std::collections::{BTreeMap, BTreeSet};

    /// message id → the variables it uses, for one language.
    fn messages(lang: Lang) -> BTreeMap<String, BTreeSet<String>> {
        let mut out = BTreeMap::new();
        for (file, text) in sources(lang) {
            let res = match fluent_syntax::parser::parse(text) {
                Ok(r) => r,
                Err((_, errors)) => panic!("{file}: {errors:?}"),
            };
            for entry in res.body {
                if let ast::Entry::Message(m) = entry {
                    let mut vars = BTreeSet::new();
                    if let Some(p) = &m.value {
                        collect_vars(p, &mut vars);
                    }
                    assert!(
                        out.insert(m.id.name.to_string(), vars).is_none(),
                        "{file}: duplicate message {}",
                        m.id.name
                    );
                }
            }
        }
        out
    }

    fn collect_vars(p: &ast::Pattern<&str>, vars: &mut BTreeSet<String>) {
        for el in &p.elements {
            if let ast::PatternElement::Placeable { expression } = el {
                collect_expr(expression, vars);
            }
        }
    }

    fn collect_expr(e: &ast::Expression<&str>, vars: &mut BTreeSet<String>) {
        match e {
            ast::Expression::Inline(ast::InlineExpression::VariableReference { id }) => {
                vars.insert(id.name.to_string());
            }
            ast::Expression::Inline(ast::InlineExpression::Placeable { expression }) => {
                collect_expr(expression, vars);
            }
            ast::Expression::Select { selector, variants } => {
                if let ast::InlineExpression::VariableReference { id } = selector {
                    vars.insert(id.name.to_string());
                }
                for v in variants {
                    collect_vars(&v.value, vars);
                }
            }
            ast::Expression::Inline(_) => {}
        }
    }

    #[test]
    fn every_message_exists_in_both_languages_with_the_same_variables() {
        let en = messages(Lang::En);
        let ko = messages(Lang::Ko);
        assert!(!en.is_empty());
        let en_ids: BTreeSet<_> = en.keys().collect();
        let ko_ids: BTreeSet<_> = ko.keys().collect();
        assert_eq!(
            en_ids.difference(&ko_ids).collect::<Vec<_>>(),
            Vec::<&&String>::new(),
            "messages missing in Korean"
        );
        assert_eq!(
            ko_ids.difference(&en_ids).collect::<Vec<_>>(),
            Vec::<&&String>::new(),
            "messages missing in English"
        );
        for (id, vars) in &en {
            assert_eq!(
                vars, &ko[id],
                "message {id}: the Korean text uses other variables"
            );
        }
    }

    #[test]
    fn locale_names() {
        assert_eq!(Lang::parse("ko_KR.UTF-8"), Some(Lang::Ko));
        assert_eq!(Lang::parse("ko"), Some(Lang::Ko));
        assert_eq!(Lang::parse("en_GB.UTF-8"), Some(Lang::En));
        assert_eq!(Lang::parse("C.UTF-8"), None);
        assert_eq!(Lang::parse(""), None);
    }

    #[test]
    fn formats_with_arguments_and_pads_by_display_width() {
        assert_eq!(pad("완료", 6), "완료  ");
        assert_eq!(pad("done", 6), "done  ");
        let en = tr_in(
            Lang::En,
            "closing-all-pass",
            &[("count", Arg::from(9_usize))],
        );
        assert!(en.contains('9'), "{en}");
        let ko = tr_in(
            Lang::Ko,
            "closing-all-pass",
            &[("count", Arg::from(9_usize))],
        );
        assert!(ko.contains('9') && ko != en, "{ko}");
    }
}
