//! A failing test → the diagnosis its last lines name (the catalog's
//! `tutor why` patterns), with a preference for what the tests were
//! pointed at: a refused connection on the dev server's port is the dev
//! server's problem, on the site's address nginx's. Pure.

use super::unittest::Problem;
use super::Target;
use crate::catalog::{Catalog, Diagnosis};
use crate::template::Vars;

/// The stage of the dev server (`runserver`) and of nginx: the two
/// addresses `tutor ft` points the tests at.
pub(crate) const DEV_STAGE: &str = "runserver";
pub(crate) const SITE_STAGE: &str = "nginx";

/// The diagnoses a failing test's last lines match, best first, ordered
/// for `target`.
#[must_use]
pub(crate) fn recognise<'c>(
    catalog: &'c Catalog,
    problem: &Problem,
    target: Target,
    vars: &Vars,
) -> Vec<&'c Diagnosis> {
    let text = problem.last_lines().join("\n");
    let found = catalog.recognise(&text, vars);
    prefer(found, target)
}

/// Against the dev server, nginx's diagnoses cannot be the cause (when
/// another one matches too); against the site, nginx's come first.
fn prefer(found: Vec<&Diagnosis>, target: Target) -> Vec<&Diagnosis> {
    match target {
        Target::Dev => {
            let (site, rest): (Vec<&Diagnosis>, Vec<&Diagnosis>) =
                found.into_iter().partition(|d| d.stage == SITE_STAGE);
            if rest.is_empty() {
                site
            } else {
                rest.into_iter().chain(site).collect()
            }
        }
        Target::Site => {
            let (site, rest): (Vec<&Diagnosis>, Vec<&Diagnosis>) =
                found.into_iter().partition(|d| d.stage == SITE_STAGE);
            site.into_iter().chain(rest).collect()
        }
        Target::Given => found,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ft::unittest;
    use crate::pack::Pack;

    fn ids(text: &str, target: Target) -> Vec<String> {
        let pack = Pack::load(None, "en").unwrap();
        let mut vars = crate::profile::generic_vars();
        vars.insert("dev_port".into(), "8000".into());
        vars.insert("http_port".into(), "80".into());
        let s = unittest::parse(text);
        assert!(!s.problems.is_empty(), "{text}");
        recognise(&pack.catalog, &s.problems[0], target, &vars)
            .into_iter()
            .map(|d| d.id.clone())
            .collect()
    }

    fn first(text: &str, target: Target) -> String {
        ids(text, target).first().cloned().unwrap_or_default()
    }

    /// A failure block around `exception` as unittest prints it.
    fn block(exception: &str) -> String {
        format!(
            "E\n======================================================================\n\
             ERROR: test_x (functional_tests.tests.T.test_x)\n\
             ----------------------------------------------------------------------\n\
             Traceback (most recent call last):\n  File \"/p/functional_tests/tests.py\", line 9, in test_x\n    self.browser.get(self.live_server_url)\n\
             {exception}\n\n\
             ----------------------------------------------------------------------\nRan 1 test in 1.0s\n\nFAILED (errors=1)\n"
        )
    }

    #[test]
    fn recorded_chrome_runs() {
        let refused = include_str!("testdata/refused-dots.txt");
        assert_eq!(first(refused, Target::Dev), "server-not-running");
        assert_eq!(first(refused, Target::Site), "nginx-not-running");
        assert_eq!(
            first(include_str!("testdata/dns.txt"), Target::Dev),
            "dns-no-record"
        );
        assert_eq!(
            first(include_str!("testdata/disallowed.txt"), Target::Dev),
            "disallowed-host"
        );
        assert_eq!(
            first(include_str!("testdata/badrequest.txt"), Target::Site),
            "disallowed-host"
        );
        assert_eq!(
            first(include_str!("testdata/unmigrated.txt"), Target::Dev),
            "migrations-pending"
        );
        assert_eq!(
            first(include_str!("testdata/id-list-table.txt"), Target::Site),
            "migrations-pending"
        );
        // The layout test failing: the CSS is not served.
        assert_eq!(
            first(include_str!("testdata/layout-verbose.txt"), Target::Site),
            "static-not-served"
        );
    }

    #[test]
    fn firefox_wording() {
        let refused = block(
            "selenium.common.exceptions.WebDriverException: Message: Reached error page: \
             about:neterror?e=connectionFailure&u=http%3A//superlists-staging.ottg.eu%3A8000/&c=UTF-8&\
             d=Firefox%20can%E2%80%99t%20establish%20a%20connection%20to%20the%20server%20at%20superlists-staging.ottg.eu%3A8000.",
        );
        assert_eq!(first(&refused, Target::Given), "server-not-running");
        let refused80 = block(
            "selenium.common.exceptions.WebDriverException: Message: Reached error page: \
             about:neterror?e=connectionFailure&u=http%3A//superlists-staging.ottg.eu/&c=UTF-8&d=Firefox",
        );
        assert_eq!(first(&refused80, Target::Given), "nginx-not-running");
        let dns = block(
            "selenium.common.exceptions.WebDriverException: Message: Reached error page: \
             about:neterror?e=dnsNotFound&u=http%3A//superlists-staging.ottg.eu/&c=UTF-8&d=We%20can%E2%80%99t",
        );
        assert_eq!(first(&dns, Target::Site), "dns-no-record");
        let timeout = block(
            "selenium.common.exceptions.WebDriverException: Message: Reached error page: \
             about:neterror?e=netTimeout&u=http%3A//superlists-staging.ottg.eu%3A8000/&c=UTF-8&d=The%20server",
        );
        assert_eq!(first(&timeout, Target::Dev), "port-blocked");
        let table = block(
            "selenium.common.exceptions.NoSuchElementException: Message: Unable to locate element: \
             [id=\"id_list_table\"]; For documentation on this error, please visit: \
             https://www.selenium.dev/documentation/webdriver/troubleshooting/errors#no-such-element-exception",
        );
        assert_eq!(first(&table, Target::Site), "migrations-pending");
        for (title, id) in [
            ("Welcome to nginx!", "nginx-default-site"),
            ("502 Bad Gateway", "bad-gateway"),
            ("DisallowedHost at /", "disallowed-host"),
            ("Bad Request (400)", "disallowed-host"),
        ] {
            let t = block(&format!("AssertionError: 'To-Do' not found in '{title}'"));
            assert_eq!(first(&t, Target::Site), id, "{title}");
        }
        let timed_out = block("selenium.common.exceptions.WebDriverException: Message: unknown error: net::ERR_CONNECTION_TIMED_OUT");
        assert_eq!(first(&timed_out, Target::Dev), "port-blocked");
    }
}
