#!/bin/sh
# The probe benchmark's guest side: run by bench/run.mjs through test/vm/run.sh, as root inside the
# test VM (a real Debian kernel with mtty, mdpy and mbochs; test/vm/README.md), in the project
# directory. Not for a host: it creates mdev instances.
#
#   sh bench/vm-probe.sh BIN-DIR ROUNDS
#
# BIN-DIR holds `measure` and `cprobe` (built on the host; the guest runs chrooted in the host's
# root, so they run here unchanged). Creates instances of mtty-1 and mbochs-small next to the three
# the VM starts with until there are 64, then, ROUNDS times each: test/vm/cprobe.c's program,
# `mdevscope --json --probe` and `mdevscope --json`, each under `measure`; then the TUI in a pty,
# pressing `?` before and while `P` probes all 64. Lines starting with "@@ " are for run.mjs;
# the commands' outputs are left in $MDEVSCOPE_VM_OUT.
set -u
bin=$1
rounds=$2
out=${MDEVSCOPE_VM_OUT:?run this through test/vm/run.sh}
want=64
types=/sys/class/mdev_bus

avail() { cat "$types/$1/mdev_supported_types/$2/available_instances" 2>/dev/null || echo 0; }
count() { ls /sys/bus/mdev/devices | wc -l; }

# Alternate between the two types while both have room, so the set mixes a serial port (mtty)
# and a display device (mbochs: regions with capabilities, plane queries).
i=0
turn=mtty
while [ "$(count)" -lt $want ]; do
	i=$((i + 1))
	uuid=$(printf 'b0000000-0000-4000-8000-%012d' $i)
	if [ $turn = mtty ] && [ "$(avail mtty mtty-1)" -gt 0 ]; then
		echo "$uuid" >"$types/mtty/mdev_supported_types/mtty-1/create" || { echo "@@ error creating $uuid (mtty-1)"; exit 1; }
	elif [ "$(avail mbochs mbochs-small)" -gt 0 ]; then
		echo "$uuid" >"$types/mbochs/mdev_supported_types/mbochs-small/create" || { echo "@@ error creating $uuid (mbochs-small)"; exit 1; }
	elif [ "$(avail mtty mtty-1)" -gt 0 ]; then
		echo "$uuid" >"$types/mtty/mdev_supported_types/mtty-1/create" || { echo "@@ error creating $uuid (mtty-1)"; exit 1; }
	else
		echo "@@ error only $(count) instances: mtty-1 and mbochs-small are full"
		exit 1
	fi
	if [ $turn = mtty ]; then turn=mbochs; else turn=mtty; fi
done
echo "@@ instances $(count) kernel $(uname -r)"
for t in mtty/mtty-1 mdpy/mdpy-hd mbochs/mbochs-small mbochs/mbochs-large; do
	echo "@@ type $t $(ls "$types/${t%%/*}/mdev_supported_types/${t#*/}/devices" | wc -l)"
done

r=1
while [ $r -le "$rounds" ]; do
	echo "@@ cprobe $r $("$bin/measure" -o "$out/cprobe-$r.txt" -- "$bin/cprobe")"
	echo "@@ probe $r $("$bin/measure" -o "$out/probe-$r.json" -- node dist/cli.js --json --probe)"
	echo "@@ scan $r $("$bin/measure" -o "$out/scan-$r.json" -- node dist/cli.js --json)"
	r=$((r + 1))
done

# The TUI: `?` opens and closes the help screen (a frame that only the key can cause, so probe
# results arriving in between are not mistaken for the answer), first idle, then while `P`
# probes every instance of the host (the footer shows "probing n/64" meanwhile).
pairs=''
k=0
while [ $k -lt 20 ]; do
	pairs="$pairs"'{"do":"key","label":"? during P","keys":"?","expect":"drill in:","during":"probing","timeout":120},{"do":"key","label":"? during P","keys":"?","absent":"drill in:","during":"probing","timeout":120},'
	k=$((k + 1))
done
plan='{"cols":160,"rows":48,"timeout":180,"steps":[{"do":"first-frame"},'
plan="$plan"'{"do":"key","label":"? idle","keys":"?","expect":"drill in:","times":1},{"do":"key","label":"? idle","keys":"?","absent":"drill in:","times":1},'
plan="$plan"'{"do":"key","label":"? idle","keys":"?","expect":"drill in:","times":1},{"do":"key","label":"? idle","keys":"?","absent":"drill in:","times":1},'
plan="$plan"'{"do":"key","label":"? idle","keys":"?","expect":"drill in:","times":1},{"do":"key","label":"? idle","keys":"?","absent":"drill in:","times":1},'
plan="$plan"'{"do":"send","keys":"P"},{"do":"wait-text","text":"probing","timeout":120},'"$pairs"
plan="$plan"'{"do":"rss"},{"do":"send","keys":"q"},{"do":"exit","timeout":60}]}'
echo "@@ tui $(python3 bench/ptyrun.py "$plan" -- node dist/cli.js)"
echo "@@ done"
