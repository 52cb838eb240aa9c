#!/bin/bash
# Builds the test VMs: Debian's own 6.1 and 6.12 kernels, the kernel's mdev sample drivers
# (samples/vfio-mdev: mtty, mdpy, mbochs) built out of tree against the matching headers, and a
# busybox initramfs whose /init (test/vm/init.sh) loads them and runs a command (test/vm/run.sh).
#
#   test/vm/build.sh [6.1|6.12|all]      (default: all; needs root and Debian's apt)
#
# Everything comes from Debian packages. Results are cached under $MDEVSCOPE_VM_CACHE
# (/var/cache/mdevscope-vm)/<series>/, one stamp per step; a step whose stamp matches is skipped,
# so a rerun takes well under a second. A series keeps the kernel it was first built for until
# MDEVSCOPE_VM_REFRESH=1 asks apt for the current one (and rebuilds when it moved).
set -Eeuo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_root=${MDEVSCOPE_VM_CACHE:-/var/cache/mdevscope-vm}
series_arg=${1:-all}

# The modules the guest needs besides the samples: 9p over virtio for the host root and the output
# share, and the VFIO type1 IOMMU backend plus the mdev core that the samples register with.
base_modules=(virtio_pci 9pnet_virtio 9p vfio_iommu_type1 mdev)
samples=(mtty mdpy mbochs)

step='start'
say() { printf 'vm-build %s: %s\n' "${series:-all}" "$*"; }
die() { printf 'vm-build %s: FAILED at step "%s": %s\n' "${series:-all}" "$step" "$*" >&2; exit 1; }
trap 'die "command failed (line $LINENO): $BASH_COMMAND"' ERR

[[ $(id -u) == 0 ]] || die "must run as root (it installs Debian packages and makes device nodes)"
case $series_arg in
	6.1 | 6.12) series_list=("$series_arg") ;;
	all) series_list=(6.1 6.12) ;;
	*) echo "usage: $0 [6.1|6.12|all]" >&2; exit 2 ;;
esac

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -q -o DPkg::Lock::Timeout=300 -o APT::Sandbox::User=root)
updated=0
apt_update() {
	if [[ $updated == 0 ]]; then
		say "apt-get update"
		apt-get -q -o DPkg::Lock::Timeout=300 update >/dev/null || die "apt-get update failed"
		updated=1
	fi
}
installed() { [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == 'install ok installed' ]]; }
# apt_install PKG[=VERSION]... : installs what dpkg does not already have (at that version).
apt_install() {
	local want=() spec pkg ver
	for spec in "$@"; do
		pkg=${spec%%=*}
		ver=; [[ $spec == *=* ]] && ver=${spec#*=}
		if installed "$pkg" && [[ -z $ver || $(dpkg-query -W -f='${Version}' "$pkg") == "$ver" ]]; then
			continue
		fi
		want+=("$spec")
	done
	[[ ${#want[@]} == 0 ]] && return 0
	apt_update
	say "apt-get install ${want[*]}"
	apt-get install "${apt_opts[@]}" --no-install-recommends "${want[@]}" >"$cache_root/apt.log" 2>&1 ||
		die "apt-get install ${want[*]} failed; see $cache_root/apt.log"
}

# stamp_ok NAME KEY: the step NAME already ran with the same inputs.
stamp_ok() { [[ -f $C/stamps/$1 && $(cat "$C/stamps/$1") == "$2" ]]; }
stamp_set() { mkdir -p "$C/stamps"; printf '%s\n' "$2" >"$C/stamps/$1"; }

# extract_vmlinux BZIMAGE OUT: the bzImage's compressed payload, decompressed. Where the payload
# lies comes from the x86 boot protocol header (Documentation/arch/x86/boot.rst): setup_sects at
# 0x1f1, payload_offset and payload_length at 0x248/0x24c, from the end of the setup sectors.
extract_vmlinux() {
	local img=$1 out=$2 sects off len start magic
	sects=$(od -An -tu1 -j $((0x1f1)) -N1 "$img" | tr -d ' ')
	[[ $sects == 0 ]] && sects=4
	off=$(od -An -tu4 -j $((0x248)) -N4 "$img" | tr -d ' ')
	len=$(od -An -tu4 -j $((0x24c)) -N4 "$img" | tr -d ' ')
	start=$(((sects + 1) * 512 + off))
	magic=$(od -An -tx1 -j "$start" -N4 "$img" | tr -d ' ')
	# The kernel's build appends the uncompressed size (4 bytes) to the payload; zstd would reject it.
	payload() { dd if="$img" bs=64K iflag=skip_bytes,count_bytes skip="$start" count=$((len - 4)) status=none; }
	case $magic in
		fd377a58) payload | xz -dc >"$out" ;;
		28b52ffd) payload | zstd -qdc >"$out" ;;
		*) die "unknown compression of $img (payload starts with $magic)" ;;
	esac
	[[ $(od -An -tx1 -N4 "$out" | tr -d ' ') == 7f454c46 ]] || die "the unpacked $img is not an ELF file"
}

mkdir -p "$cache_root"
step='host tools'
# udev: the features test runs the udev rule example in a real systemd-udevd inside the guest.
# mdevctl: the actions test runs Debian's mdevctl in the guest (which sees this machine's root).
apt_install qemu-system-x86 busybox-static gcc make cpio kmod xz-utils zstd util-linux udev mdevctl

build_series() {
	series=$1
	C=$cache_root/$series
	local f
	mkdir -p "$C"
	exec 9>"$cache_root/$series.lock"
	flock 9

	step='resolve kernel version'
	# A built series keeps the kernel it was built for (no apt look-ups, so a rerun takes about a
	# second); MDEVSCOPE_VM_REFRESH=1 asks apt for the series' current kernel and rebuilds if it moved.
	if [[ -z ${MDEVSCOPE_VM_REFRESH:-} && -f $C/resolved ]]; then
		read -r image image_version <"$C/resolved"
		say "kernel ${image#linux-image-} (package $image $image_version; cached, MDEVSCOPE_VM_REFRESH=1 looks for a newer one)"
	else
		local meta
		[[ $series == 6.1 ]] && meta=linux-image-amd64 || meta=linux-image-$series-amd64
		# Fresh lists: an old list can name a version the archive no longer has.
		apt_update
		image=$(apt-cache depends "$meta" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1)
		[[ -n $image ]] || die "apt-cache depends $meta names no linux-image-<version> package"
		image_version=$(apt-cache show --no-all-versions "$image" | sed -n 's/^Version: //p' | head -n1)
		[[ -n $image_version ]] || die "apt-cache show $image gives no version"
		say "kernel ${image#linux-image-} (package $image $image_version, from $meta)"
	fi
	kver=${image#linux-image-}
	[[ $kver == "$series".* ]] || die "$image is not a $series kernel"

	if [[ -f $C/resolved && $(cat "$C/resolved") != "$image $image_version" ]]; then
		say "cached build is for $(cat "$C/resolved"): starting over"
		find "$C" -mindepth 1 -delete
	fi
	printf '%s %s\n' "$image" "$image_version" >"$C/resolved"

	step='kernel image'
	if stamp_ok kernel "$image $image_version"; then
		say "kernel image: cached"
	else
		say "apt-get download $image=$image_version"
		rm -rf "$C/debs" "$C/kernel"
		mkdir -p "$C/debs"
		apt_update
		(cd "$C/debs" && apt-get download -q -o APT::Sandbox::User=root "$image=$image_version" >/dev/null)
		say "dpkg-deb -x $(basename "$C"/debs/*.deb)"
		dpkg-deb -x "$C"/debs/*.deb "$C/kernel"
		[[ -f $C/kernel/boot/vmlinuz-$kver ]] || die "the package has no boot/vmlinuz-$kver"
		rm -rf "$C/debs"
		stamp_set kernel "$image $image_version"
	fi

	step='uncompressed kernel'
	# Under software emulation the guest needs ~10 s just to unpack Debian's xz/zstd bzImage before
	# the kernel's first line. Unpacked once here, the ELF vmlinux boots directly through its PVH
	# entry (CONFIG_PVH; qemu -kernel takes such an ELF). Falls back to the bzImage without it.
	if stamp_ok vmlinux "$image $image_version" && [[ -e $C/boot-image ]]; then
		say "uncompressed kernel: cached"
	elif grep -qx 'CONFIG_PVH=y' "$C/kernel/boot/config-$kver"; then
		say "unpack the bzImage payload into an ELF vmlinux (PVH boot)"
		extract_vmlinux "$C/kernel/boot/vmlinuz-$kver" "$C/vmlinux.tmp"
		mv -f "$C/vmlinux.tmp" "$C/vmlinux"
		ln -sfn vmlinux "$C/boot-image"
		stamp_set vmlinux "$image $image_version"
	else
		say "no CONFIG_PVH: booting the compressed bzImage"
		ln -sfn "kernel/boot/vmlinuz-$kver" "$C/boot-image"
		stamp_set vmlinux "$image $image_version"
	fi
	# Debian ships the modules under lib/ or usr/lib/ depending on the release.
	local kmods
	for kmods in "$C/kernel/lib/modules/$kver" "$C/kernel/usr/lib/modules/$kver" ''; do
		[[ -z $kmods || -d $kmods ]] && break
	done
	[[ -n $kmods ]] || die "no lib/modules/$kver in the unpacked package"
	local kbase=${kmods%/lib/modules/*}
	if [[ ! -f $kmods/modules.dep ]]; then
		# The package leaves depmod to its postinst, which we never run.
		depmod -b "$kbase" "$kver"
	fi

	step='sample drivers'
	local headers=/usr/src/linux-headers-$kver
	local tarball=/usr/src/linux-source-$series.tar.xz
	if stamp_ok samples "$kver" && [[ -f $C/samples/mbochs.ko ]]; then
		say "samples (mtty mdpy mbochs): cached"
	else
		step='install headers and source'
		# The source package of the image's own version when the archive still has it, so the
		# samples are the ones that kernel was released with; else the newest of the series.
		local src_spec=linux-source-$series
		if apt-cache madison "linux-source-$series" | awk -F'|' '{gsub(/ /,"",$2); print $2}' | grep -qxF "$image_version"; then
			src_spec="linux-source-$series=$image_version"
		fi
		apt_install "linux-headers-$kver" "$src_spec"
		[[ -d $headers ]] || die "$headers missing after installing linux-headers-$kver"
		[[ -f $tarball ]] || die "$tarball missing after installing linux-source-$series"
		local src_version
		src_version=$(dpkg-query -W -f='${Version}' "linux-source-$series")

		step='sample drivers'
		say "extract samples/vfio-mdev from $(basename "$tarball") ($src_version)"
		rm -rf "$C/samples" "$C/samples-src"
		mkdir -p "$C/samples" "$C/samples-src"
		tar -xJf "$tarball" -C "$C/samples-src" --wildcards "linux-source-$series/samples/vfio-mdev/*"
		for f in mtty.c mdpy.c mbochs.c mdpy-defs.h; do
			cp "$C/samples-src/linux-source-$series/samples/vfio-mdev/$f" "$C/samples/" ||
				die "samples/vfio-mdev/$f is not in $tarball"
		done
		printf 'obj-m := mtty.o mdpy.o mbochs.o\n' >"$C/samples/Kbuild"
		say "make -C $headers M=$C/samples modules"
		make -s -C "$headers" M="$C/samples" modules >"$C/samples/build.log" 2>&1 ||
			{ tail -n 30 "$C/samples/build.log" >&2; die "building the samples failed; see $C/samples/build.log"; }
		for f in "${samples[@]}"; do [[ -f $C/samples/$f.ko ]] || die "make gave no $f.ko"; done
		stamp_set samples "$kver"
	fi

	step='initramfs'
	local key
	key="$kver $(cat "$here/init.sh" "$here/build.sh" /bin/busybox "$C"/samples/*.ko | sha256sum | cut -c1-16)"
	if stamp_ok initramfs "$key" && [[ -f $C/initrd.img ]]; then
		say "initramfs: cached"
	else
		say "initramfs: busybox, module closure of ${base_modules[*]}, samples, init.sh"
		local root=$C/initramfs
		rm -rf "$root"
		mkdir -p "$root"/{bin,sbin,dev,proc,sys,etc,host,out,lib/modules/"$kver"/extra}
		cp /bin/busybox "$root/bin/busybox"
		local applet
		for applet in $("$root/bin/busybox" --list); do
			[[ $applet == busybox ]] || ln -sf busybox "$root/bin/$applet"
		done
		# The kernel opens /dev/console for init before anything is mounted.
		mknod -m 600 "$root/dev/console" c 5 1
		mknod -m 666 "$root/dev/null" c 1 3

		# The closure, in load order, from the unpacked tree's own modules.dep. Compressed modules
		# are stored uncompressed so busybox's insmod needs no decompressor.
		local mod line path rel deps load=()
		for mod in "${base_modules[@]}"; do
			deps=$(modprobe -d "$kbase" -S "$kver" --show-depends "$mod") ||
				die "modprobe --show-depends $mod found nothing in $kmods"
			while read -r line; do
				case $line in
					insmod\ *)
						path=${line#insmod }; path=${path%% *}
						rel=${path#"$kmods"/}
						mkdir -p "$root/lib/modules/$kver/$(dirname "$rel")"
						case $rel in
							*.ko.xz) xz -dc "$path" >"$root/lib/modules/$kver/${rel%.xz}" ;;
							*.ko.zst) zstd -qdc "$path" >"$root/lib/modules/$kver/${rel%.zst}" ;;
							*.ko.gz) gzip -dc "$path" >"$root/lib/modules/$kver/${rel%.gz}" ;;
							*.ko) cp "$path" "$root/lib/modules/$kver/$rel" ;;
							*) die "unexpected module file $path" ;;
						esac ;;
					builtin\ *) ;;
					*) die "unexpected modprobe --show-depends line: $line" ;;
				esac
			done <<<"$deps"
			# A built-in module (virtio_pci on 6.12) needs no loading: its line is the last one.
			[[ ${deps##*$'\n'} == builtin\ * ]] || load+=("$mod")
		done
		for f in modules.builtin modules.builtin.modinfo modules.order; do
			if [[ -f $kmods/$f ]]; then
				sed 's/\.ko\.\(xz\|zst\|gz\)$/.ko/' "$kmods/$f" >"$root/lib/modules/$kver/$f"
			fi
		done
		for mod in "${samples[@]}"; do
			cp "$C/samples/$mod.ko" "$root/lib/modules/$kver/extra/"
			load+=("$mod")
		done
		depmod -b "$root" "$kver"
		printf '%s\n' "${load[@]}" >"$root/etc/modules"
		install -m 755 "$here/init.sh" "$root/init"

		(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc -R 0:0 --quiet) |
			gzip -1 >"$C/initrd.img.tmp"
		# Renamed into place so a run that boots meanwhile reads a whole file.
		mv -f "$C/initrd.img.tmp" "$C/initrd.img"
		stamp_set initramfs "$key"
	fi

	printf '%s\n' "$kver" >"$C/version"
	say "ready: $C/boot-image + $C/initrd.img ($(du -h "$C/initrd.img" | cut -f1))"
	flock -u 9
	series=
}

for s in "${series_list[@]}"; do
	build_series "$s"
done
