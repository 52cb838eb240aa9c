#!/bin/bash
# Boots a test VM built by test/vm/build.sh and runs one shell command in it.
#
#   test/vm/run.sh <6.1|6.12> <outdir> -- <shell command>
#
# The command runs as root with `sh -c`, chrooted into this machine's root (read-only over 9p, a
# tmpfs on /tmp), in the directory run.sh was started from (the project), with the mdev samples
# loaded and instances 1111… (mtty-1), 2222… (mdpy-hd), 3333… (mbochs-large) created.
# <outdir> is writable from the guest at the same path ($MDEVSCOPE_VM_OUT); the command's output
# lands in <outdir>/stdout, <outdir>/stderr, <outdir>/rc, the guest's console in <outdir>/console.log.
#
# Exit status: the command's own, or 200 when the guest ended without an exit code (boot failure,
# panic), 201 when it timed out, 202 for a usage or setup error.
# Environment: MDEVSCOPE_VM_TIMEOUT (seconds, default 300), MDEVSCOPE_VM_ACCEL=tcg|kvm|auto,
# MDEVSCOPE_VM_VERBOSE=1 to stream the console, MDEVSCOPE_VM_CACHE (default /var/cache/mdevscope-vm),
# MDEVSCOPE_VM_ROOT=DIR to chroot into DIR (e.g. a clean debootstrap root) instead of this machine's
# root: the command's directory must exist in DIR, run.sh makes the output directory's mount point
# in DIR (so DIR must be a copy of one's own), and PATH is the standard one (DIR need not have node).
set -euo pipefail

usage() { echo "usage: $0 <6.1|6.12> <outdir> -- <shell command>" >&2; exit 202; }
fail() { echo "vm-run: $*" >&2; exit 202; }

[[ $# -ge 4 && $3 == -- ]] || usage
series=$1 outdir=$2
shift 3
command=$*
case $series in 6.1 | 6.12) ;; *) usage ;; esac

cache=${MDEVSCOPE_VM_CACHE:-/var/cache/mdevscope-vm}/$series
for f in version boot-image initrd.img; do
	[[ -e $cache/$f ]] || fail "the $series VM is not built ($cache/$f missing): run test/vm/build.sh $series"
done
kver=$(cat "$cache/version")

mkdir -p "$outdir"
outdir=$(realpath "$outdir")
[[ $outdir != *$'\n'* && $outdir != / ]] || fail "unusable output directory: $outdir"
cwd=$(pwd -P)
std_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
if [[ -n ${MDEVSCOPE_VM_ROOT:-} ]]; then
	root=$(realpath -e "$MDEVSCOPE_VM_ROOT") || fail "MDEVSCOPE_VM_ROOT=$MDEVSCOPE_VM_ROOT does not exist"
	[[ $root != / ]] || fail "MDEVSCOPE_VM_ROOT=/ is this machine's root: leave it unset"
	# What init.sh uses in the chroot: env and sh to start the command, the mount points.
	for f in usr/bin/env bin/sh tmp proc sys dev; do
		[[ -e $root/$f ]] || fail "$root is not a usable root: it has no /$f"
	done
	[[ -d $root$cwd ]] || fail "the command's directory $cwd does not exist in $root (start run.sh from a directory that does)"
	# The output share is bound at its host path in the chroot; under /tmp, init.sh makes it in the tmpfs.
	case $outdir in /tmp/*) ;; *) mkdir -p "$root$outdir" ;; esac
	path=$std_path
else
	root=/
	node=$(command -v node) || fail "node is not on PATH; the guest runs this machine's node"
	path=$(dirname "$node"):$std_path
fi

rm -rf "$outdir/.vm" "$outdir/stdout" "$outdir/stderr" "$outdir/rc" "$outdir/console.log"
mkdir "$outdir/.vm"
printf '%s\n' "$command" >"$outdir/.vm/command"
printf '%s\n' "$cwd" >"$outdir/.vm/cwd"
printf '%s\n' "$outdir" >"$outdir/.vm/outdir"
printf '%s\n' "$path" >"$outdir/.vm/path"

# KVM only when /dev/kvm is usable and the CPU has hardware virtualization (vmx/svm): some hosts
# (kvm_pvm, as on this project's machines) offer a /dev/kvm that opens fine but only runs
# PVM-aware guest kernels, and a stock Debian kernel then hangs without a word. Else TCG.
# MDEVSCOPE_VM_ACCEL=tcg forces TCG, =kvm forces KVM. qemu's "-accel kvm -accel tcg" still falls
# back to TCG if KVM cannot even be opened.
accel=tcg
case ${MDEVSCOPE_VM_ACCEL:-auto} in
	tcg) ;;
	kvm) accel=kvm ;;
	auto)
		if [[ -r /dev/kvm && -w /dev/kvm ]] && grep -qwE 'vmx|svm' /proc/cpuinfo; then
			accel=kvm
		fi ;;
	*) fail "MDEVSCOPE_VM_ACCEL must be tcg, kvm or auto, not ${MDEVSCOPE_VM_ACCEL}" ;;
esac
if [[ $accel == kvm ]]; then accel_args=(-accel kvm -accel tcg); else accel_args=(-accel tcg); fi

timeout_s=${MDEVSCOPE_VM_TIMEOUT:-300}
qemu=(
	qemu-system-x86_64 "${accel_args[@]}" -cpu max -m 2048 -smp 2
	-nodefaults -no-user-config -display none -vga none -monitor none -serial stdio -no-reboot
	-kernel "$cache/boot-image" -initrd "$cache/initrd.img"
	-append "console=ttyS0 quiet panic=-1 no_timer_check"
	-virtfs "local,path=$root,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$outdir,mount_tag=out,security_model=none,multidevs=remap"
)

# A kernel that dies before init.sh has started the command is an emulator fault, not the
# project's: TCG with 2 vCPUs now and then takes an int3 Oops while the kernel patches its own text
# at boot (a CI run saw "Oops: int3 ... sched_clock_cpu" then "Kernel panic - not syncing" at 1.7 s).
# Such a boot is repeated, up to MDEVSCOPE_VM_BOOT_RETRIES times (default 2), and said on stderr;
# the command itself never runs twice: once init.sh says "running the command", no retry.
boot_retries=${MDEVSCOPE_VM_BOOT_RETRIES:-2}
[[ $boot_retries =~ ^[0-9]+$ ]] || fail "MDEVSCOPE_VM_BOOT_RETRIES must be a number, not $boot_retries"
start=$EPOCHREALTIME
boot=1
while :; do
	set +e
	if [[ ${MDEVSCOPE_VM_VERBOSE:-} == 1 ]]; then
		timeout -k 10 "$timeout_s" "${qemu[@]}" </dev/null 2>&1 | tee "$outdir/console.log"
		qrc=${PIPESTATUS[0]}
	else
		timeout -k 10 "$timeout_s" "${qemu[@]}" </dev/null >"$outdir/console.log" 2>&1
		qrc=$?
	fi
	set -e
	if [[ $boot -le $boot_retries && ! -e $outdir/rc ]] &&
		grep -q 'Kernel panic' "$outdir/console.log" &&
		! grep -q 'mdevscope-vm: \[[0-9.]*\] running the command' "$outdir/console.log"; then
		mv "$outdir/console.log" "$outdir/console.boot-$boot.log"
		echo "vm-run $series: the kernel panicked before the command started (boot $boot; console in $outdir/console.boot-$boot.log): booting again" >&2
		grep -m1 -E 'Oops|BUG:|Kernel panic' "$outdir/console.boot-$boot.log" >&2 || true
		boot=$((boot + 1))
		continue
	fi
	break
done
took=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')

# qemu says so on stderr (into the console log) when KVM would not start and it used TCG.
if [[ $accel == kvm ]] && grep -q 'falling back to tcg' "$outdir/console.log"; then accel='tcg (KVM failed to start)'; fi
tail_console() { echo "--- console tail ($outdir/console.log) ---" >&2; tail -n 30 "$outdir/console.log" >&2; }
if [[ $qrc == 124 || $qrc == 137 ]]; then
	echo "vm-run $series: timed out after ${timeout_s}s ($accel, kernel $kver)" >&2
	tail_console
	exit 201
fi
rc=$(cat "$outdir/rc" 2>/dev/null || true)
if [[ ! $rc =~ ^[0-9]+$ ]]; then
	echo "vm-run $series: the guest ended without the command's exit code (qemu exit $qrc, $accel, kernel $kver)" >&2
	tail_console
	exit 200
fi
echo "vm-run $series: exit code $rc in ${took}s ($accel, kernel $kver)" >&2
exit "$rc"
