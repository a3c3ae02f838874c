
F=$TMPDIR_LAB/files
if [ "$1" = system ]; then
    echo "$HOSTNAME_LAB" > /etc/hostname
    echo "$MACHINE_ID" > /etc/machine-id
    printf '# The booted lab server mounts nothing from fstab.\n' > /etc/fstab
    rm -f /etc/resolv.conf
    printf 'nameserver %s\n' "$RESOLVER" > /etc/resolv.conf
    printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
        "$HOSTNAME_LAB" > /etc/hosts
    printf 'PATH="%s"\n' "$LAB_PATH" > /etc/environment
    # None of the machine's enabled services; masked units never start.
    rm -rf /etc/systemd/system/*.wants /etc/systemd/system/*.requires
    ln -sf /lib/systemd/system/multi-user.target /etc/systemd/system/default.target
    for u in $MASKED; do ln -sf /dev/null "/etc/systemd/system/$u"; done
    mkdir -p /var/log/journal
    # SSH: the server's own host key, key logins only.
    rm -f /etc/ssh/ssh_host_*
    install -m 600 "$TMPDIR_LAB/hostkey/ssh_host_ed25519_key" /etc/ssh/
    install -m 644 "$TMPDIR_LAB/hostkey/ssh_host_ed25519_key.pub" /etc/ssh/
    rm -rf /etc/ssh/sshd_config.d
    mkdir /etc/ssh/sshd_config.d
    install -m 644 "$F/sshd_config" /etc/ssh/sshd_config
    : > /root/.ssh/authorized_keys 2>/dev/null || true
    # The learner, in sudo, passwordless.
    groupadd -g "$LAB_UID" "$LAB_USER"
    useradd -m -u "$LAB_UID" -g "$LAB_UID" -G sudo -s /bin/bash -c 'Lab learner' -p '*' "$LAB_USER"
    # Ubuntu 21.04+ creates home folders with mode 750; the healthy server
    # is the one after the static lesson's fix (chmod o+x), not a 755 home.
    chmod 750 "$LAB_HOME"
    chmod o+x "$LAB_HOME"
    install -d -m 700 -o "$LAB_USER" -g "$LAB_USER" "$LAB_HOME/.ssh"
    install -m 600 -o "$LAB_USER" -g "$LAB_USER" "$TMPDIR_LAB/id_ed25519.pub" "$LAB_HOME/.ssh/authorized_keys"
    printf 'Defaults:%s !authenticate\n' "$LAB_USER" > "/etc/sudoers.d/$LAB_USER"
    chmod 440 "/etc/sudoers.d/$LAB_USER"
    install -d -m 755 -o "$LAB_USER" -g "$LAB_USER" "$LAB_HOME/sites"
    # nginx: a fresh install's files, the default site disabled, ours enabled.
    rm -rf /etc/nginx/sites-enabled /etc/nginx/conf.d
    mkdir /etc/nginx/sites-enabled /etc/nginx/conf.d
    find /etc/nginx/sites-available -mindepth 1 ! -name default -exec rm -rf {} +
    install -m 644 "$F/site.conf" "/etc/nginx/sites-available/$DOMAIN"
    ln -s "/etc/nginx/sites-available/$DOMAIN" "/etc/nginx/sites-enabled/$DOMAIN"
    rm -rf /var/log/nginx/*
else
    # The clone was made as root; the venv is the user's already.
    find "$LAB_HOME/sites" -path "$SITE/.venv" -prune -o -exec chown "$LAB_USER:$LAB_USER" {} +
    install -m 600 -o "$LAB_USER" -g "$LAB_USER" "$F/env" "$SITE/.env"
    cd "$SITE"
    as_user() {
        setpriv --reuid="$LAB_UID" --regid="$LAB_UID" --init-groups -- \
            env -i HOME="$LAB_HOME" USER="$LAB_USER" LOGNAME="$LAB_USER" PATH="$LAB_PATH" LANG=C.UTF-8 "$@"
    }
    as_user .venv/bin/python manage.py migrate --noinput -v 0 &
    m=$!
    as_user .venv/bin/python manage.py collectstatic --noinput -v 0 &
    c=$!
    wait "$m"
    wait "$c"
    install -m 644 "$F/gunicorn.socket" "/etc/systemd/system/$UNIT.socket"
    install -m 644 "$F/gunicorn.service" "/etc/systemd/system/$UNIT.service"
    systemctl enable -q ssh.service nginx.service "$UNIT.socket" "$UNIT.service"
    nginx -t -q
fi
