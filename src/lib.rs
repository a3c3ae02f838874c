//! tutor: the engine behind the `tutor` command.
//!
//! Data flows one way: the learner's answers (`profile`) and the lesson and
//! check data (`pack`: `lessons` and `catalog`) go into the `engine`, which
//! asks the `probe` modules (DNS, SSH, HTTP: the only I/O with the server)
//! for facts, judges them with `rules` (pure functions) and hands a report
//! to `report` (text or JSON) or to the `wizard` (terminal). `progress`
//! saves what happened.
//!
//! The modules form layers, each using only the layers below it
//! (`tests/layers.rs` fails on any import cycle and names it):
//!
//! 1. Foundations, which use no other layer: `i18n`, `messages`, `status`,
//!    `rules`, `template`, `quote`, `visible`, `timing`, `term`,
//!    `atomic_file`, `safe_file`.
//! 2. `remote`: the SSH client and the trusted CAs, general clients that
//!    know nothing of checks.
//! 3. The learner's state: `progress` (saved on disk) and `profile` (the
//!    answers, as the values templates are filled with).
//! 4. Side by side, neither knowing the other: `probe` (facts from the
//!    profile and the server; a probe gets a check's `run` and `args`,
//!    never the catalog) and the course as data, `catalog` (checks and
//!    diagnoses) and `lessons`.
//! 5. `pack`: the lessons and the catalog of one language, and their lint
//!    (the one place that checks the catalog against the probe registry).
//! 6. Running and explaining checks: `engine`, `report`, `why`, `hints`,
//!    `ft`.
//! 7. What learners and instructors run: `cli`, `context`, `consent`,
//!    `commands`, `wizard`, `class`, `book`.

pub(crate) mod atomic_file;
pub(crate) mod book;
pub mod catalog;
pub mod class;
pub mod cli;
pub mod commands;
pub(crate) mod consent;
pub(crate) mod context;
pub(crate) mod engine;
pub(crate) mod ft;
pub(crate) mod hints;
pub mod i18n;
pub mod lessons;
pub(crate) mod messages;
pub mod pack;
pub mod probe;
pub mod profile;
pub mod progress;
pub mod quote;
pub mod remote;
pub(crate) mod report;
pub mod rules;
pub(crate) mod safe_file;
pub mod status;
pub mod template;
pub mod term;
pub mod timing;
pub(crate) mod visible;
pub(crate) mod why;
pub(crate) mod wizard;
