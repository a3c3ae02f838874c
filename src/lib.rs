//! tutor: the engine behind the `tutor` command.
//!
//! Data flows one way: the learner's answers (`profile`) and the lesson and
//! check data (`lessons`, `catalog`) go into the `engine`, which asks the
//! `probe` modules (DNS, SSH, HTTP: the only I/O with the server) for facts,
//! judges them with `rules` (pure functions) and hands a report to `report`
//! (text or JSON) or to the `wizard` (terminal). `progress` saves what happened.

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
pub mod status;
pub mod template;
pub mod term;
pub mod timing;
pub(crate) mod visible;
pub(crate) mod why;
pub(crate) mod wizard;
