#!/bin/bash
# bench/kmod.sh - one snapshot of ~1000 container processes: through the
# kernel module (/proc/cull_sysinfo) against a /proc scan, side by side in one
# boot of Debian's kernel under qemu (TCG: no KVM here, so every figure is
# slower than on hardware; the ratios are what to read). Prints a Markdown
# section on stdout, progress on stderr.
#
#   bash bench/kmod.sh [NPROCS]      (default 1000; KMOD_REPS runs each, 15)
set -u
top=$(cd "${0%/*}/.." && pwd)
n=${1:-1000}
reader=${CULL_READER:-${CULL_BIN:-$top/bin}/cull-reader}
[ -x "$reader" ] || reader=
sh "$top/mk/deps.sh" kmod >&2 || exit 1
out=$(mktemp -d "${TMPDIR:-/tmp}/cull-bench-kmod.XXXXXX")
trap 'rm -rf "$out"' EXIT
echo "bench/kmod.sh: booting the guest with $n container processes" >&2
if ! CULL_READER=$reader KMOD_MEM=${KMOD_MEM:-256M} "$top/kmod/test/boot.sh" bench "$out" "$n ${KMOD_REPS:-15}" >&2; then
	echo "bench/kmod.sh: the guest failed; its console:" >&2
	tail -n 30 "$out/console.log" >&2
	exit 1
fi
f=$out/files/facts
fact() { awk -v k="$1" -v i="${2:-2}" '$1 == k { print $i; exit }' "$f"; }
ms() { awk -v t="$1" 'BEGIN { printf "%.1f", t / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "?" }'; }

kver=$(fact kernel)
procs=$(fact procs) bytes=$(fact doc_bytes)
read_ns=$(fact read_ns) scan_ns=$(fact scan_ns) kept=$(fact scan_kept)
echo "## Kernel module: one snapshot of $procs container processes"
echo
echo "Debian kernel ${kver:-?} under qemu-system-x86_64 -accel tcg -smp 2 -m ${KMOD_MEM:-256M}"
echo "(TCG emulation: absolute times are far slower than on hardware; compare the ratios)."
echo "$procs processes in 20 container cgroups; medians of ${KMOD_REPS:-15} rounds in the guest, each"
echo "round running every row once in turn, so a changing load on the host weighs on all rows alike."
echo
echo "| what | median | ratio |"
echo "|---|---:|---:|"
echo "| read /proc/cull_sysinfo (open, build, read $bytes bytes, close) | $(ms "$read_ns") ms | 1 |"
echo "| scan /proc in C: cgroup of every pid, then stat, statm, cmdline of the $kept in containers | $(ms "$scan_ns") ms | $(ratio "$scan_ns" "$read_ns")× slower |"
if [ -n "$(fact reader_kmod_ns)" ]; then
	k=$(fact reader_kmod_ns) p=$(fact reader_procfs_ns) s=$(fact reader_start_ns)
	echo "| \`cull-reader --source kmod --count 1 --no-docker\` | $(ms "$k") ms | 1 |"
	echo "| \`cull-reader --source procfs --count 1 --no-docker\` | $(ms "$p") ms | $(ratio "$p" "$k")× slower |"
	echo "| \`cull-reader --help\` (starting the program alone) | $(ms "$s") ms | |"
	echo
	echo "Less the reader's start (a rough difference of medians; its dynamic linking is slow under TCG): kmod $(ms $((k - s))) ms, procfs $(ms $((p - s))) ms," \
		"$(ratio $((p - s)) $((k - s)))× (the kmod figure includes parsing the document)."
fi
echo
echo "The module is $(ratio "$scan_ns" "$read_ns")× faster than the /proc scan for one snapshot (goal: 10×)."
