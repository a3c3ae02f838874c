# Classroom output (src/class/): `tutor class check`, `tutor class summary`,
# `tutor export`. Stage names, diagnosis ids, TOML keys and file paths stay
# as they are.

## tutor class check

class-no-learners = { $roster }: no learner to check: add [[learner]] entries (see `tutor class check --help`).
class-check-title = Class check
class-check-subtitle = { $roster } · { $count ->
        [one] 1 learner
       *[other] { $count } learners
    } · checked { $time } in { $seconds } s
# $done is the progress bar's own "{pos}/{len}".
class-bar = { $done } learners checked
class-watch-again = Checking again in { $seconds } s; Ctrl-C stops.
class-closing-all-pass = { $count ->
        [one] The learner passes every stage checked.
       *[other] All { $count } learners pass every stage checked.
    }
class-closing-some-pass = { $count ->
        [one] { $passing } of 1 learner passes every stage checked.
       *[other] { $passing } of { $count } learners pass every stage checked.
    }
class-closing-skipped = { $count ->
        [one] 1 roster entry was skipped (see the messages above).
       *[other] { $count } roster entries were skipped (see the messages above).
    }
class-run-unfinished = the check did not finish
class-run-panic = tutor hit an internal error checking this server

## tutor class summary

class-no-handins = { $count ->
        [one] The file is not a hand-in: ask learners for the output of `tutor export`.
       *[other] None of the { $count } files is a hand-in: ask learners for the output of `tutor export`.
    }
class-summary-title = Class summary
class-summary-subtitle = { $count ->
        [one] 1 hand-in
       *[other] { $count } hand-ins
    } · cells: time spent on the stage, after the attempts when several (3× 12m) · made { $time }
class-summary-cells = Cells show the time spent on each stage, after the number of attempts when there were several (3× 12m).
class-median-label = median time to pass
class-median-line = Median time to pass: { $times }
class-html-write-failed = cannot write the HTML page { $path }

## The table (terminal)

class-col-learner = learner
class-col-furthest = furthest
# A learner who passed no stage, in the furthest column and the counts.
class-none = none
class-mark-pass = passed
class-mark-fail = failed
class-mark-fail-id = failed (diagnosis id)
class-mark-error = could not be decided
class-mark-skip = not reached
class-mark-skipped = skipped by the learner
class-where-heading = Where the class is (furthest stage passed, { $count ->
        [one] 1 learner
       *[other] { $count } learners
    })
class-common-heading = Most common problems (worth explaining to the room)
# $n is the count already right-aligned for the column.
class-common-count = { $count ->
        [one] { $n } learner
       *[other] { $n } learners
    }
class-common-explain = tutor explain ID prints the page to project.

## The page (--html)

class-html-col-learner = Learner
class-html-col-furthest = Furthest
class-html-where = Where the class is
class-html-where-hint = Learners by the furthest stage they passed.
class-html-common = Most common problems
class-html-common-none = None: every check that ran passed.
class-html-learners = { $count ->
        [one] 1 learner
       *[other] { $count } learners
    }
class-html-explain = tutor explain ID prints the page for each.

## The roster

class-roster-unreadable = { $path }: cannot read the roster
class-roster-learner = learner { $name }
class-roster-learner-number = learner #{ $number }
class-roster-no-name = it has no name: add name = "..." so the table can show who it is.
class-roster-duplicate = the name is already used by the learner on line { $line }: give each learner a different name.
class-roster-bad-user = ssh_user { $user } is not a valid user name for the server: use lowercase letters, digits, _ and -, starting with a letter.
class-roster-site-dir = site_dir is empty or holds a line break: use e.g. ~/sites/staging.example.com.
class-roster-unknown-key = unknown key { $key }: the keys are { $keys }.
class-roster-missing = { $key } is missing: add { $key } = "...".
class-roster-not-string = { $key } must be a string in quotes, not { $kind }.
class-roster-bad-port = { $key } must be a port number from 1 to 65535, not { $value }.
class-roster-empty-path = { $key } is empty: give a file path or leave the key out.
class-roster-no-key-file = { $key } { $path }: no such key file; give the path of a private key (e.g. ~/.ssh/id_ed25519).
class-roster-resolvers-not-list = resolvers must be a list such as ["1.1.1.1"], not { $kind }.
class-roster-bad-resolver = resolver { $value } is not an IP address (optionally with a port), e.g. 1.1.1.1 or 127.0.0.1:5353.
class-roster-resolvers-not-strings = resolvers must hold strings in quotes, not { $kind }.
class-kind-string = a string
class-kind-number = a number
class-kind-decimal = a decimal number
class-kind-bool = true or false
class-kind-date = a date
class-kind-list = a list
class-kind-table = a table

## Hand-ins

class-handin-unreadable = { $file }: cannot read it ({ $error }); skipped.
class-handin-too-many-stages = { $file }: { $count } stages is more than any lesson pack has; not a hand-in, skipped.
class-handin-bad-id = { $file }: "{ $id }" is not a stage or diagnosis name (lower-case letters, digits, ., _ and -, at most 64); skipped.
class-handin-not-json = { $file }: not a hand-in from `tutor export` (line { $line }: { $error }); skipped.
class-handin-newer = { $file }: made by a newer tutor (hand-in format { $version }); update tutor to read it; skipped.
class-handin-damaged = { $file }: a damaged hand-in ({ $error }); skipped.
class-handin-damaged-progress = { $file }: a damaged progress file ({ $error }); skipped.
class-handin-no-field = { $file }: not a hand-in from `tutor export` (no tutor_handin field); skipped.
class-ft-heading = Functional tests against their own server (tutor ft, last run): { $green } of { $count } green
