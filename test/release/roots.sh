#!/bin/bash
# Clean Debian roots for the release tests (test/release/release.test.ts, test/vm/release.vm.test.ts):
# what a hypervisor admin's fresh Debian looks like, with no Node, npm or compiler.
#
#   test/release/roots.sh [bookworm] [trixie]      (default: both; needs root and Debian's archive)
#
# Each is `debootstrap --variant=minbase` from Debian's archive, plus man-db (so `man mdevscope`
# can be checked from the .deb) and nothing else, cached in $MDEVSCOPE_ROOTS
# (/var/cache/mdevscope-roots)/<suite>/ with a stamp naming how it was made: a rerun whose stamp
# matches takes no time, a changed recipe rebuilds. The tests never write into a cached root: they
# run on an overlay of it.
set -Eeuo pipefail

cache=${MDEVSCOPE_ROOTS:-/var/cache/mdevscope-roots}
mirror=${MDEVSCOPE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
suites=("$@")
[[ ${#suites[@]} -gt 0 ]] || suites=(bookworm trixie)
extra=man-db
# What the root must not have (the release must not need it); checked after it is made.
absent=(node nodejs npm gcc cc g++ make python3)

say() { printf 'roots %s: %s\n' "$suite" "$*"; }
die() { printf 'roots %s: %s\n' "${suite:-}" "$*" >&2; exit 1; }

[[ $(id -u) == 0 ]] || die "must run as root (debootstrap)"
for suite in "${suites[@]}"; do
	case $suite in bookworm | trixie) ;; *) die "unknown suite $suite (bookworm or trixie)" ;; esac
done
suite=
if ! command -v debootstrap >/dev/null; then
	echo 'roots: installing debootstrap (apt-get)'
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends debootstrap debian-archive-keyring >/dev/null
fi

recipe() { printf 'debootstrap --variant=minbase --include=%s %s %s (debootstrap %s)\n' "$extra" "$1" "$mirror" "$(dpkg-query -W -f='${Version}' debootstrap)"; }

mkdir -p "$cache"
for suite in "${suites[@]}"; do
	dir=$cache/$suite
	stamp=$cache/$suite.stamp
	want=$(recipe "$suite")
	if [[ -f $stamp && $(cat "$stamp") == "$want" && -f $dir/etc/os-release ]]; then
		say "cached ($dir)"
		continue
	fi
	started=$(date +%s)
	say "building: $want"
	rm -rf "$dir" "$dir.new" "$stamp"
	if ! debootstrap --variant=minbase --include="$extra" "$suite" "$dir.new" "$mirror" >"$cache/$suite.log" 2>&1; then
		tail -20 "$cache/$suite.log" >&2
		die "debootstrap failed (the whole log: $cache/$suite.log)"
	fi
	# apt's caches are of no use to the tests.
	rm -rf "$dir.new"/var/cache/apt/archives/*.deb "$dir.new"/var/lib/apt/lists/*_Packages
	for tool in "${absent[@]}"; do
		for bin in usr/bin usr/local/bin bin; do
			[[ ! -e $dir.new/$bin/$tool ]] || die "the clean root has /$bin/$tool; it must not"
		done
	done
	mv "$dir.new" "$dir"
	printf '%s\n' "$want" >"$stamp"
	say "built in $(($(date +%s) - started)) s: $(. "$dir/etc/os-release" && echo "$PRETTY_NAME"), $(du -sh "$dir" | cut -f1)"
done
