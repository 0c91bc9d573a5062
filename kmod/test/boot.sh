#!/bin/bash
# kmod/test/boot.sh - boot Debian's kernel under qemu (TCG) with a busybox
# initramfs that holds cull_sysinfo.ko and runs one guest script.
#
#   kmod/test/boot.sh MODE OUTDIR [ARG]
#
#   MODE    test   kmod/test/guest-test.sh: checks, facts for the host, stress
#                  (ARG rounds of container churn, 40)
#           bench  kmod/test/guest-bench.sh: ARG container processes (1000)
#   OUTDIR  gets console.log (the guest's console: kernel and script output),
#           data.log (the second serial port: files the guest sends) and
#           files/NAME for each file sent (decoded)
#
# KMOD_KERNEL names the kernel (kmod/test/kernel.sh: 6.1, the default, 6.12,
# rt, debug); it is fetched from the archive into a cache and booted from
# there, never installed, and the module is built against its headers in
# KMOD_BUILD/<release>/ (default build/kmod/<release>/), never in kmod/.
# These machines' own kernel cannot load modules. CULL_READER, when it
# names an executable, goes into the guest as /bin/cull-reader with the
# shared libraries ldd lists. KMOD_TIMEOUT (seconds, default 600) bounds the
# boot; a guest that has not powered off by then is killed. KMOD_MEM is the
# guest's memory (default 256M, 768M for the debug kernel).
#
# Exit status: 0 the guest powered off and said "CULL-GUEST-END rc=0";
# 1 it failed, did not finish, or the harness could not build; 2 usage;
# 3 the archive has no such kernel (nothing was run).
set -u
mode=${1:-}; out=${2:-}; arg=${3:-}
case $mode in test|bench) ;; *) echo "usage: boot.sh test|bench OUTDIR [ARG]" >&2; exit 2 ;; esac
[ -n "$out" ] || { echo "usage: boot.sh test|bench OUTDIR [ARG]" >&2; exit 2; }
here=$(cd "${0%/*}" && pwd)
top=$(cd "$here/../.." && pwd)
build=${KMOD_BUILD:-$top/build/kmod}
# Kbuild cannot build in a path with a space (M= splits): such a checkout
# builds in a directory of its own under /tmp instead.
case $build in *[[:space:]]*) build=/tmp/cull-kmod-$(printf '%s' "$top" | md5sum | cut -c1-12) ;; esac
die() { echo "boot.sh: $*" >&2; exit 1; }

# The target kernel, from the cache (fetched there when missing).
kname=${KMOD_KERNEL:-6.1}
kinfo=$("$here/kernel.sh" "$kname") || { rc=$?; [ "$rc" = 3 ] && exit 3; die "no kernel $kname"; }
{ read -r kver; read -r kimg; read -r kdir; } <<<"$kinfo"
echo "boot.sh: kernel $kver ($kimg)" >&2
mem=${KMOD_MEM:-256M}; [ "$kname" = debug ] && mem=${KMOD_MEM:-768M}

# The module, built apart for each kernel (a copy of kmod/, lib/jesc.h and
# lib/cgid.h keeps kmod/ free of objects of one kernel or another), and
# beside it cull_cgid_test.ko, lib/cgid.h's unit cases
# (tests/unit/cgid-cases.h) in the kernel. BTF for modules would need pahole
# and the kernel's vmlinux: neither is needed to load them.
kb=$build/$kver
mkdir -p "$kb/kmod" "$kb/lib" "$kb/tests/unit" "$out" || exit 1
cp "$top/kmod/Kbuild" "$top/kmod/cull_sysinfo.c" "$top/kmod/cull_cgid_test.c" "$kb/kmod/" &&
	cp "$top/lib/jesc.h" "$top/lib/cgid.h" "$kb/lib/" &&
	cp "$top/tests/unit/cgid-cases.h" "$kb/tests/unit/" || exit 1
make -C "$kdir" M="$kb/kmod" W=1 CONFIG_DEBUG_INFO_BTF_MODULES= CULL_CGID_TEST=m modules >"$kb/make.log" 2>&1 ||
	{ cat "$kb/make.log" >&2; die "module build failed against $kdir"; }
# the module must build without a warning, W=1 (the kernel's -Wextra set) included
if grep -E 'warning:' "$kb/make.log" >&2; then die "the module builds with warnings"; fi

# Static helpers for the guest.
for t in cs-guest:kmod/test/cs-guest.c:-ljson-c:-pthread sleeper:tests/fixtures/sleeper.c::; do
	IFS=: read -r name src lib1 lib2 <<<"$t"
	if [ ! -x "$build/$name" ] || [ "$top/$src" -nt "$build/$name" ] || [ "$top/lib/jesc.h" -nt "$build/$name" ] ||
		[ "$top/lib/cgid.h" -nt "$build/$name" ]; then
		gcc -static -O2 -Wall -Wextra -I"$top/lib" -o "$build/$name" "$top/$src" $lib1 $lib2 ||
			die "cannot build $name static"
	fi
done

# The initramfs.
root=$build/root.$mode.$$
rm -rf "$root" && mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib64,lib,mnt} || exit 1
mknod "$root/dev/console" c 5 1 && mknod "$root/dev/null" c 1 3 || die "mknod failed (run as root)"
cp /bin/busybox "$root/bin/busybox" || die "no static busybox (sh mk/deps.sh kmod)"
ln -s busybox "$root/bin/sh"
cp "$kb/kmod/cull_sysinfo.ko" "$kb/kmod/cull_cgid_test.ko" "$build/cs-guest" "$build/sleeper" "$root/bin/"
cp "$here/guest-lib.sh" "$here/guest-$mode.sh" "$root/bin/"
cp "$here/init.sh" "$root/init" && chmod 755 "$root/init"
echo "$mode" >"$root/mode"
if [ -n "${CULL_READER:-}" ] && [ -x "${CULL_READER}" ]; then
	cp "$CULL_READER" "$root/bin/cull-reader"
	# its shared libraries, and the loader, at the paths it was linked with
	ldd "$CULL_READER" 2>/dev/null | grep -o '/[^ ]*' | sort -u | while read -r lib; do
		mkdir -p "$root${lib%/*}" && cp -L "$lib" "$root$lib"
	done
fi
printf '%s\n' "$arg" >"$root/arg"
# the guest's own watchdog fires a minute before the host's timeout
echo $(( ${KMOD_TIMEOUT:-600} > 120 ? ${KMOD_TIMEOUT:-600} - 60 : ${KMOD_TIMEOUT:-600} / 2 )) >"$root/limit"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$kb/initrd.$mode.gz" ||
	die "cpio failed"
rm -rf "$root"

# The boot. The console (serial 0) and the data channel (serial 1) go to
# files; -no-reboot turns a panic (init died) into qemu exiting. noirqdebug:
# under PREEMPT_RT (threaded interrupts) the kernel took the busy second
# port's IRQ for a stuck one ("irq 3: nobody cared") and disabled it, and the
# guest hung sending its files.
rm -f "$out/console.log" "$out/data.log"
timeout --kill-after=10 "${KMOD_TIMEOUT:-600}" qemu-system-x86_64 \
	-accel tcg -cpu max -smp 2 -m "$mem" -nographic -no-reboot -nic none \
	-monitor none -serial "file:$out/console.log" -serial "file:$out/data.log" \
	-kernel "$kimg" -initrd "$kb/initrd.$mode.gz" \
	-append "console=ttyS0 quiet panic=-1 oops=panic noirqdebug" </dev/null >"$out/qemu.log" 2>&1
qrc=$?
[ "$qrc" = 124 ] || [ "$qrc" = 137 ] && echo "boot.sh: guest did not power off within ${KMOD_TIMEOUT:-600} s" >&2

# Files sent on the data channel: "=== BEGIN NAME", base64, "=== END NAME".
rm -rf "$out/files" && mkdir -p "$out/files"
tr -d '\r' <"$out/data.log" | awk -v dir="$out/files" '
	/^=== BEGIN / { name = $3; f = dir "/" name ".b64"; printf "" > f; next }
	/^=== END /   { close(f); f = ""; next }
	f != ""       { print >> f }'
for f in "$out"/files/*.b64; do
	[ -e "$f" ] || continue
	base64 -d <"$f" >"${f%.b64}" 2>/dev/null || echo "boot.sh: ${f##*/}: bad base64" >&2
	rm -f "$f"
done

[ "$qrc" = 0 ] || { echo "boot.sh: qemu exit status $qrc" >&2; exit 1; }
grep -q 'CULL-GUEST-END rc=0' "$out/console.log" || exit 1
exit 0
