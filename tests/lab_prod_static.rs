//! Production scenarios on a booted server (tests/lab/booted.rs): each
//! breaks the server the way learners break it, expects the diagnosis,
//! has `tutor why` name the real message, applies the fix and passes again.

mod lab;

#[allow(unused_imports)]
use lab::prod::*;
