#!/bin/sh
# PID 1 of the test VM (busybox sh; build.sh installs it as the initramfs's /init).
# Loads the modules, creates one instance of a type of each mdev sample, mounts the host's root
# (read-only, 9p tag "hostroot") and the run's output directory (writable, 9p tag "out"), then runs
# the command run.sh left in <outdir>/.vm/command chrooted into the host root, and powers off.
# Console lines start with "mdevscope-vm:" so run.sh can show them apart from kernel messages.
export PATH=/bin:/sbin

say() { echo "mdevscope-vm: [$(cut -d" " -f1 /proc/uptime)] $*"; }
fail() {
	say "FAILED: $*"
	# A guest without an rc file is a failed boot to run.sh; no rc is written here on purpose.
	sync
	poweroff -f
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
say "kernel $(uname -r) up"

# build.sh wrote the modules to load, in order (the base modules' closure comes from modules.dep).
while read -r mod; do
	modprobe "$mod" || fail "modprobe $mod"
done </etc/modules

# The same instances as the captured fixtures (test/fixtures/captured, README there): the UUIDs
# and types those trees hold.
create() { # parent type uuid
	dir=/sys/class/mdev_bus/$1/mdev_supported_types/$2
	[ -d "$dir" ] || fail "no type $2 under /sys/class/mdev_bus/$1 (types: $(ls /sys/class/mdev_bus/$1/mdev_supported_types 2>&1))"
	echo "$3" >"$dir/create" || fail "creating $3 of $1/$2"
	[ -e "/sys/bus/mdev/devices/$3" ] || fail "$3 did not appear under /sys/bus/mdev/devices"
}
create mtty mtty-1 11111111-1111-1111-1111-111111111111
create mdpy mdpy-hd 22222222-2222-2222-2222-222222222222
create mbochs mbochs-large 33333333-3333-3333-3333-333333333333
say "instances: $(ls /sys/bus/mdev/devices | tr '\n' ' ')groups: $(ls /dev/vfio | tr '\n' ' ')"

# msize: 9p's default (8 KiB on 6.1) makes node's start-up crawl; 512 KiB is virtio's limit.
opts=trans=virtio,version=9p2000.L,msize=512000
# The host root never changes under a run, so the guest may cache it (much faster module loads).
mount -t 9p -o "$opts,ro,cache=loose" hostroot /host || fail "mounting the host root (9p tag hostroot)"
mount -t 9p -o "$opts" out /out || fail "mounting the output share (9p tag out)"

cmdfile=/out/.vm/command
[ -f "$cmdfile" ] || fail "no $cmdfile: run.sh writes it"
cwd=$(cat /out/.vm/cwd)
outdir=$(cat /out/.vm/outdir)
path=$(cat /out/.vm/path)

mount -t proc proc /host/proc || fail "proc in the chroot"
mount -t sysfs sysfs /host/sys || fail "sysfs in the chroot"
mount -t devtmpfs devtmpfs /host/dev || fail "devtmpfs in the chroot"
mkdir -p /host/dev/pts /host/dev/shm
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts /host/dev/pts || fail "devpts in the chroot"
mount -t tmpfs -o mode=1777 tmpfs /host/dev/shm || fail "tmpfs on the chroot's /dev/shm"
mount -t tmpfs -o mode=1777 tmpfs /host/tmp || fail "tmpfs on the chroot's /tmp"
# The output directory at its host path, writable, so host and guest name files the same way.
# (Under /tmp it has to be made in the tmpfs first; elsewhere it exists in the host root.)
case $outdir in /tmp/*) mkdir -p "/host$outdir" ;; esac
mount -o bind /out "/host$outdir" || fail "binding the output share at $outdir in the chroot"

# A process of the command that dies of SIGSEGV, SIGILL, SIGBUS or SIGABRT gets its registers and
# code bytes logged by the kernel (Documentation/admin-guide/sysctl/kernel.rst, print-fatal-signals),
# at a level that `quiet` keeps off the console: the kernel's messages from the command's time are
# copied there after it.
echo 1 >/proc/sys/kernel/print-fatal-signals
klog_before=$(dmesg | wc -l)
say "running the command in $cwd"
# env -i: the command sees a small, fixed environment, not the initramfs's.
chroot /host /usr/bin/env -i \
	PATH="$path" HOME=/root USER=root LOGNAME=root TERM=linux LANG=C.UTF-8 \
	MDEVSCOPE_VM=1 MDEVSCOPE_VM_OUT="$outdir" \
	/bin/sh -c 'cd "$1" || exit 127; exec /bin/sh -c "$(cat "$2")"' mdevscope-vm "$cwd" "$outdir/.vm/command" \
	</dev/null >/out/stdout 2>/out/stderr
rc=$?
dmesg | tail -n +$((klog_before + 1)) | head -n 300 | while read -r line; do say "kernel: $line"; done
echo "$rc" >/out/rc
sync
say "exit code $rc"
echo "MDEVSCOPE-VM-RC=$rc"
umount "/host$outdir" /out 2>/dev/null
poweroff -f
