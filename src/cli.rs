//! The command line, as clap sees it. Nothing else lives here.

use clap::{Args, Parser, Subcommand};
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

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Your staging domain, e.g. superlists-staging.example.com
    #[arg(long, value_name = "D")]
    pub domain: String,
    /// The IPv4 address of your server
    #[arg(long, value_name = "IP")]
    pub server_ip: String,
    /// The user you log in as on the server (not root)
    #[arg(long, value_name = "U")]
    pub ssh_user: String,
    #[arg(long, value_name = "N", default_value_t = 22)]
    pub ssh_port: u16,
    /// Your private key file [default: the agent's keys, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa]
    #[arg(long, value_name = "FILE")]
    pub identity: Option<PathBuf>,
    /// The known_hosts file to check the server's key against and record it in [default: UserKnownHostsFile from ~/.ssh/config, else ~/.ssh/known_hosts and known_hosts2; /etc/ssh/ssh_known_hosts is read too]
    #[arg(long, value_name = "FILE")]
    pub known_hosts: Option<PathBuf>,
    /// Where the site lives on the server [default: ~/sites/DOMAIN]
    #[arg(long, value_name = "PATH")]
    pub site_dir: Option<String>,
    /// The port of Django's dev server
    #[arg(long, value_name = "N", default_value_t = 8000)]
    pub dev_port: u16,
    /// The port nginx listens on
    #[arg(long, value_name = "N", default_value_t = 80)]
    pub http_port: u16,
    /// The port nginx serves HTTPS on
    #[arg(long, value_name = "N", default_value_t = 443)]
    pub https_port: u16,
    /// A PEM file of certificate authorities to trust besides the public ones (a workshop's or a test lab's private CA)
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// A DNS resolver to ask (repeatable) [default: public resolvers and the domain's own name servers]
    #[arg(long = "resolver", value_name = "ADDR[:PORT]")]
    pub resolvers: Vec<String>,
    /// Your live domain, if you have one
    #[arg(long, value_name = "D")]
    pub live_domain: Option<String>,
    /// The URL of your project's git repository
    #[arg(long, value_name = "URL")]
    pub repo_url: Option<String>,
    /// Where gunicorn's unix socket lives [default: /run/gunicorn-DOMAIN.socket]
    #[arg(long, value_name = "PATH")]
    pub gunicorn_socket: Option<String>,
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
