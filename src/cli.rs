//! The command line, as clap sees it. Nothing else lives here.

use crate::profile::{Answer, AnswerValue, Answers, Kind, ANSWERS};
use clap::{value_parser, Arg, ArgAction, ArgMatches, Args, FromArgMatches, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "tutor",
    version,
    about = "Deploy your Django site to your own server, one checked stage at a time",
    long_about = "tutor walks you from a domain name to a Django site behind nginx on your own \
Ubuntu server. You type the commands; after every stage tutor checks the real server \
(DNS, SSH, HTTP; read-only) and, when something is wrong, says what it saw, why it \
happens and the command that fixes it.\n\nExit codes: 0 every requested check passed, \
1 a check failed, 2 a usage or input error.",
    after_help = "Start with `tutor start`; come back later with `tutor continue`."
)]
pub struct Cli {
    /// Where progress files live [default: $XDG_STATE_HOME/tutor or ~/.local/state/tutor]
    #[arg(long, global = true, env = "TUTOR_STATE_DIR", value_name = "DIR")]
    pub state_dir: Option<PathBuf>,

    /// Which deployment you are working on (staging and live are separate profiles)
    #[arg(
        long,
        global = true,
        env = "TUTOR_PROFILE",
        default_value = "staging",
        value_name = "NAME"
    )]
    pub profile: String,

    /// Lay an instructor's lesson pack (lessons *.md and checks *.toml) over the built-in one
    #[arg(long, global = true, value_name = "DIR")]
    pub lessons: Option<PathBuf>,

    /// No colours (also when NO_COLOR is set)
    #[arg(long, global = true)]
    pub no_color: bool,

    /// The language to speak [default: TUTOR_LANG, else the profile's choice, else LC_ALL/LC_MESSAGES/LANG]
    #[arg(long, global = true, value_name = "LANG", value_enum)]
    pub lang: Option<crate::i18n::Lang>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Start the guided wizard from the beginning (asks the profile questions)
    Start,
    /// Show what is done, then resume at the first unfinished stage
    Continue,
    /// Show the profile and where every stage stands
    Status {
        /// Print one JSON document instead of text
        #[arg(long)]
        json: bool,
    },
    /// Verify stages against the real server, without prompts
    Check(CheckArgs),
    /// Write the profile without prompts (for scripts and instructors)
    Init(InitArgs),
    /// Show the next hint for the current stage (or STAGE); after the last hint, the solution
    Hint {
        /// A stage name [default: the current stage]
        stage: Option<String>,
    },
    /// Show the full page of one diagnosis
    Explain {
        /// A diagnosis id, e.g. bind-localhost (see `tutor lessons`)
        id: String,
    },
    /// Read an error message on stdin and name the diagnosis that matches it
    #[command(
        after_help = "Example: sudo nginx -t 2>&1 | tutor why\n         tutor why < traceback.txt"
    )]
    Why,
    /// Forget the progress of one stage, or of everything
    Reset(ResetArgs),
    /// Write the generated pages of the book (lessons, diagnoses, reference) into DIR
    #[command(hide = true)]
    BookSrc {
        /// The folder to write into, e.g. book/src/generated
        out: PathBuf,
    },
    /// List the stages and their checks, or validate a lesson pack
    Lessons {
        /// Validate the lesson pack in DIR and print every error as file:line
        #[arg(long, value_name = "DIR")]
        lint: Option<PathBuf>,
    },
    /// For instructors: check every learner's server at once, or sum up hand-ins
    Class {
        #[command(subcommand)]
        command: ClassCommand,
    },
    /// Run your functional tests against your server, and explain each failure
    #[command(
        after_help = "Runs `python manage.py test functional_tests` (the project's .venv python) with \
STAGING_SERVER and TEST_SERVER set to your site: the domain with the dev server's port until nginx \
serves it, then the plain domain. Exit codes: 0 every test passed, 1 a test failed (or gave no \
result), 2 a usage error.\n\nExample: tutor ft --project ~/superlists\n         tutor ft -- --failfast"
    )]
    Ft(FtArgs),
    /// Print your progress as JSON to hand in (no server address, user, keys or paths)
    #[command(after_help = "Example: tutor export > progress.json")]
    Export,
}

#[derive(Subcommand, Debug)]
pub enum ClassCommand {
    /// Run the checks of `tutor check` against every learner in ROSTER, several at a time
    Check(ClassCheckArgs),
    /// Put hand-ins (from `tutor export`) in one table, with attempts and time per stage
    Summary(ClassSummaryArgs),
}

#[derive(Args, Debug)]
pub struct ClassCheckArgs {
    /// The class roster (TOML, one [[learner]] per learner; see the book's Classroom page)
    #[arg(value_name = "ROSTER")]
    pub roster: PathBuf,
    /// Check only this stage (repeatable) [default: every stage]
    #[arg(long = "stage", value_name = "S")]
    pub stages: Vec<String>,
    /// Print one JSON document instead of the table
    #[arg(long, conflicts_with = "watch")]
    pub json: bool,
    /// Also write the table as a self-contained HTML page (for the projector)
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Allow the commands an instructor's lesson pack (--lessons) runs on the servers
    #[arg(long)]
    pub yes: bool,
    /// How many learners to check at the same time
    #[arg(long, value_name = "N", default_value_t = crate::class::run::DEFAULT_JOBS, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: u16,
    /// Check again every SECS seconds and redraw the table (Ctrl-C stops)
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub watch: Option<u64>,
    /// Trust and record a server's host key if the known_hosts file does not list it yet
    #[arg(long)]
    pub accept_new_host_key: bool,
    /// Do not use the ssh-agent for any learner (already the default for a learner whose roster entry or [defaults] names an identity)
    #[arg(long)]
    pub no_agent: bool,
}

#[derive(Args, Debug)]
pub struct ClassSummaryArgs {
    /// Hand-in files, each the output of `tutor export` (a row is named after its file)
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Print one JSON document instead of the table
    #[arg(long)]
    pub json: bool,
    /// Also write the table as a self-contained HTML page (for the projector)
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Stages to check [default: the current stage]
    #[arg(value_name = "STAGE", conflicts_with = "all")]
    pub stages: Vec<String>,
    /// Check every stage
    #[arg(long)]
    pub all: bool,
    /// Print one JSON document instead of text
    #[arg(long)]
    pub json: bool,
    /// With the dns stage: check again until every resolver agrees or --timeout passes
    #[arg(long)]
    pub wait: bool,
    /// How long --wait may take, e.g. 10m, 90s
    #[arg(long, value_name = "DUR", default_value = "15m", value_parser = humantime::parse_duration)]
    pub timeout: std::time::Duration,
    /// Trust and record the server's host key if known_hosts does not list it yet
    #[arg(long)]
    pub accept_new_host_key: bool,
    /// Allow the commands an instructor's lesson pack (--lessons) runs on the server
    #[arg(long)]
    pub yes: bool,
    /// Do not use the ssh-agent: log in with the key files only
    #[arg(long)]
    pub no_agent: bool,
}

#[derive(Args, Debug)]
pub struct FtArgs {
    /// Your project's folder, the one with manage.py (remembered) [default: the remembered one, else the current folder]
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// Test this address instead of the one tutor picks, e.g. staging.example.com:8000
    #[arg(long, value_name = "HOST[:PORT]")]
    pub server: Option<String>,
    /// The command that runs your functional tests (remembered) [default: python manage.py test functional_tests]
    #[arg(long, value_name = "CMD")]
    pub command: Option<String>,
    /// Stop the tests after this long, e.g. 10m, 90s
    #[arg(long, value_name = "DUR", default_value = crate::ft::DEFAULT_TIMEOUT, value_parser = humantime::parse_duration)]
    pub timeout: std::time::Duration,
    /// Print one JSON document instead of text (the tests' output goes to stderr)
    #[arg(long)]
    pub json: bool,
    /// Trust and record the server's host key if known_hosts does not list it yet
    #[arg(long)]
    pub accept_new_host_key: bool,
    /// More arguments for the test command, after `--` (e.g. -- --failfast)
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

/// `tutor init`'s flags: one per answer of the profile, built with clap's
/// builder API from [`ANSWERS`] (their order, names, values, help and
/// defaults), so that a new answer needs nothing here.
#[derive(Debug, Clone)]
pub struct InitArgs {
    /// What the flags say, tidied as the table says (`Example.com.` →
    /// `example.com`), not yet checked. Boxed: the other subcommands'
    /// arguments are a few words each.
    pub answers: Box<Answers>,
}

impl Args for InitArgs {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        ANSWERS.iter().fold(cmd, |cmd, a| cmd.arg(init_flag(a)))
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

/// The flag of one answer, as clap's derive would write it for a field of
/// that kind (so `--help` reads as it always did).
fn init_flag(a: &Answer) -> Arg {
    let arg = Arg::new(a.key)
        .long(a.flag)
        .value_name(a.value_name)
        .required(a.required);
    let arg = if a.help.is_empty() {
        arg
    } else {
        arg.help(a.help)
    };
    match a.kind {
        Kind::Text => arg
            .action(ArgAction::Set)
            .value_parser(value_parser!(String)),
        Kind::Port { default } => arg
            .action(ArgAction::Set)
            .value_parser(value_parser!(u16))
            .default_value(default.to_string()),
        Kind::File { .. } => arg
            .action(ArgAction::Set)
            .value_parser(value_parser!(PathBuf)),
        Kind::Resolvers => arg
            .action(ArgAction::Append)
            .value_parser(value_parser!(String)),
    }
}

impl FromArgMatches for InitArgs {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        // Every answer has a default but the three required ones, which
        // clap made sure were given.
        let mut answers = Answers::new("", "", "");
        for a in ANSWERS {
            let value = match a.kind {
                Kind::Text => m
                    .get_one::<String>(a.key)
                    .map(|s| AnswerValue::Text((a.clean)(s))),
                Kind::Port { .. } => m.get_one::<u16>(a.key).copied().map(AnswerValue::Port),
                Kind::File { .. } => m.get_one::<PathBuf>(a.key).cloned().map(AnswerValue::File),
                Kind::Resolvers => m
                    .get_many::<String>(a.key)
                    .map(|v| AnswerValue::List(v.cloned().collect())),
            };
            if let Some(v) = value {
                (a.set)(&mut answers, v);
            }
        }
        Ok(InitArgs {
            answers: Box::new(answers),
        })
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

#[derive(Args, Debug)]
pub struct ResetArgs {
    /// The stage to reset
    #[arg(
        value_name = "STAGE",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub stage: Option<String>,
    /// Forget the whole profile (answers and progress)
    #[arg(long)]
    pub all: bool,
    /// Do not ask for confirmation
    #[arg(long, short)]
    pub yes: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn init(args: &[&str]) -> Result<Answers, clap::Error> {
        let cli = Cli::try_parse_from(["tutor", "init"].iter().chain(args))?;
        match cli.command {
            Command::Init(a) => Ok(*a.answers),
            other => panic!("parsed as {other:?}"),
        }
    }

    /// The flags built from the answers table read into the answers as the
    /// derived ones did: tidied text, the table's defaults, repeatable lists.
    #[test]
    fn init_reads_the_answers_table() {
        let a = init(&[
            "--domain",
            " Staging.Example.ORG. ",
            "--server-ip",
            " 192.0.2.7 ",
            "--ssh-user",
            "ada",
            "--resolver",
            "1.1.1.1",
            "--resolver",
            "127.0.0.1:5353",
            "--http-port",
            "8080",
            "--ca",
            "lab-ca.pem",
        ])
        .unwrap();
        let mut want = Answers::new("staging.example.org", "192.0.2.7", "ada");
        want.resolvers = vec!["1.1.1.1".into(), "127.0.0.1:5353".into()];
        want.http_port = 8080;
        want.ca = Some("lab-ca.pem".into());
        assert_eq!(a, want);
        assert_eq!((a.ssh_port, a.dev_port, a.https_port), (22, 8000, 443));

        let missing = init(&["--domain", "a.example.org", "--ssh-user", "u"]).unwrap_err();
        assert!(
            missing.to_string().contains("--server-ip <IP>"),
            "{missing}"
        );
        let unchecked = init(&["--domain", "a.b", "--server-ip", "x", "--ssh-user", "u"]);
        assert!(unchecked.is_ok(), "values are checked by init, not by clap");
        let bad = init(&[
            "--domain",
            "a.b",
            "--server-ip",
            "x",
            "--ssh-user",
            "u",
            "--ssh-port",
            "x",
        ]);
        assert!(bad.unwrap_err().to_string().contains("--ssh-port <N>"));
    }
}
