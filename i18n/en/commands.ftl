# Command output (src/commands.rs).

pack-errors = The lesson pack in { $source } has { $count } error(s):
pack-builtin = the built-in lessons
profile-unusable-fix = The saved profile "{ $profile }" is not usable: { $problem } Fix it with `tutor init ...` or `tutor start`.
profile-name-invalid = { $name } is not a usable profile name: use up to 40 letters, digits, - and _ (e.g. staging, live).
no-such-stage = There is no stage { $stage }; the stages are: { $stages }.
no-such-diagnosis = There is no diagnosis { $id }; the ids are: { $ids }.
dns-wait-bar = DNS: { $agree }/{ $total } resolvers answer the server's address
dns-wait-giving-up = (giving up in { $left })
init-domain = --domain: { $problem }
init-no-key = --identity { $path }: no such key file; give the path of your private key (e.g. ~/.ssh/id_ed25519).
init-bad-ca = --ca { $path }: not a file of certificates tutor can read; give the PEM file of your certificate authority (it starts with -----BEGIN CERTIFICATE-----).
init-bad-resolver = --resolver { $value }: give an IP address, optionally with a port, e.g. 1.1.1.1 or 127.0.0.1:5353.
init-saved = Saved profile "{ $profile }" in { $path }.
    Next: `tutor check --all` to see where the server stands, or `tutor continue` for the guided tour.
status-profile = Profile "{ $profile }"
status-domain = domain
status-server = server
status-server-value = { $ip } (ssh port { $port })
status-user = user
status-site = site
status-language = language
status-no-answers = (the profile questions are not answered yet)
status-done = done
status-failed = failed ({ $diagnoses })
status-skipped = skipped
status-pending = pending
status-here = ← you are here
status-saved-in = saved in { $path }
hint-heading = Hint { $number } of { $total } for { $stage }
hint-more = Still stuck? `tutor hint` again gives a bigger hint.
hint-last = Still stuck? `tutor hint` again shows the full solution.
solution-heading = Solution for { $stage }
read-stdin-failed = could not read the message from standard input
reset-aside-question = Start over, keeping the unreadable progress file aside?
reset-nothing = Nothing was changed.
reset-moved = Moved it to { $path }; you can start over with `tutor start`.
reset-what-stage = the progress of stage { $stage }
reset-what-all = the whole profile "{ $profile }" (answers and progress)
reset-question = Forget { $what }?
reset-done = Forgot { $what }.
lint-ok = { $dir }: OK ({ $stages } stages, { $checks } checks, { $diagnoses } diagnoses)
lint-errors = { $count } error(s) in the lesson pack { $dir }.
lessons-checks = checks:
lessons-diagnoses = diagnoses:

pack-command-adds = the pack's check { $check } runs:
pack-command-replaces = the pack replaces the built-in check { $check } with one that runs:
pack-consent-intro = The lesson pack { $pack } runs commands of its own on your server (tutor's own checks only read; these are the pack's):
pack-consent-ask = Run these commands on your server when tutor checks it?
pack-consent-needed = The lesson pack { $pack } runs the commands listed above on your server: read them, then run again with --yes to allow them (asked again if they change).

# tutor ft (src/ft/).
ft-no-project = There is no folder { $dir }: give your Django project's folder with `tutor ft --project DIR`.
ft-no-manage-py = There is no manage.py in { $dir }: run `tutor ft` in your Django project's folder (the one with manage.py), or give it with --project DIR.
ft-command-not-found = The command { $program } was not found: create your project's virtualenv (python3 -m venv .venv), or give the command that runs your tests with --command.
ft-no-selenium = The Python that runs your tests ({ $python }) has no Selenium: install it into the project's virtualenv with `.venv/bin/pip install selenium`, then run `tutor ft` again.
ft-empty-command = The test command is empty: give one with --command, e.g. --command "python manage.py test functional_tests".
ft-running = Running `{ $command }` in { $dir } with STAGING_SERVER={ $server }
ft-progress-start = starting the tests…
ft-progress = { $done } tests run, { $failed } failed
ft-progress-of = { $done }/{ $total } tests run, { $failed } failed
ft-not-recognised = Not recognised: tutor does not know this message. Paste the whole traceback into `tutor why`, or ask with it.
ft-cause = → the server checks name the cause: { $id } (stage { $stage }), see below
ft-checks-heading = What tutor sees on your server:
ft-all-pass = All { $count } functional tests pass against { $server } ({ $seconds }s).
ft-some-failed = { $failed } of { $count } functional tests failed ({ $failures } failures, { $errors } errors, { $seconds }s).
ft-none-ran = No functional test ran: is there a functional_tests folder with tests in it?
ft-no-result = The tests gave no result (the command ended with exit code { $code }); its last lines:
ft-timed-out = The tests did not finish within { $timeout }: tutor stopped them (a longer limit: --timeout 10m).
ft-interrupted = Stopped with Ctrl-C: the tests and their browser were stopped.
ft-same-as-above = The same as above: { $id }.
