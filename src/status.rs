//! How a check or a stage came out: the one status type that the engine,
//! the progress file, the report and the class table share.

use serde::{Deserialize, Serialize};

/// How a check or a stage came out. Written to the progress file and to
/// `--json` output as `pass`, `fail`, `error`, `skip` or `retired`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    /// The check could not decide (e.g. a command needs a sudo password).
    Error,
    /// Something it needs is missing (e.g. no SSH login).
    Skip,
    /// The learner has moved past it: its stage's job is done by a later
    /// one (the dev server replaced by gunicorn), so it is not judged.
    Retired,
}

impl Status {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Error => "error",
            Status::Skip => "skip",
            Status::Retired => "retired",
        }
    }

    /// A stage's status from its checks' statuses: any fail → fail; else any
    /// error → error; else any skip (or no check at all) → skip; else, when
    /// every check is retired → retired; else pass (a retired check beside
    /// passing ones leaves the stage passed).
    #[must_use]
    pub fn of_stage(checks: impl IntoIterator<Item = Status>) -> Status {
        let (mut any, mut fail, mut error, mut skip, mut passed) =
            (false, false, false, false, false);
        for s in checks {
            any = true;
            match s {
                Status::Fail => fail = true,
                Status::Error => error = true,
                Status::Skip => skip = true,
                Status::Pass => passed = true,
                Status::Retired => {}
            }
        }
        if fail {
            Status::Fail
        } else if error {
            Status::Error
        } else if any && !skip && !passed {
            Status::Retired
        } else if skip || !any {
            Status::Skip
        } else {
            Status::Pass
        }
    }
}

impl std::str::FromStr for Status {
    type Err = String;

    fn from_str(s: &str) -> Result<Status, String> {
        [
            Status::Pass,
            Status::Fail,
            Status::Error,
            Status::Skip,
            Status::Retired,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
        .ok_or_else(|| format!("{s:?} is not pass, fail, error or skip"))
    }
}

#[cfg(test)]
mod tests {
    use super::Status::{self, *};

    #[test]
    fn stage_status_rules() {
        assert_eq!(Status::of_stage([Pass, Fail, Error]), Fail);
        assert_eq!(Status::of_stage([Pass, Error, Skip]), Error);
        assert_eq!(Status::of_stage([Pass, Skip]), Skip);
        assert_eq!(Status::of_stage([Pass]), Pass);
        assert_eq!(Status::of_stage([]), Skip);
        assert_eq!(Status::of_stage([Retired, Retired]), Retired);
        assert_eq!(Status::of_stage([Pass, Retired]), Pass);
        assert_eq!(Status::of_stage([Retired, Fail]), Fail);
    }

    #[test]
    fn reads_and_writes_the_progress_file_words() {
        for s in [Pass, Fail, Error, Skip] {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(serde_json::from_str::<Status>(&json).unwrap(), s);
            assert_eq!(s.as_str().parse::<Status>(), Ok(s));
        }
    }
}
