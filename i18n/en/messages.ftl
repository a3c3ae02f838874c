# General sentences (src/messages.rs, src/why.rs, src/engine.rs, src/profile.rs).

no-profile = There is no profile "{ $profile }" yet: run `tutor start` for the guided tour, or `tutor init --domain D --server-ip IP --ssh-user U` to write it without questions.
needs-tty = The guided tour needs a terminal to ask its questions; in a script, use `tutor init ...` to write the profile, `tutor check --all` to verify the server and `tutor status` to see where you are.
saved-resume = Your progress is saved. Pick up where you left off with `{ $command }`.
welcome = Welcome to tutor. Together we will put your Django site on your own server, one stage at a time. You type the commands; after each stage I look at the real server (I only read, I never change anything) and tell you whether it worked, and if not, why and what to type.
all-done = Every stage passes: your site is deployed. Well done!
why-no-match = I do not recognise this message. Check that you pasted the whole error (the last lines of a traceback matter most), or run `tutor check` to let me look at the server myself.
why-looks-like = This looks like { $id }:
why-also = Also possible: { $ids } (see `tutor explain ID`).
why-paste = Paste the error message, then press Ctrl-D on a line of its own:

not-checked-requires = not checked: it needs { $check } to pass first
not-checked-domain = not checked: the domain is not a valid host name
not-checked-login = not checked: it needs an SSH login (see ssh.login)
check-retired = retired: { $check } passes, so the production setup has taken over from this stage
not-decided-timeout = not decided: the command of { $check } did not finish within { $seconds } s on the server
not-decided-timeout-unknown = not decided: the command of { $check } did not finish in time on the server
not-decided-signal = not decided: the command of { $check } was ended by signal { $signal } on the server
not-decided-no-run = not decided: the command of { $check } could not run ({ $reason })
not-decided-todo = run `tutor check { $stage }` again; if it keeps happening, the server is slow or overloaded (`uptime` on the server shows its load)
no-rule-matched = no rule of { $check } matched what was seen: { $facts }

domain-empty = The domain is empty: type the name you bought, e.g. staging.example.com.
domain-url = { $name } is a URL, not a domain: type only the name, e.g. staging.example.com.
domain-no-dot = { $name } has no dot: a domain looks like staging.example.com.
domain-invalid = { $name } is not a valid domain: use only letters, digits, hyphens and dots, e.g. staging.example.com.
live-domain-problem = Live domain: { $problem }
ip-not-server = { $ip } cannot be a server's address: use the IPv4 address your provider shows.
ip-invalid = { $ip } is not an IPv4 address: it looks like 203.0.113.10 (four numbers from 0 to 255).
user-invalid = { $user } is not a valid user name for the server: use lowercase letters, digits, _ and -, starting with a letter.
port-zero = The { $what } is 0: use a port from 1 to 65535.
port-what-ssh = SSH port
port-what-dev = dev server port
port-what-http = HTTP port
site-dir-invalid = The site folder is empty, starts with - or holds a line break or other control character: use e.g. ~/sites/staging.example.com.

progress-damaged = The progress file { $path } is damaged ({ $reason }); it was left as it is: move it away (mv { $path } { $backup }) or start over with `tutor reset --all`.
progress-too-new = The progress file { $path } was made by a newer tutor (format version { $version }, this one reads up to { $supported }); it was left as it is: update tutor or use another --profile.
profile-busy = Another tutor is already using profile "{ $profile }"; finish it or close it first.
profile-busy-pid = Another tutor (PID { $pid }) is already using profile "{ $profile }"; finish it or close it first.

# Local files that may be planted or huge (src/safe_file.rs), and the state folder (src/progress/store.rs).
file-is-symlink = it is a symbolic link, which tutor does not follow here
file-not-regular = it is a pipe, a device or a folder, not a regular file
file-hard-linked = it has other names (hard links), so writing it would change another file
file-too-large = it is larger than { $mb } MB
state-dir-shared = The state folder { $dir } can be written by other users, who could plant files in it: make it yours alone (chmod go-w { $dir }) or give another --state-dir.
why-tail-kept = (Only the last { $mb } MB of what you pasted was read.)
