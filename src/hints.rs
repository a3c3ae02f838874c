//! The hint ladder: each `tutor hint` shows the next hint of a stage, and
//! after the last one its solution. How many were used is kept in the
//! progress file (the instructor's summary shows it).

use crate::lessons::Lesson;
use crate::profile::Profile;
use crate::progress::Progress;
use crate::report;
use crate::t;
use crate::term::Paint;

/// The next rung of the hint ladder for `lesson` (hints, then the solution).
pub(crate) fn next_hint(
    progress: &mut Progress,
    lesson: &Lesson,
    profile: &Profile,
    paint: Paint,
) -> String {
    let vars = profile.vars();
    let entry = progress.stage_mut(&lesson.stage);
    let used = entry.hints_used as usize;
    let total = lesson.hints.len();
    entry.hints_used = entry.hints_used.saturating_add(1).min(total as u32 + 1);
    if used < total {
        format!(
            "{}\n{}\n{}\n",
            paint.bold(&t!(
                "hint-heading",
                number = used + 1,
                total = total,
                stage = &lesson.stage
            )),
            report::markdown(&lesson.hints[used], &vars, paint).trim_end(),
            paint.dim(&if used + 1 < total {
                t!("hint-more")
            } else {
                t!("hint-last")
            })
        )
    } else {
        format!(
            "{}\n{}\n",
            paint.bold(&t!("solution-heading", stage = &lesson.stage)),
            report::markdown(&lesson.solution, &vars, paint).trim_end()
        )
    }
}
