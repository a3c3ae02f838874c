# The guided tour (src/wizard.rs).

prompt-failed = the prompt failed: { $error }
confirm-needs-yes = { $question } Without a terminal I cannot ask: add --yes to confirm.
start-again = You already have a profile "{ $profile }" for { $domain }. Start again from the first stage? (No: continue where you were)
recap-welcome = Welcome back!
recap-welcome-domain = Welcome back! You are deploying { $domain }.
recap-none = No stage is finished yet.
recap-done = Finished so far: { $stages }
recap-skipped = { $stage } (skipped)
recap-next = Next: { $stage } — { $title }
menu-check = Check my server
menu-again = Check again
menu-hint = Show a hint
menu-explain = Explain the problem in more detail
menu-skip = Skip this stage
menu-quit = Quit (your progress is saved)
menu-question-first = When you have typed these commands:
menu-question-after = What now?
explain-undecided = The check could not decide; the lines above say what to run.
checking = Checking { $stage } on the server…
host-key-first = This is the first time tutor connects to { $server }. Its { $kind } key fingerprint is
    { $fingerprint }
    Compare it with the one your hosting provider shows (or `ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub` on the server).
host-key-question = Is this your server's key?
passphrase = Passphrase for { $path }:
stage-done = Stage { $stage } done.
profile-unusable = The saved profile is not usable: { $problem }
q-domain = Your staging domain:
q-domain-help = the name your site will have while you try things out, e.g. superlists-staging.example.com
q-live = Your live domain (optional):
q-live-help = the name for the real site later; press Enter to skip
q-ip = Your server's IP address:
q-ip-help = your hosting provider shows it, e.g. 203.0.113.10
q-user = The user you log in as on the server:
q-user-help = an ordinary user with sudo, not root (e.g. elspeth)
q-user-root = Use an ordinary user, not root: the ssh stage shows how to create one.
q-port = SSH port:
q-port-error = Type a port number from 1 to 65535.
q-port-zero = Port 0 is not a port: use 1 to 65535 (usually 22).
q-key = Your SSH private key file (optional):
q-key-help = press Enter to use your ssh-agent and ~/.ssh/id_ed25519, id_ecdsa, id_rsa
q-key-missing = There is no file { $path }: give the path of your private key, or leave it empty.
q-repo = Your project's git repository URL (optional):
q-repo-help = e.g. https://github.com/you/superlists.git; press Enter to skip
save-failed = could not save progress
