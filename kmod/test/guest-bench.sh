#!/bin/sh
# guest-bench.sh - the bench guest's script (kmod/test/boot.sh bench "N REPS").
# Starts N processes (default 1000) in 20 container cgroups, loads the module,
# and times one snapshot of them through /proc/cull_sysinfo and through a
# /proc scan, taking turns (cs-guest rounds), medians in ns, as facts:
#   procs K              processes the module lists
#   doc_bytes B          size of one document
#   read_ns T            open + build + read + close of /proc/cull_sysinfo
#   scan_ns T            a C /proc scan (cgroup, then stat, statm, cmdline
#                        of those in a container)
#   scan_kept K          processes that scan keeps
#   reader_kmod_ns T     cull-reader --source kmod --count 1 --no-docker
#   reader_procfs_ns T   cull-reader --source procfs --count 1 --no-docker
#   reader_start_ns T    cull-reader --help (starting it: dynamic linking)
#
# With ARG "scale REPS N1 N2 ..." (bench/scale.sh) it grows instead to N1,
# N2, ... one-process containers, each in a cgroup of its own, loads the
# module once there are N1, and at each step records
#   scale N PROCS READ_NS BYTES   the processes the document lists, the median
#                                 time of REPS reads of it, and its size
. /bin/guest-lib.sh
read -r N REPS REST </arg
V2=/sys/fs/cgroup
# wait_procs N - until N processes are in the container cgroups
wait_procs() {
	local n=0
	until [ "$(cat $V2/docker/*/cgroup.procs | wc -l)" -ge "$1" ]; do
		[ $n -lt 3000 ] || fail "only $(cat $V2/docker/*/cgroup.procs | wc -l) of $1 processes started"
		usleep 20000; n=$((n + 1))
	done
}
if [ "$N" = scale ]; then
	say "bench: scale $REST"
	mount -t cgroup2 none $V2 || fail "no cgroup2"
	i=0
	for want in $REST; do
		while [ $i -lt "$want" ]; do
			cg=$V2/docker/$(printf '%064x' $((i + 4096)))
			mkdir -p $cg || fail "mkdir $cg"
			sh -c 'echo $$ >"$0/cgroup.procs" && exec sleeper --fork 0' $cg &
			i=$((i + 1))
		done
		wait_procs "$want"
		[ -e /proc/cull_sysinfo ] || insmod /bin/cull_sysinfo.ko || fail "insmod"
		cat /proc/cull_sysinfo >/tmp/doc
		set -- $(cs-guest read-time /proc/cull_sysinfo "$REPS") || fail "read-time"
		fact scale "$want" "$(grep -o '"pid":' /tmp/doc | wc -l)" "$1" "$2"
		say "scale $want: $1 ns"
	done
	rmmod cull_sysinfo || fail "rmmod"
	exit 0
fi
N=${N:-1000} REPS=${REPS:-15}
say "bench: $N processes"
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
wait_procs "$N"
insmod /bin/cull_sysinfo.ko || fail "insmod"
cat /proc/cull_sysinfo >/tmp/doc
fact procs "$(grep -o '"pid":' /tmp/doc | wc -l)"
fact doc_bytes "$(wc -c </tmp/doc)"
fact scan_kept "$(cs-guest scan-time 1 | cut -d' ' -f2)"
reader=; [ -x /bin/cull-reader ] && reader=/bin/cull-reader
cs-guest rounds "$REPS" $reader >/tmp/rounds || fail "timing rounds failed"
cat /tmp/rounds >>/tmp/facts
fact mem_kb $(awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo)
rmmod cull_sysinfo || fail "rmmod"
exit 0
