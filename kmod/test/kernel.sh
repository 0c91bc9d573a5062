#!/bin/bash
# kmod/test/kernel.sh - a kernel for the module's qemu harness, from the
# distribution's archive, unpacked into a cache: nothing is installed, /boot
# and the boot loader are never touched.
#
#   kmod/test/kernel.sh NAME
#
#   NAME  6.1    Debian's kernel (linux-image-amd64, linux-headers-amd64)
#         6.12   Debian 12's newer kernel (linux-image-6.12-amd64, ...)
#         rt     Debian's 6.1 PREEMPT_RT kernel (linux-image-rt-amd64, ...)
#         generic  Ubuntu's kernel (linux-image-generic, ...; not tried here)
#         debug  the lockdep/KASAN/KFENCE kernel of kmod/test/debug-kernel.sh
#
# Prints three lines: the kernel release, the bzImage for qemu, the build
# tree to build the module against (make -C KDIR M=...).
#
# The packages are fetched with `apt-get download` (an `apt-get update` first
# only when the archive does not know them) and unpacked with `dpkg-deb -x`
# into $CULL_KMOD_CACHE/<release>/ (default /var/cache/cull-kmod); a release
# found there is reused. Debian's headers package refers to its -common part
# and to linux-kbuild by absolute paths under /usr/src and /usr/lib: those are
# pointed into the cache.
#
# Exit status: 0 found; 1 failed; 2 usage; 3 the archive has no such kernel.
set -u
name=${1:-}
cache=${CULL_KMOD_CACHE:-/var/cache/cull-kmod}
here=$(cd "${0%/*}" && pwd)
die() { echo "kernel.sh: $*" >&2; exit 1; }

case $name in
6.1) meta=amd64 ;;
6.12) meta=6.12-amd64 ;;
rt) meta=rt-amd64 ;;
generic) meta=generic ;;
debug)
	src=$("$here/debug-kernel.sh") || exit 1
	echo "$(cat "$src/include/config/kernel.release")"
	echo "$src/arch/x86/boot/bzImage"
	echo "$src"
	exit 0 ;;
*) echo "usage: kernel.sh 6.1|6.12|rt|generic|debug" >&2; exit 2 ;;
esac

# The versioned package a meta package depends on, e.g. linux-image-6.1.0-57-amd64.
resolve() {
	apt-cache depends "$1" 2>/dev/null | awk -v p="$2" '$1 == "Depends:" && index($2, p) == 1 { print $2; exit }'
}
img=$(resolve "linux-image-$meta" linux-image-)
if [ -z "$img" ]; then
	echo "kernel.sh: the package lists do not know linux-image-$meta: apt-get update" >&2
	apt-get update -qq >&2
	img=$(resolve "linux-image-$meta" linux-image-)
fi
if [ -z "$img" ]; then
	echo "kernel.sh: this archive has no linux-image-$meta" >&2
	exit 3
fi
kver=${img#linux-image-}
kver=${kver%-unsigned}
dir=$cache/$kver
root=$dir/root
kdir=$root/usr/src/linux-headers-$kver

if [ ! -e "$dir/ready" ]; then
	hdr=linux-headers-$kver
	pkgs="$img $hdr"
	# the headers' own parts: -common, linux-kbuild (versioned names)
	for p in $(apt-cache depends "$hdr" 2>/dev/null | awk '$1 == "Depends:" { print $2 }'); do
		case $p in linux-headers-*|linux-kbuild-*) pkgs="$pkgs $p" ;; esac
	done
	echo "kernel.sh: fetching $pkgs into $dir" >&2
	rm -rf "$dir" && mkdir -p "$dir/debs" "$root" || exit 1
	# _apt cannot write into a root-only cache: let it, or apt warns
	chmod 777 "$dir/debs" 2>/dev/null
	(cd "$dir/debs" && apt-get download $pkgs >&2) || {
		apt-get update -qq >&2
		(cd "$dir/debs" && apt-get download $pkgs >&2)
	} || die "apt-get download $pkgs failed"
	for d in "$dir"/debs/*.deb; do
		[ -e "$d" ] || die "nothing downloaded"
		case ${d##*/} in
		linux-image-*)	# its /boot only: the modules are not needed
			dpkg-deb --fsys-tarfile "$d" | tar -C "$root" -x ./boot ||
				die "cannot unpack ${d##*/}" ;;
		*) dpkg-deb -x "$d" "$root" || die "cannot unpack ${d##*/}" ;;
		esac
	done
	rm -rf "$dir/debs"
	[ -f "$root/boot/vmlinuz-$kver" ] || die "no boot/vmlinuz-$kver in $img"
	[ -f "$kdir/Makefile" ] || die "no usr/src/linux-headers-$kver/Makefile"
	# absolute paths into /usr/src and /usr/lib: into the cache instead
	for f in $(grep -rlE '(^|[ :])/usr/(src|lib)/linux-' "$root/usr/src" --include=Makefile 2>/dev/null); do
		sed -i -E "s#(^|[ :])/usr/(src|lib)/linux-#\\1$root/usr/\\2/linux-#g" "$f" || exit 1
	done
	find "$root/usr/src" -type l -lname '/usr/*' | while read -r l; do
		ln -sfn "$root$(readlink "$l")" "$l"
	done
	touch "$dir/ready"
fi
echo "$kver"
echo "$root/boot/vmlinuz-$kver"
echo "$kdir"
