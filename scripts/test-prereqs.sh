#!/usr/bin/env bash
# What `npm test` needs from the machine besides node_modules, checked before any test runs (npm's
# pretest). A test that cannot run its check must fail, not skip, so a missing tool is named here
# once, with the Debian package that has it. As root on a Debian machine the missing packages are
# installed from Debian's archive (the README's test command works on a fresh machine); otherwise
# this stops with the apt-get line to run. MDEVSCOPE_NO_APT=1: only check, never install.
set -euo pipefail
# MDEVSCOPE_PREREQ_ROOT: look under this directory instead of / (its test, with MDEVSCOPE_NO_APT=1).
r=${MDEVSCOPE_PREREQ_ROOT:-}

# Each line: the file that must exist, the Debian package that provides it, and why.
needs=(
	"/usr/bin/gcc|gcc|the ABI test compiles C against <linux/vfio.h>"
	"/usr/include/linux/vfio.h|linux-libc-dev|the ABI test checks every VFIO constant and struct against it"
	"/usr/bin/tmux|tmux|the terminal tests run the TUI in a real terminal"
	"/usr/bin/strace|strace|the safety test traces every file call of the CLI"
	"/usr/bin/systemd-analyze|systemd|the export test verifies the example systemd unit"
	"/usr/share/misc/pci.ids|pci.ids|PCI vendor and device names"
	"/usr/bin/groff|groff-base|the packaging test reads the man page with groff -ww (every warning)"
	"/usr/bin/man|man-db|the packaging test renders the man page as man does"
	"/usr/bin/zsh|zsh|the packaging test loads the zsh completion"
	"/usr/bin/dpkg-shlibdeps|dpkg-dev|the packaging test builds a .deb with scripts/make-deb.sh"
	"/usr/bin/mdevctl|mdevctl|the VM tests run Debian's mdevctl in the guest beside mdevscope's actions (the guest sees this root)"
)
# The ABI test checks the constants newer than Linux 6.1 against a newer uapi header. Debian 12 has
# 6.12's headers in its archive; only the -common package is needed (it holds include/uapi and
# does not pull in a kernel image).
# Any version above 6.1 will do, as test/abi.test.ts picks it.
newer_header() {
	local h v
	for h in "$r"/usr/src/linux-headers-*/include/uapi/linux/vfio.h; do
		v=${h#"$r"/usr/src/linux-headers-}; v=${v%%[!0-9.]*}
		IFS=. read -r major minor _ <<<"$v"
		[ -n "$minor" ] && { [ "$major" -gt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -gt 1 ]; }; } && return 0
	done
	return 1
}

missing=()
for need in "${needs[@]}"; do
	IFS='|' read -r file pkg why <<<"$need"
	[ -e "$r$file" ] || missing+=("$pkg|$why ($file)")
done
newer_pkg=
if ! newer_header; then
	# The metapackage names the current 6.12 ABI (linux-headers-6.12.117+deb12-amd64 today). A fresh
	# machine's package lists may not have it yet (apt-cache then fails): as root, update them first.
	abi_pkg() { apt-cache depends linux-headers-6.12-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-headers-6\.12.*\)-amd64$/\1-common/p' | head -1 || true; }
	if command -v apt-cache >/dev/null; then
		newer_pkg=$(abi_pkg)
		if [ -z "$newer_pkg" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && [ "${MDEVSCOPE_NO_APT:-}" != 1 ]; then
			apt-get update -qq || true
			newer_pkg=$(abi_pkg)
		fi
	fi
	missing+=("${newer_pkg:-linux-headers-6.12.<abi>-common}|the ABI test checks the VFIO constants newer than Linux 6.1 against a newer uapi <linux/vfio.h>")
fi

[ ${#missing[@]} -eq 0 ] && exit 0

pkgs=()
echo "npm test needs these Debian packages, which this machine lacks:" >&2
for m in "${missing[@]}"; do
	IFS='|' read -r pkg why <<<"$m"
	printf '  %-34s %s\n' "$pkg" "$why" >&2
	pkgs+=("$pkg")
done
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && [ "${MDEVSCOPE_NO_APT:-}" != 1 ]; then
	echo "installing them (root, apt-get; MDEVSCOPE_NO_APT=1 to only check):" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
	exit 0
fi
echo "Install them first (as root): apt-get install --no-install-recommends ${pkgs[*]}" >&2
exit 1
