# What the SSH probe says when a login fails (src/probe/ssh/).

ssh-refused = { $addr } refused the connection: no SSH server listens on port { $port } there, or a firewall rejects it.
ssh-no-answer = No answer from { $addr } within { $timeout }: the server is down, the address is wrong, or a firewall silently drops the connection.
ssh-connect-failed = Could not connect to { $addr }: { $error }.
ssh-no-address = { $host } has no address to connect to.
ssh-name-no-address = The name { $host } has no address.
ssh-name-unresolved = The name { $host } could not be resolved: { $error }.
ssh-name-slow = Resolving the name { $host } took longer than { $timeout }.
ssh-handshake-timeout = { $addr } accepted the connection but the SSH handshake did not finish within { $timeout } (is an SSH server listening on that port?).
ssh-handshake-closed = { $addr } closed the connection during the SSH handshake ({ $error }): it may not be an SSH server, or it refuses this client.
ssh-handshake-failed = The SSH handshake with { $addr } failed: { $error }.
ssh-stopped-answering = { $addr } stopped answering during the login.
ssh-stopped-at-start = { $addr } stopped answering at the start of the login.
ssh-max-auth-tries = { $addr } closed the connection after { $count } keys were offered: sshd allows only MaxAuthTries (6 by default) per connection, so the right key must come earlier, or the agent must hold fewer keys (refused: { $keys }).
ssh-first-step-failed = The login as { $user } on { $addr } failed at the first step: { $error }.
ssh-no-publickey = { $addr } does not accept SSH keys for { $user } (it offers only: { $methods }).
ssh-no-key = There was no key to log in to { $addr } as { $user } with: { $agent }, and { $files }.
ssh-agent-empty = the ssh-agent holds no key
ssh-no-agent = no ssh-agent (SSH_AUTH_SOCK is not set)
ssh-agent-unused = the agent is not used
ssh-no-key-file = no key file is configured
ssh-key-files-missing = none of { $files } exists
ssh-none-accepted = { $addr } accepted none of the keys offered for { $user } (tried: { $keys }).
ssh-host-key-unknown = The server's { $kind } host key { $fingerprint } is not in known_hosts yet, so nothing proves this is your server.
ssh-host-key-changed = The server's host key { $fingerprint } differs from the one recorded in { $file } line { $line }: the server was reinstalled or something is in between, so tutor will not log in.
ssh-passphrase-needed = The key { $path } is protected by a passphrase and none was given (enter it, or load the key with ssh-add).
