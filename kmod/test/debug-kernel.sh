#!/bin/bash
# kmod/test/debug-kernel.sh - build a small 6.1 kernel for qemu with the
# kernel's own bug finders on (lockdep with PROVE_LOCKING and PROVE_RCU,
# DEBUG_ATOMIC_SLEEP, generic inline KASAN, KFENCE), from Debian's
# linux-source-6.1, in a cache outside the tree.
#
#   kmod/test/debug-kernel.sh        build (or reuse) it; print its directory
#
# The directory ($CULL_KMOD_CACHE, default /var/cache/cull-kmod, then
# debug-6.1/linux) holds a full build: arch/x86/boot/bzImage for qemu and the
# tree (with Module.symvers) to build the module against. A build whose config
# fragment has not changed is reused. tinyconfig plus what the harness needs:
# a serial console, an initramfs, procfs/sysfs/devtmpfs/tmpfs, modules,
# cgroups v1 and v2 with the memory controller, pid and user namespaces, ACPI
# for poweroff. About 30-60 min on 2 cores, niced; installs linux-source-6.1
# (a tarball in /usr/src: nothing is installed into /boot).
#
# Exit status: 0 built (directory on stdout), 1 failed.
set -u
die() { echo "debug-kernel.sh: $*" >&2; exit 1; }
cache=${CULL_KMOD_CACHE:-/var/cache/cull-kmod}/debug-6.1
src=$cache/linux
here=$(cd "${0%/*}" && pwd)
sh "$here/../../mk/deps.sh" kmod-debug >&2 || exit 1

tarball=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n 1)
[ -n "$tarball" ] || die "no /usr/src/linux-source-6.1.tar.* (apt-get install linux-source-6.1)"
mkdir -p "$cache" || exit 1
if [ ! -f "$src/Makefile" ]; then
	echo "debug-kernel.sh: unpacking $tarball into $cache" >&2
	rm -rf "$src" "$cache/linux-source-6.1"
	tar -C "$cache" -xf "$tarball" || die "cannot unpack $tarball"
	mv "$cache/linux-source-6.1" "$src" || exit 1
fi

frag=$cache/cull-debug.config
cat >"$frag.new" <<'EOF'
CONFIG_64BIT=y
CONFIG_SMP=y
CONFIG_NR_CPUS=8
CONFIG_PREEMPT=y
CONFIG_PRINTK=y
CONFIG_BUG=y
CONFIG_KALLSYMS=y
CONFIG_TTY=y
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y
CONFIG_PCI=y
CONFIG_ACPI=y
CONFIG_BLK_DEV_INITRD=y
CONFIG_RD_GZIP=y
CONFIG_KERNEL_GZIP=y
CONFIG_PROC_FS=y
CONFIG_PROC_SYSCTL=y
CONFIG_SYSFS=y
CONFIG_DEVTMPFS=y
CONFIG_TMPFS=y
CONFIG_SHMEM=y
CONFIG_BINFMT_ELF=y
CONFIG_BINFMT_SCRIPT=y
CONFIG_MODULES=y
CONFIG_MODULE_UNLOAD=y
CONFIG_MULTIUSER=y
CONFIG_FUTEX=y
CONFIG_EPOLL=y
CONFIG_SIGNALFD=y
CONFIG_TIMERFD=y
CONFIG_EVENTFD=y
CONFIG_POSIX_TIMERS=y
CONFIG_FILE_LOCKING=y
CONFIG_CGROUPS=y
CONFIG_MEMCG=y
CONFIG_CPUSETS=y
CONFIG_CGROUP_PIDS=y
CONFIG_CGROUP_SCHED=y
CONFIG_NAMESPACES=y
CONFIG_PID_NS=y
CONFIG_USER_NS=y
CONFIG_UTS_NS=y
CONFIG_SYSVIPC=y
CONFIG_IPC_NS=y
CONFIG_SLUB=y
CONFIG_MAGIC_SYSRQ=y
CONFIG_DEBUG_KERNEL=y
CONFIG_PROVE_LOCKING=y
CONFIG_PROVE_RCU=y
CONFIG_DEBUG_ATOMIC_SLEEP=y
CONFIG_DEBUG_LIST=y
CONFIG_KASAN=y
CONFIG_KASAN_GENERIC=y
CONFIG_KASAN_INLINE=y
CONFIG_KASAN_VMALLOC=y
CONFIG_KFENCE=y
EOF
if [ -f "$src/arch/x86/boot/bzImage" ] && [ -f "$src/Module.symvers" ] && cmp -s "$frag.new" "$frag"; then
	rm -f "$frag.new"
	echo "$src"
	exit 0
fi
mv "$frag.new" "$frag" || exit 1
cd "$src" || exit 1
make -s ARCH=x86_64 tinyconfig >&2 || die "make tinyconfig failed"
cat "$frag" >>.config
make -s ARCH=x86_64 olddefconfig >&2 || die "make olddefconfig failed"
# every line of the fragment must have survived olddefconfig
miss=$(grep -v -x -F -f .config "$frag")
[ -z "$miss" ] || die "the config lost: $(echo $miss)"
echo "debug-kernel.sh: building in $src (niced; long)" >&2
start=$(date +%s)
nice -n 10 make ARCH=x86_64 -j"${KMOD_JOBS:-2}" bzImage modules >"$cache/build.log" 2>&1 ||
	{ tail -n 30 "$cache/build.log" >&2; die "build failed (log: $cache/build.log)"; }
echo "debug-kernel.sh: built in $(( $(date +%s) - start )) s" >&2
echo "$(( $(date +%s) - start ))" >"$cache/build-seconds"
echo "$src"
