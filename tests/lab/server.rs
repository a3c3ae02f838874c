//! What both labs offer a scenario: the dev-server lab ([`super::Lab`]:
//! daemons as the test's children, no systemd) and the booted lab
//! ([`super::booted::BootedLab`]: systemd as PID 1 of its own namespaces).
//! A scenario written against [`Server`] runs on either.

use super::harness::{self, Learner};
use super::DnsAnswer;
use std::process::Output;

pub trait Server: Learner {
    /// The last stage of the pack this lab deploys healthy: every stage up
    /// to and including it passes on a fresh lab.
    fn last_stage(&self) -> &'static str;

    /// The stages this lab deploys, in the pack's order.
    fn stages(&self) -> Vec<String> {
        harness::stages_through(self.last_stage())
    }

    /// Arguments for `tutor init` describing this server.
    fn init_args(&self) -> Vec<String>;

    /// `tutor init` with [`Server::init_args`], replacing or adding the
    /// `(flag, value)` pairs of `extra`.
    fn init_with(&self, extra: &[(&str, &str)]) {
        let mut args = self.init_args();
        for (flag, value) in extra {
            if let Some(i) = args.iter().position(|a| a == flag) {
                args[i + 1] = (*value).to_string();
            } else {
                args.push((*flag).to_string());
                args.push((*value).to_string());
            }
        }
        harness::init(self, &args);
    }

    /// Runs `script` with bash as the learner on the server (cwd home).
    fn user_sh(&self, script: &str) -> Output;

    /// Runs `script` with bash as root on the server (cwd /root).
    fn root_sh(&self, script: &str) -> Output;

    /// Makes resolver `idx` answer `answer` for the domain.
    fn set_dns(&self, idx: usize, answer: DnsAnswer);

    /// [`Server::set_dns`] on every resolver.
    fn set_all_dns(&self, answer: DnsAnswer);

    /// Runs a break or fix snippet as root; it must succeed.
    fn root_ok(&self, script: &str) {
        let out = self.root_sh(script);
        assert!(
            out.status.success(),
            "as root: {script}\n{}",
            harness::text(&out)
        );
    }

    /// Runs a break or fix snippet as the learner; it must succeed.
    fn user_ok(&self, script: &str) {
        let out = self.user_sh(script);
        assert!(
            out.status.success(),
            "as the learner: {script}\n{}",
            harness::text(&out)
        );
    }
}

impl Server for super::Lab {
    fn last_stage(&self) -> &'static str {
        super::Lab::LAST_STAGE
    }
    fn init_args(&self) -> Vec<String> {
        super::Lab::init_args(self)
    }
    fn user_sh(&self, script: &str) -> Output {
        super::Lab::user_sh(self, script)
    }
    fn root_sh(&self, script: &str) -> Output {
        super::Lab::server_sh(self, script)
    }
    fn set_dns(&self, idx: usize, answer: DnsAnswer) {
        super::Lab::set_dns(self, idx, answer);
    }
    fn set_all_dns(&self, answer: DnsAnswer) {
        super::Lab::set_all_dns(self, answer);
    }
}

impl Server for super::booted::BootedLab {
    fn last_stage(&self) -> &'static str {
        super::booted::BootedLab::LAST_STAGE
    }
    fn init_args(&self) -> Vec<String> {
        super::booted::BootedLab::init_args(self)
    }
    fn user_sh(&self, script: &str) -> Output {
        super::booted::BootedLab::user_sh(self, script)
    }
    fn root_sh(&self, script: &str) -> Output {
        super::booted::BootedLab::sh(self, script)
    }
    fn set_dns(&self, idx: usize, answer: DnsAnswer) {
        super::booted::BootedLab::set_dns(self, idx, answer);
    }
    fn set_all_dns(&self, answer: DnsAnswer) {
        super::booted::BootedLab::set_all_dns(self, answer);
    }
}
