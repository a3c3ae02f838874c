
. "$TMPDIR_LAB/mounts.sh"
lab_mounts "$ROOT" "$UPPER" "$WORK" /dev/null 0
chroot "$ROOT" /usr/bin/env -i PATH="$LAB_PATH" HOME=/root LANG=C.UTF-8 \
    /bin/bash "$TMPDIR_LAB/provision-inside.sh" "$1"
if [ "$1" = system ]; then
    GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 git clone -q "$ORIGIN" "$ROOT$SITE"
fi
