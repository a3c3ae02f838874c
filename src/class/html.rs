//! The class table as one self-contained HTML page, for the projector: no
//! scripts, no fonts, no images, nothing fetched; every text is escaped.
//! With `--watch` the page reloads itself (a meta refresh) so a browser left
//! open on the file follows the class.

use super::table::{furthest_label, legend, Table, NONE};
use crate::{i18n, t};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// What goes around the table.
pub struct Page<'a> {
    /// The heading, e.g. "Class check" (in the run's language).
    pub title: &'a str,
    /// A line under it, e.g. the roster and the time.
    pub subtitle: &'a str,
    /// Reload every N seconds (watch mode).
    pub refresh: Option<u64>,
    /// Diagnosis id → title, for the most common problems.
    pub titles: &'a BTreeMap<String, String>,
    /// A last row under the table: its label and one text per stage
    /// (the summary's median times).
    pub footer: Option<(&'a str, Vec<String>)>,
    /// A list under the table: its heading and its lines (the summary's
    /// functional-test runs).
    pub notes: Option<(&'a str, Vec<String>)>,
}

/// Escape text for HTML element content and quoted attributes; control
/// characters (which a learner's file may hold) are shown as `\xNN`.
#[must_use]
pub fn escape(text: &str) -> String {
    let text = crate::visible::line(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The whole page.
#[must_use]
pub fn page(table: &Table, p: &Page<'_>) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n",
        i18n::current().code()
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    if let Some(secs) = p.refresh {
        let _ = writeln!(out, "<meta http-equiv=\"refresh\" content=\"{secs}\">");
    }
    let _ = writeln!(out, "<title>{}</title>", escape(p.title));
    out.push_str(STYLE);
    out.push_str("</head>\n<body>\n");
    let _ = writeln!(
        out,
        "<header><h1>{}</h1><p class=\"sub\">{}</p></header>",
        escape(p.title),
        escape(p.subtitle)
    );

    let _ = write!(
        out,
        "<main>\n<table class=\"class\">\n<thead><tr><th class=\"name\">{}</th>",
        escape(&t!("class-html-col-learner"))
    );
    for s in &table.stages {
        let _ = write!(out, "<th>{}</th>", escape(s));
    }
    let _ = write!(
        out,
        "<th class=\"furthest\">{}</th></tr></thead>\n<tbody>\n",
        escape(&t!("class-html-col-furthest"))
    );
    for row in &table.rows {
        let _ = write!(
            out,
            "<tr><th class=\"name\" scope=\"row\">{}<span class=\"domain\">{}</span></th>",
            escape(&row.name),
            escape(&row.domain)
        );
        for cell in &row.cells {
            let class = cell.mark.as_str();
            let _ = write!(
                out,
                "<td class=\"{class}\" title=\"{}\"><span class=\"mark\">{}</span>",
                escape(&cell.mark.label()),
                cell.mark.symbol()
            );
            for (i, id) in cell.diagnoses.iter().enumerate() {
                // The mark never wraps away from the first id.
                let gap = if i == 0 { "&nbsp;" } else { " " };
                let _ = write!(out, "{gap}<span class=\"id\">{}</span>", escape(id));
            }
            if !cell.note.is_empty() {
                let _ = write!(out, " <span class=\"note\">{}</span>", escape(&cell.note));
            }
            out.push_str("</td>");
        }
        let furthest = table.furthest(row).unwrap_or_else(|| furthest_label(NONE));
        let _ = writeln!(
            out,
            "<td class=\"furthest\">{}</td></tr>",
            escape(&furthest)
        );
    }
    out.push_str("</tbody>\n");
    if let Some((label, cells)) = &p.footer {
        let _ = write!(
            out,
            "<tfoot><tr><th class=\"name\" scope=\"row\">{}</th>",
            escape(label)
        );
        for c in cells {
            let _ = write!(out, "<td>{}</td>", escape(c));
        }
        out.push_str("<td></td></tr></tfoot>\n");
    }
    out.push_str("</table>\n");
    if let Some((heading, lines)) = &p.notes {
        let _ = write!(
            out,
            "<section class=\"notes\"><h2>{}</h2>\n<ul>\n",
            escape(heading)
        );
        for l in lines {
            let _ = writeln!(out, "<li>{}</li>", escape(l));
        }
        out.push_str("</ul>\n</section>\n");
    }
    let items: Vec<String> = legend(table.has_skipped())
        .into_iter()
        .map(|(mark, label)| {
            format!(
                "<span class=\"{}\">{} {}</span>",
                mark.as_str(),
                mark.symbol(),
                escape(&label)
            )
        })
        .collect();
    let _ = writeln!(out, "<p class=\"legend\">{}</p>", items.join(" "));

    let _ = write!(
        out,
        "<div class=\"panels\">\n<section>\n<h2>{}</h2>\n<p class=\"hint\">{}</p>\n<table class=\"bars\">\n",
        escape(&t!("class-html-where")),
        escape(&t!("class-html-where-hint"))
    );
    let counts = table.furthest_counts();
    let most = counts.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    for (stage, n) in &counts {
        let pct = n * 100 / most;
        let _ = writeln!(
            out,
            "<tr><th>{}</th><td class=\"count\">{n}</td><td class=\"bar\"><span style=\"width:{pct}%\"></span></td></tr>",
            escape(&furthest_label(stage))
        );
    }
    out.push_str("</table>\n</section>\n");

    let common = table.common_diagnoses();
    let _ = writeln!(
        out,
        "<section>\n<h2>{}</h2>",
        escape(&t!("class-html-common"))
    );
    if common.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", escape(&t!("class-html-common-none")));
    } else {
        out.push_str("<ol class=\"common\">\n");
        for (id, n) in common.iter().take(5) {
            let who = escape(&t!("class-html-learners", count = *n));
            let title = p
                .titles
                .get(id)
                .map(|t| format!("<span class=\"title\">{}</span>", escape(t)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "<li><span class=\"id\">{}</span> <span class=\"count\">{who}</span> {title}</li>",
                escape(id)
            );
        }
        let _ = writeln!(
            out,
            "</ol>\n<p class=\"hint\">{}</p>",
            escape(&t!("class-html-explain"))
        );
    }
    out.push_str("</section>\n</div>\n</main>\n</body>\n</html>\n");
    out
}

const STYLE: &str = r#"<style>
:root { color-scheme: light; --pass:#1a7f37; --fail:#c62828; --error:#9a6700; --skip:#6e7781; }
* { box-sizing: border-box; }
body { margin: 0; padding: 1.5rem 2rem; font: 18px/1.4 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK KR", sans-serif; color: #1f2328; background: #fff; }
header h1 { margin: 0; font-size: 2rem; }
header .sub { margin: .25rem 0 1rem; color: #57606a; }
table.class { border-collapse: collapse; width: 100%; }
table.class th, table.class td { border: 1px solid #d0d7de; padding: .35rem .5rem; text-align: left; vertical-align: top; }
table.class thead th { background: #f6f8fa; position: sticky; top: 0; }
th.name { white-space: nowrap; }
th.name .domain { display: block; font-weight: normal; font-size: .75rem; color: #57606a; }
td .mark { font-weight: bold; }
td .id, li .id { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .85rem; white-space: nowrap; }
td .note { display: block; font-size: .75rem; color: #57606a; }
td.pass { background: #dafbe1; color: var(--pass); }
td.fail { background: #ffebe9; color: var(--fail); }
td.error { background: #fff8c5; color: var(--error); }
td.skip, td.skipped { background: #f6f8fa; color: var(--skip); }
td.furthest { font-weight: bold; }
tfoot th, tfoot td { background: #f6f8fa; font-size: .85rem; color: #57606a; }
.legend span { margin-right: 1.25rem; }
.legend .pass { color: var(--pass); } .legend .fail { color: var(--fail); }
.legend .error { color: var(--error); } .legend .skip, .legend .skipped { color: var(--skip); }
.panels { display: flex; flex-wrap: wrap; gap: 2rem; margin-top: 1rem; }
.panels section { flex: 1 1 22rem; }
h2 { font-size: 1.3rem; margin: .5rem 0; }
table.bars { border-collapse: collapse; width: 100%; }
table.bars th { text-align: left; font-weight: normal; padding: .15rem .75rem .15rem 0; white-space: nowrap; }
table.bars td.count { text-align: right; padding-right: .5rem; width: 2.5rem; }
table.bars td.bar { width: 100%; }
table.bars td.bar span { display: block; height: 1rem; background: #0969da; border-radius: 2px; }
ol.common li { margin: .3rem 0; }
ol.common .count { color: #57606a; margin: 0 .5rem; }
.hint { color: #57606a; font-size: .9rem; }
</style>
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::class::table::{Cell, Mark, Row};

    #[test]
    fn text_is_escaped_and_nothing_is_fetched() {
        let table = Table {
            stages: vec!["dns".into()],
            rows: vec![Row {
                name: "<script>alert(1)</script>".into(),
                domain: "a&b.example.org".into(),
                cells: vec![Cell::new(Mark::Fail, vec!["x\"y".into()])],
                met: vec!["x\"y".into()],
            }],
        };
        let titles = BTreeMap::new();
        let html = page(
            &table,
            &Page {
                title: "Class",
                subtitle: "now",
                refresh: Some(5),
                titles: &titles,
                footer: Some(("median", vec!["<1m>".into()])),
                notes: None,
            },
        );
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("a&amp;b.example.org"));
        assert!(html.contains("x&quot;y"));
        assert!(html.contains("<td>&lt;1m&gt;</td>"));
        assert!(html.contains("http-equiv=\"refresh\" content=\"5\""));
        for bad in ["src=", "href=", "url(", "@import"] {
            assert!(!html.contains(bad), "{bad}");
        }
    }
}
