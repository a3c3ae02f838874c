# Sourced by boot.sh and provision.sh (tests/lab/booted.rs).
lab_mounts() {
    local R=$1 U=$2 W=$3 CONSOLE=$4 CGROUP=$5 n p
    mount --make-rprivate /
    mount -t overlay overlay -o "lowerdir=/,upperdir=$U,workdir=$W" "$R"
    mount -t proc -o nosuid,nodev,noexec proc "$R/proc"
    for p in sys sysrq-trigger; do
        if [ -e "$R/proc/$p" ]; then
            mount --bind "$R/proc/$p" "$R/proc/$p"
            mount -o remount,bind,ro "$R/proc/$p"
        fi
    done
    mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$R/sys"
    if [ "$CGROUP" = 1 ]; then
        mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$R/sys/fs/cgroup"
    fi
    mount -t tmpfs -o mode=755,nosuid,size=16m tmpfs "$R/dev"
    for n in null zero full random urandom tty; do
        : > "$R/dev/$n"
        mount --bind "/dev/$n" "$R/dev/$n"
    done
    mkdir "$R/dev/pts" "$R/dev/shm" "$R/dev/mqueue"
    mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$R/dev/pts"
    ln -s pts/ptmx "$R/dev/ptmx"
    mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$R/dev/shm"
    ln -s /proc/self/fd "$R/dev/fd"
    ln -s /proc/self/fd/0 "$R/dev/stdin"
    ln -s /proc/self/fd/1 "$R/dev/stdout"
    ln -s /proc/self/fd/2 "$R/dev/stderr"
    : > "$R/dev/console"
    mount --bind "$CONSOLE" "$R/dev/console"
    mount -t tmpfs -o mode=755,nosuid,nodev,size=256m tmpfs "$R/run"
    mount -t tmpfs -o mode=1777,nosuid,nodev,size=1g tmpfs "$R/tmp"
}
