#!/bin/sh
# guest-test.sh - the test guest's script (kmod/test/boot.sh test).
# Sets up container cgroups of every form, starts known processes in them,
# runs lib/cgid.h's cases in the kernel (cull_cgid_test.ko, its TAP sent as
# cgid_test), loads cull_sysinfo.ko and collects documents and /proc facts
# for the host (tests/50-kmod.t checks them with jq); attacks it as another
# user, a namespaced root, a process with a file over its arguments, 200
# open files; then stresses the module (ARG rounds of container churn,
# default 40) and unloads it. The container cgroups have the memory
# controller (all but R's, E's and K's; A's and D's with a limit), and the
# facts hold their memory.current and memory.max read just before and after
# the document. Sends: cgid_test, doc, all, cut, cut12, cut0,
# tiny, full2, param_*, big, bound*, map*, facts, dmesg, and reader* when
# /bin/cull-reader is there.
. /bin/guest-lib.sh
say "test"

id64() { printf "$1%.0s" $(seq 64); }	# 64 times the hex digit $1
A=$(id64 a); B=$(id64 b); C=$(id64 c); D=$(id64 d); E=$(id64 e)
G=$(id64 1); I=$(id64 2); K=$(id64 3)
POD=pod0f1e2d3c-aaaa-bbbb-cccc-123456789abc
F=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
V2=/sys/fs/cgroup V1=/mnt/v1pids
mount -t cgroup2 none $V2 || fail "no cgroup2"
# a v1 hierarchy with a controller (pids: Debian 6.12 builds no v1 memory controller)
mkdir -p $V1 && mount -t cgroup -o pids none $V1 || fail "no v1 pids hierarchy"
for d in $V2/docker/$A/sub $V2/docker/$B $V2/system.slice/docker-$B.scope \
	$V2/kubepods.slice/cri-containerd-$C.scope $V2/machine.slice/libpod-$D.scope/container \
	$V1/docker/$E $V2/docker/$F \
	$V2/docker/$(printf '%.63s' $A) $V2/xdocker-$B.scope $V2/docker/$(id64 A) \
	$V2/system.slice/docker-$C.scopex \
	$V2/libpod_parent/libpod-$G $V2/kubepods.slice/kubepods-besteffort.slice/crio-$I.scope \
	$V1/kubepods/besteffort/$POD/$K $V2/kubepods/besteffort/$(id64 4); do
	mkdir -p "$d" || fail "mkdir $d failed"
done

# The memory controller from the root down to the container cgroups, not in
# them (a v2 cgroup with processes in it may enable none for its children),
# but in libpod-D.scope, whose process runs in its sub-cgroup "container"
# (podman's layout): the container's memcg is the scope's, above D's own.
# Not in kubepods-besteffort.slice: R's memcg is that slice, not its own. E
# and K are in a v1 hierarchy only: their memcg is the v2 root.
for d in $V2 $V2/docker $V2/system.slice $V2/kubepods.slice $V2/machine.slice \
	$V2/machine.slice/libpod-$D.scope $V2/libpod_parent; do
	echo +memory >$d/cgroup.subtree_control || fail "cannot enable memory in $d"
done
echo 64M >$V2/docker/$A/memory.max && echo 48M >$V2/machine.slice/libpod-$D.scope/memory.max ||
	fail "cannot set memory.max"
# mcg WHEN - memory.current and memory.max of each container's memory cgroup,
# by the name of its first process (none for R, E, K: no memcg of their own)
MCG="A:$V2/docker/$A B:$V2/system.slice/docker-$B.scope C:$V2/kubepods.slice/cri-containerd-$C.scope
D:$V2/machine.slice/libpod-$D.scope H:$V2/docker/$F P:$V2/libpod_parent/libpod-$G"
mcg() {
	for m in $MCG; do
		fact memcg "${m%%:*}" "$1" "$(cat "${m#*:}/memory.current")" "$(cat "${m#*:}/memory.max")"
	done
}

# start NAME CGROUP WANT_ID CMD... - CMD in CGROUP, recorded as a fact
start() {
	name=$1 cg=$2 want=$3; shift 3
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$@" &
	pid=$!
	eval "pid_$name=$pid"
	n=0
	until [ "$(readlink /proc/$pid/exe)" = "$1" ]; do
		[ -d /proc/$pid ] && [ $n -lt 500 ] || fail "$name: $* did not start"
		usleep 20000; n=$((n + 1))
	done
	fact proc "$name" "$pid" "${want:--}"
}

# The hostile process: its name and arguments hold a quote, a backslash, a
# newline, a control byte, invalid UTF-8 (\377) and valid UTF-8 (é).
HCOMM=$(printf 'q"\\\n\001\377x')
start A $V2/docker/$A $A /bin/sleeper --mem 8
start A2 $V2/docker/$A/sub $A /bin/sleeper
start B $V2/system.slice/docker-$B.scope $B /bin/sleeper
start C $V2/kubepods.slice/cri-containerd-$C.scope $C /bin/sleeper
start D $V2/machine.slice/libpod-$D.scope/container $D /bin/sleeper
start E $V1/docker/$E $E /bin/sleeper
start H $V2/docker/$F $F /bin/sleeper --comm "$HCOMM" 'a"b' 'c\d' "$(printf 'e\nf')" \
	"$(printf 'g\001h')" "$(printf 'i\377j')" "$(printf 'k\303\251')" "$(printf '\tt')"
# U: every kind of malformed UTF-8 (overlong, surrogate, above U+10FFFF, cut
# short, stray continuation, FE FF) beside valid 4-byte UTF-8, DEL and controls
start U $V2/docker/$F $F /bin/sleeper "$(printf 'u\300\200|\340\200\200|\355\240\200|\364\220\200\200|\342\202A|\360\237\230\200|\177|\200|\376\377|\001\037')"
start T $V2/docker/$B $B /bin/cs-guest threads 3 300
start N1 $V2/docker/$(printf '%.63s' $A) "" /bin/sleeper
start N2 $V2/xdocker-$B.scope "" /bin/sleeper
start N3 $V2/docker/$(id64 A) "" /bin/sleeper
start N4 $V2/system.slice/docker-$C.scopex "" /bin/sleeper
# the other runtimes' forms of lib/cgid.h (podman's cgroupfs driver, CRI-O, a
# kubelet's cgroupfs driver on v1) and one that is none
start P $V2/libpod_parent/libpod-$G $G /bin/sleeper
start R $V2/kubepods.slice/kubepods-besteffort.slice/crio-$I.scope $I /bin/sleeper
start K $V1/kubepods/besteffort/$POD/$K $K /bin/sleeper
start N5 $V2/kubepods/besteffort/$(id64 4) "" /bin/sleeper
start HOST $V2 "" /bin/sleeper
# wait for the hostile name and for the threads to have burnt their CPU
n=0
until [ "$(head -c 1 /proc/$pid_H/comm)" = q ]; do
	[ $n -lt 500 ] || fail "H did not rename itself"; usleep 20000; n=$((n + 1))
done
n=0
until [ "$(ls /proc/$pid_T/task | wc -l)" = 1 ]; do
	[ $n -lt 3000 ] || fail "T did not finish its threads"; usleep 20000; n=$((n + 1))
done

# num NAME WHEN - the /proc view of a process: cpu ticks, VmSize, VmRSS,
# start ticks, state, ppid, threads
num() {
	p=$(eval echo "\$pid_$1")
	s=$(cat /proc/$p/stat) || fail "$1 (pid $p) is gone"
	s=${s##*) }
	set -- "$1" "$2" $s
	vsz=$(awk '$1 == "VmSize:" { print $2 }' /proc/$p/status)
	rss=$(awk '$1 == "VmRSS:" { print $2 }' /proc/$p/status)
	fact num "$1" "$2" $((${14} + ${15})) "$vsz" "$rss" "${22}" "$3" "$4" "${20}"
}

# lib/cgid.h's cases in this kernel: cull_cgid_test.ko writes TAP to the
# log. Its first run only: when loading fails (a case failed), busybox's
# insmod tries again with init_module, and the cases run twice.
insmod /bin/cull_cgid_test.ko
fact cgid_test_insmod $?
rmmod cull_cgid_test 2>/dev/null
dmesg | sed -n 's/.*cull_cgid_test: //p' | sed '/^1\.\./q' >/tmp/cgid_test
send cgid_test /tmp/cgid_test
insmod /bin/cull_sysinfo.ko cmdline_max=100000 2>/dev/null
fact insmod_bad_param $?
insmod /bin/cull_sysinfo.ko
fact insmod $?
for x in A H T E; do num $x before; done
mcg before
cat /proc/cull_sysinfo >/tmp/doc
fact cat $?
mcg after
for x in A H T E; do num $x after; done
send doc /tmp/doc
fact mode "$(stat -c %a /proc/cull_sysinfo)"

P=/sys/module/cull_sysinfo/parameters
echo 1 >$P/all && cat /proc/cull_sysinfo >/tmp/all && echo 0 >$P/all
send all /tmp/all
echo 8 >$P/cmdline_max && cat /proc/cull_sysinfo >/tmp/cut
send cut /tmp/cut
echo 70000 >$P/cmdline_max 2>/dev/null
fact param_too_big $?
echo x >$P/cmdline_max 2>/dev/null
fact param_not_number $?
fact cmdline_max "$(cat $P/cmdline_max)"
echo 4096 >$P/cmdline_max
dd if=/proc/cull_sysinfo of=/tmp/tiny bs=17 2>/dev/null
cat /proc/cull_sysinfo >/tmp/full2
send tiny /tmp/tiny
send full2 /tmp/full2

if [ -x /bin/cull-reader ]; then
	cull-reader --source kmod --proc-file /proc/cull_sysinfo --count 1 --no-docker \
		>/tmp/reader.out 2>/tmp/reader.err
	fact reader_rc $?
	cull-reader --source procfs --count 1 --no-docker >/tmp/reader-procfs.out 2>>/tmp/reader.err
	fact reader_procfs_rc $?
	send reader.out /tmp/reader.out
	send reader-procfs.out /tmp/reader-procfs.out
	send reader.err /tmp/reader.err
fi

# ---- exact cmdline_cut: "/bin/sleeper" (A2) is 12 bytes and all there at
# cmdline_max=12; H loses bytes there; cmdline_max=0 asks for none, cuts none
echo 12 >$P/cmdline_max && cat /proc/cull_sysinfo >/tmp/cut12
echo 0 >$P/cmdline_max && cat /proc/cull_sysinfo >/tmp/cut0
echo 4096 >$P/cmdline_max
send cut12 /tmp/cut12
send cut0 /tmp/cut0

# ---- a parameter change applies to the next open, not to an open file
exec 4</proc/cull_sysinfo
echo 8 >$P/cmdline_max
exec 5</proc/cull_sysinfo
echo 4096 >$P/cmdline_max
cat <&4 >/tmp/param_old; cat <&5 >/tmp/param_new
exec 4<&- 5<&-
send param_old /tmp/param_old
send param_new /tmp/param_new

# ---- who may open the file: root of the host only, not another user, not
# root in a pid or user namespace (as in a container), not through another
# procfs mount (hidepid=2 or a container's own)
say "access"
mkdir -p /mnt/pns /mnt/pns2 /mnt/hp
fact access_root "$(cs-guest try - /proc/cull_sysinfo 2>&1)"
fact access_nobody "$(cs-guest try uid=65534 /proc/cull_sysinfo 2>&1)"
fact access_pidns "$(cs-guest try pidns,proc=/mnt/pns /mnt/pns/cull_sysinfo 2>&1)"
fact access_pidns_host_proc "$(cs-guest try pidns /proc/cull_sysinfo 2>&1)"
fact access_pidns_nobody "$(cs-guest try pidns,proc=/mnt/pns2,uid=65534 /mnt/pns2/cull_sysinfo 2>&1)"
fact access_userns "$(cs-guest try userns /proc/cull_sysinfo 2>&1)"
mount -t proc -o hidepid=2 proc /mnt/hp
fact access_hidepid_nobody "$(cs-guest try uid=65534 /mnt/hp/cull_sysinfo 2>&1)"
umount /mnt/hp
if [ -x /bin/cull-reader ]; then
	# the reader as such a user: auto falls back to /proc, kmod fails clearly
	for who in nobody:uid=65534 userns:userns; do
		n=${who%%:*}
		cs-guest run "${who#*:}" /bin/cull-reader --source auto --count 1 --no-docker \
			>/tmp/reader-auto-$n.out 2>/tmp/reader-auto-$n.err
		fact reader_auto_${n}_rc $?
		cs-guest run "${who#*:}" /bin/cull-reader --source kmod --count 1 --no-docker \
			>/tmp/reader-kmod-$n.out 2>/tmp/reader-kmod-$n.err
		fact reader_kmod_${n}_rc $?
		for f in auto-$n.out auto-$n.err kmod-$n.err; do send reader-$f /tmp/reader-$f; done
	done
fi

# ---- memory: 200 open files of a ~136 KiB document hold about that much
# each, and give it back at close. Three processes with long arguments make
# the document that size (cmdline_max=65536 shows them whole).
say "memory"
echo 65536 >$P/cmdline_max
base=$(wc -c </proc/cull_sysinfo)
each=$(( (139264 - 1024 - base) / 3 ))
bigs=
for i in 1 2 3; do
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' $V2/docker/$B /bin/sleeper \
		"$(head -c $each /dev/zero | tr '\0' "$i")" &
	bigs="$bigs $!"
done
for b in $bigs; do
	n=0
	until [ "$(readlink /proc/$b/exe)" = /bin/sleeper ]; do
		[ $n -lt 500 ] || fail "a long-argument sleeper did not start"; usleep 20000; n=$((n + 1))
	done
done
cat /proc/cull_sysinfo >/tmp/big
send big /tmp/big
memavail() { awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo; }
sync; m0=$(memavail)
cs-guest hold /proc/cull_sysinfo 200 >/tmp/hold.out 2>&1 & hp=$!
n=0
until grep -q '^held' /tmp/hold.out || ! kill -0 $hp 2>/dev/null; do
	[ $n -lt 6000 ] || break; usleep 20000; n=$((n + 1))
done
m1=$(memavail)
kill $hp; wait $hp 2>/dev/null
m2=$(memavail)
fact memhold "$(head -n 1 /tmp/hold.out)" $m0 $m1 $m2

# ---- a bound on the document: past doc_max a valid document that says how
# many processes it left out (the long-argument ones are still there)
cat /proc/cull_sysinfo >/tmp/bound_full
echo 16384 >$P/doc_max 2>/dev/null
fact doc_max_set $?
cat /proc/cull_sysinfo >/tmp/bounded
echo 4000 >$P/doc_max 2>/dev/null
fact doc_max_too_small $?
echo $(( (1 << 30) + 1 )) >$P/doc_max 2>/dev/null
fact doc_max_too_big $?
fact doc_max "$(cat $P/doc_max 2>/dev/null)"
echo 16777216 >$P/doc_max 2>/dev/null
send bound_full /tmp/bound_full
send bounded /tmp/bounded
kill -9 $bigs; wait $bigs 2>/dev/null
echo 4096 >$P/cmdline_max

# ---- a tmpfs file mapped over a process's arguments: the module reads
# them as /proc/<pid>/cmdline does (anonymous memory only), never the file
say "argv-map"
awk 'BEGIN { while (n < 65536) { printf "FILEBYTES-"; n += 10 } }' >/tmp/argvfile
pad=$(head -c 5000 /dev/zero | tr '\0' p)
sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' $V2/docker/$B /bin/cs-guest argv-map /tmp/argvfile \
	"$pad" "$pad" >/tmp/map.out 2>&1 &
mp=$!
n=0
until grep -q '^mapped' /tmp/map.out || ! kill -0 $mp 2>/dev/null; do
	[ $n -lt 500 ] || break; usleep 20000; n=$((n + 1))
done
cat /proc/$mp/cmdline >/tmp/map.proc
cat /proc/cull_sysinfo >/tmp/mapdoc
fact argvmap $mp "$(cat /tmp/map.out)"
send map.proc /tmp/map.proc
send mapdoc /tmp/mapdoc
kill -9 $mp; wait $mp 2>/dev/null

# ---- stress: readers of both sizes while processes, threads and container
# cgroups come and go, a process execs itself with two argument lists in
# turn, hostile names churn, and the parameters change. Every entry of
# every document is checked (cs-guest check), the churners' values too.
say "stress"
rm -f /tmp/form.* /tmp/exec.pid
HID=$V2/docker/$(printf 'ee%062x' 1)
mkdir $HID
cs-guest hostile-churn $HID "$HCOMM" 'a"b' 'c\d' "$(printf 'e\nf')" "$(printf 'g\001h')" \
	"$(printf 'i\377j')" "$(printf 'k\303\251')" "$(printf '\tt')" & hc=$!
sh -c 'echo $$ >"$0/cgroup.procs" && exec /bin/cs-guest exec-churn' $V2/docker/$A & ec=$!
n=0
until [ -e /tmp/exec.pid ] && [ -e /tmp/form.id ]; do
	[ $n -lt 500 ] || fail "the churners did not start"; usleep 20000; n=$((n + 1))
done
fact churners "$(cat /tmp/exec.pid)" $hc
: >/tmp/fail
reader() {	# CHUNK: check documents until told to stop
	while [ ! -e /tmp/stop ]; do
		cs-guest check /proc/cull_sysinfo "$1" 5 >>/tmp/reads.$1 2>>/tmp/fail || echo "reader $1 failed" >>/tmp/fail
	done
}
reader 65536 & r1=$!
reader 65536 & r2=$!
reader 17 & r3=$!
sh -c 'echo $$ >"$0/cgroup.procs" && exec cs-guest thread-churn' $V2/docker/$A & tc=$!
(i=0; while [ ! -e /tmp/stop ]; do
	echo $((i % 2)) >$P/all; echo $(( (i * 37) % 300 )) >$P/cmdline_max
	echo $(( 4096 + (i * 7919) % 60000 )) >$P/doc_max 2>/dev/null
	i=$((i + 1)); usleep 50000
done) & pc=$!
i=0
read -r rounds _ </arg
while [ $i -lt "${rounds:-40}" ]; do
	cid=$(printf '%064x' $((i + 1000)))
	cg=$V2/docker/$cid
	mkdir $cg
	sh -c 'echo $$ >"$0/cgroup.procs" && exec sleeper --fork 3' $cg &
	cp=$!
	# short-lived processes meanwhile (SIGKILL: sleeper's SIGTERM handler
	# can miss a signal that comes just before its pause())
	for j in 1 2 3; do (sh -c 'exit 0'; sleeper & sp=$!; kill -9 $sp; wait $sp) 2>/dev/null; done
	# kill the container only once it is all there, or the kill finds nobody
	n=0
	while [ "$(wc -l <$cg/cgroup.procs)" -lt 4 ] && [ $n -lt 500 ]; do usleep 10000; n=$((n + 1)); done
	echo 1 >$cg/cgroup.kill
	wait $cp 2>/dev/null
	n=0
	while [ -n "$(cat $cg/cgroup.procs)" ] && [ $n -lt 500 ]; do usleep 10000; n=$((n + 1)); done
	rmdir $cg || echo "rmdir $cg failed" >>/tmp/fail
	i=$((i + 1))
done
touch /tmp/stop
wait $r1 $r2 $r3 $pc $hc $ec
kill -9 $tc; wait $tc 2>/dev/null
echo 0 >$P/all; echo 4096 >$P/cmdline_max; echo 16777216 >$P/doc_max 2>/dev/null
fact stress_reads "$(cat /tmp/reads.* | awk '{ ok += $5; all += $7 } END { print ok + 0, all + 0 }')"
fact stress_failures "$(wc -l </tmp/fail)"
send stress_fail /tmp/fail

# ---- unload with a file still open: the open file reads EIO, nothing leaks
exec 3</proc/cull_sysinfo
rmmod cull_sysinfo
fact rmmod_open $?
cat <&3 >/dev/null 2>&1
fact read_after_rmmod $?
exec 3<&-
[ -e /proc/cull_sysinfo ]
fact proc_entry_after_rmmod $?

# ---- load and unload while readers open and read
(while [ ! -e /tmp/stop2 ]; do cat /proc/cull_sysinfo >/dev/null 2>&1; done) & rl=$!
i=0 bad=0
while [ $i -lt 20 ]; do
	insmod /bin/cull_sysinfo.ko all=1 || bad=$((bad + 1))
	rmmod cull_sysinfo || bad=$((bad + 1))
	i=$((i + 1))
done
touch /tmp/stop2; wait $rl
fact load_unload_failures $bad
# the debug kernel: lockdep turns itself off after its first report
[ -r /proc/lockdep_stats ] && fact debug_locks "$(awk '$1 == "debug_locks:" { print $2 }' /proc/lockdep_stats)"

exit 0
