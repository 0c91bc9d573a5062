#!/bin/sh
# guest-bench.sh - the bench guest's script (kmod/test/boot.sh bench N).
# Starts N processes (default 1000) in 20 container cgroups, loads the module,
# and times one snapshot of them through /proc/cull_sysinfo and through a
# /proc scan, each repeated, medians in ns, as facts:
#   procs K              processes the module lists
#   doc_bytes B          size of one document
#   read_ns T            open + build + read + close of /proc/cull_sysinfo
#   scan_ns T K          a C /proc scan (cgroup, then stat, statm, cmdline
#                        of those in a container): K processes kept
#   reader_kmod_ns T     cull-reader --source kmod --count 1 --no-docker
#   reader_procfs_ns T   cull-reader --source procfs --count 1 --no-docker
#   reader_start_ns T    cull-reader --help (starting it: dynamic linking)
. /bin/guest-lib.sh
N=$(cat /arg); [ -n "$N" ] || N=1000
REPS=${REPS:-15}
say "bench: $N processes"
V2=/sys/fs/cgroup
mount -t cgroup2 none $V2 || fail "no cgroup2"
per=$(( (N + 19) / 20 ))
i=0 started=0
while [ $started -lt "$N" ]; do
	k=$per; [ $((started + k)) -gt "$N" ] && k=$((N - started))
	cg=$V2/docker/$(printf '%064x' $((i + 4096)))
	mkdir -p $cg || fail "mkdir $cg"
	sh -c 'echo $$ >"$0/cgroup.procs" && exec sleeper --fork "$1"' $cg $((k - 1)) &
	started=$((started + k)) i=$((i + 1))
done
n=0
until [ "$(cat $V2/docker/*/cgroup.procs | wc -l)" -ge "$N" ]; do
	[ $n -lt 3000 ] || fail "only $(cat $V2/docker/*/cgroup.procs | wc -l) of $N processes started"
	usleep 20000; n=$((n + 1))
done
insmod /bin/cull_sysinfo.ko || fail "insmod"
cat /proc/cull_sysinfo >/tmp/doc
fact procs "$(grep -o '"pid":' /tmp/doc | wc -l)"
fact doc_bytes "$(wc -c </tmp/doc)"
fact read_ns $(cs-guest read-time /proc/cull_sysinfo $REPS | cut -d' ' -f1)
fact scan_ns $(cs-guest scan-time $REPS)
if [ -x /bin/cull-reader ]; then
	fact reader_kmod_ns $(cs-guest run-time $REPS /bin/cull-reader --source kmod --count 1 --no-docker) ||
		fail "cull-reader --source kmod"
	fact reader_procfs_ns $(cs-guest run-time $REPS /bin/cull-reader --source procfs --count 1 --no-docker) ||
		fail "cull-reader --source procfs"
	fact reader_start_ns $(cs-guest run-time $REPS /bin/cull-reader --help) || fail "cull-reader --help"
fi
fact mem_kb $(awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo)
rmmod cull_sysinfo || fail "rmmod"
exit 0
