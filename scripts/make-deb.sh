#!/bin/bash
# Builds the .deb of the single executable (scripts/release.mjs calls it):
#
#   scripts/make-deb.sh EXE VERSION OUTDIR   ->  OUTDIR/mdevscope_VERSION_<arch>.deb
#
# EXE becomes /usr/bin/mdevscope, with the man page, the bash and zsh completions (packaging/) and
# the udev rule and systemd unit examples (src/features/examples/). Depends: is what dpkg-shlibdeps
# reads from EXE's ELF needs (libc6, libgcc-s1, libstdc++6 for a Node SEA), never written by hand.
set -Eeuo pipefail

die() { printf 'make-deb: %s\n' "$*" >&2; exit 1; }
[[ $# == 3 ]] || die "usage: $0 EXE VERSION OUTDIR"
exe=$1 version=$2 outdir=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

for tool in dpkg-deb dpkg-shlibdeps gzip md5sum; do
	command -v "$tool" >/dev/null || die "$tool is missing (apt-get install dpkg-dev)"
done
[[ -f $exe && -x $exe ]] || die "$exe is not an executable file"
[[ $version =~ ^[0-9][0-9A-Za-z.+~-]*$ ]] || die "$version is not a Debian version"
man=$here/packaging/mdevscope.1
bash_completion=$here/packaging/completions/mdevscope.bash
zsh_completion=$here/packaging/completions/_mdevscope
examples=$here/src/features/examples
for f in "$man" "$bash_completion" "$zsh_completion"; do [[ -f $f ]] || die "$f is missing"; done
compgen -G "$examples/*" >/dev/null || die "no examples in $examples"
mkdir -p "$outdir"

arch=$(dpkg --print-architecture)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/root
doc=$root/usr/share/doc/mdevscope
install -D -m 0755 "$exe" "$root/usr/bin/mdevscope"
install -d "$root/usr/share/man/man1" "$doc/examples"
gzip -9n <"$man" >"$root/usr/share/man/man1/mdevscope.1.gz"
install -D -m 0644 "$bash_completion" "$root/usr/share/bash-completion/completions/mdevscope"
install -D -m 0644 "$zsh_completion" "$root/usr/share/zsh/vendor-completions/_mdevscope"
install -m 0644 "$examples"/* "$doc/examples/"
cat >"$doc/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: mdevscope

Files: *
Copyright: the mdevscope authors
License: MIT
 Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
 associated documentation files (the "Software"), to deal in the Software without restriction,
 including without limitation the rights to use, copy, modify, merge, publish, distribute,
 sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
 furnished to do so, subject to the following conditions:
 .
 The above copyright notice and this permission notice shall be included in all copies or
 substantial portions of the Software.
 .
 THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
 NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
 NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES
 OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
 CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
EOF
# The Node runtime and the FFI addons inside the file are third-party works under their own licences.
cat >>"$doc/copyright" <<EOF

Files: usr/bin/mdevscope (the embedded Node.js runtime, ffi-napi, ref-napi, ink, react and others)
Copyright: their authors
License: MIT and others
 The single executable embeds Node.js and the npm packages mdevscope depends on, each under its own
 licence (Node.js: MIT with bundled components under their licences, see its LICENSE file).
EOF
date=$(git -C "$here" log -1 --format=%aD 2>/dev/null || date -R)
printf 'mdevscope (%s) unstable; urgency=medium\n\n  * Release %s, built from %s.\n\n -- mdevscope maintainers <root@localhost>  %s\n' \
	"$version" "$version" "$(git -C "$here" rev-parse --short=12 HEAD 2>/dev/null || echo 'an unknown commit')" "$date" |
	gzip -9n >"$doc/changelog.Debian.gz"

# dpkg-shlibdeps wants a source tree: a throwaway debian/control naming the package.
mkdir -p "$stage/src/debian"
printf 'Source: mdevscope\n\nPackage: mdevscope\nArchitecture: any\n' >"$stage/src/debian/control"
shlibs=$(cd "$stage/src" && dpkg-shlibdeps -O -e"$root/usr/bin/mdevscope" 2>"$stage/shlibdeps.log") ||
	die "dpkg-shlibdeps failed: $(cat "$stage/shlibdeps.log")"
depends=${shlibs#shlibs:Depends=}
[[ $depends == libc6* || $depends == *' libc6'* ]] || die "dpkg-shlibdeps gave no libc6 dependency: $shlibs"

installed_size=$(du -sk --apparent-size "$root" | cut -f1)
install -d "$root/DEBIAN"
cat >"$root/DEBIAN/control" <<EOF
Package: mdevscope
Version: $version
Architecture: $arch
Maintainer: mdevscope maintainers <root@localhost>
Installed-Size: $installed_size
Depends: $depends
Section: admin
Priority: optional
Description: see and probe the VFIO mediated devices (mdev) of a host
 mdevscope shows every VFIO mediated device (mdev) on a Linux host: the parent
 devices, the mdev types they offer, the instances (active, and defined in
 mdevctl), and asks the kernel, live, what each instance can do: whether its
 display is a region or a dmabuf, whether it supports migration and with which
 flags. In an interactive terminal view, as a plain table, or as JSON.
 .
 One self-contained executable: it needs no Node.js, npm or compiler.
EOF
(cd "$root" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"

deb=$outdir/mdevscope_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
printf 'make-deb: %s: %s bytes, Depends: %s\n' "$deb" "$(stat -c %s "$deb")" "$depends"
