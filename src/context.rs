//! What every command needs: where state lives, which profile, which pack,
//! how to draw and which language. Built once from the command line and
//! handed to the commands, the wizard and the classroom.

use crate::cli::Cli;
use crate::i18n::{self, Lang};
use crate::messages;
use crate::pack::Pack;
use crate::profile::Profile;
use crate::progress::{self, ProfileLock, Progress, Store};
use crate::t;
use crate::term::Paint;
use anyhow::{anyhow, bail, Result};
use std::path::PathBuf;

/// What every command needs: where state lives, which profile, which pack.
#[derive(Clone)]
pub struct Ctx {
    pub state_dir: PathBuf,
    pub profile: String,
    pub lessons: Option<PathBuf>,
    pub paint: Paint,
    /// The language of this run, and whether the learner chose it explicitly
    /// (`--lang` or `TUTOR_LANG`), in which case it is saved in the profile.
    pub lang: Lang,
    pub lang_chosen: bool,
}

impl Ctx {
    pub fn from_cli(cli: &Cli) -> Result<Ctx> {
        if !progress::valid_profile_name(&cli.profile) {
            // Said in the language of the flag, TUTOR_LANG or the locale:
            // a bad name has no saved language to read.
            i18n::set(i18n::resolve(cli.lang, None).0);
            bail!(t!(
                "profile-name-invalid",
                name = format!("{:?}", cli.profile)
            ));
        }
        let state_dir = match &cli.state_dir {
            Some(d) => d.clone(),
            None => progress::default_state_dir()?,
        };
        // The profile's saved language, if any (a damaged file is reported
        // later by the command that reads it).
        let saved = saved_lang(&state_dir, &cli.profile);
        let (lang, lang_chosen) = i18n::resolve(cli.lang, saved);
        i18n::set(lang);
        Ok(Ctx {
            state_dir,
            profile: cli.profile.clone(),
            lessons: cli.lessons.clone(),
            paint: Paint::new(cli.no_color),
            lang,
            lang_chosen,
        })
    }

    /// Save the language in the profile when the learner chose it
    /// (`--lang`, `TUTOR_LANG`). A language that only came from the locale
    /// is not saved: the next run in another locale follows that locale.
    pub fn remember_lang(&self, progress: &mut Progress) {
        if let Some(a) = progress.answers.as_mut() {
            if self.lang_chosen {
                a.lang = Some(self.lang);
            }
        }
    }

    pub fn store(&self) -> Result<Store> {
        Store::open(&self.state_dir, &self.profile)
    }

    /// The store, locked for writing for as long as the guard lives.
    pub fn locked_store(&self) -> Result<(Store, ProfileLock)> {
        let store = self.store()?;
        let lock = store.lock().map_err(|e| anyhow!("{e}"))?;
        Ok((store, lock))
    }

    pub fn pack(&self) -> Result<Pack> {
        Pack::load(self.lessons.as_deref(), self.lang.code()).map_err(|errors| {
            let source = self
                .lessons
                .as_ref()
                .map_or(t!("pack-builtin"), |d| crate::visible::path(d));
            anyhow!(
                "{}\n{}",
                t!("pack-errors", source = source, count = errors.len()),
                errors.join("\n")
            )
        })
    }

    /// The pack, for a command that runs checks: when an instructor's pack
    /// brings commands of its own that were not allowed before, list them
    /// and ask (a terminal), or accept them with `yes`, or stop with one
    /// sentence on how to allow them.
    pub fn pack_to_run(&self, yes: bool) -> Result<Pack> {
        let pack = self.pack()?;
        let commands = crate::consent::pack_commands(&pack);
        if commands.is_empty() {
            return Ok(pack);
        }
        let fingerprint = crate::consent::fingerprint(&commands);
        if crate::consent::is_trusted(&self.state_dir, &fingerprint) {
            return Ok(pack);
        }
        let source = self
            .lessons
            .as_ref()
            .map_or(t!("pack-builtin"), |d| crate::visible::path(d));
        eprintln!(
            "{}\n{}",
            t!("pack-consent-intro", pack = &source),
            crate::consent::listing(&commands)
        );
        let allowed = yes
            || (crate::term::interactive()
                && inquire::Confirm::new(&t!("pack-consent-ask"))
                    .with_default(false)
                    .prompt()
                    .unwrap_or(false));
        if !allowed {
            bail!(t!("pack-consent-needed", pack = &source));
        }
        crate::consent::trust(&self.state_dir, &fingerprint)?;
        Ok(pack)
    }

    pub fn load(&self, store: &Store) -> Result<Option<Progress>> {
        store.load().map_err(|e| anyhow!("{e}"))
    }

    /// The saved progress with a complete, valid profile, or a sentence on
    /// how to make one.
    pub fn load_profile(&self, store: &Store) -> Result<(Progress, Profile)> {
        let progress = self.load(store)?;
        let Some(answers) = progress.as_ref().and_then(|p| p.answers.clone()) else {
            bail!(messages::no_profile(&self.profile));
        };
        let profile = Profile::new(&self.profile, &answers).map_err(|e| {
            anyhow!(t!(
                "profile-unusable-fix",
                profile = &self.profile,
                problem = e
            ))
        })?;
        Ok((progress.expect("answers came from it"), profile))
    }
}

/// The language saved in a profile, read without creating anything: the
/// choice must be known before the first message is printed.
fn saved_lang(state_dir: &std::path::Path, profile: &str) -> Option<Lang> {
    // Never blocking on a FIFO nor reading a huge file planted there: the
    // command that loads the progress file reports those.
    let bytes = crate::safe_file::read(
        &state_dir.join(format!("{profile}.json")),
        crate::safe_file::Follow::No,
        8 * crate::safe_file::MB,
    )
    .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v["answers"]["lang"].as_str().and_then(Lang::parse)
}
