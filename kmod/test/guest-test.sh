#!/bin/sh
# guest-test.sh - the test guest's script (kmod/test/boot.sh test).
# Sets up container cgroups of every form, starts known processes in them,
# loads cull_sysinfo.ko and collects documents and /proc facts for the host
# (tests/50-kmod.t checks them with jq); then stresses the module and
# unloads it. Sends: doc, all, cut, tiny, full2, facts, dmesg, and reader.*
# when /bin/cull-reader is there.
. /bin/guest-lib.sh
say "test"

id64() { printf "$1%.0s" $(seq 64); }	# 64 times the hex digit $1
A=$(id64 a); B=$(id64 b); C=$(id64 c); D=$(id64 d); E=$(id64 e)
F=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
V2=/sys/fs/cgroup V1=/mnt/v1mem
mount -t cgroup2 none $V2 || fail "no cgroup2"
mkdir -p $V1 && mount -t cgroup -o memory none $V1 || fail "no v1 memory hierarchy"
for d in $V2/docker/$A/sub $V2/docker/$B $V2/system.slice/docker-$B.scope \
	$V2/kubepods.slice/cri-containerd-$C.scope $V2/machine.slice/libpod-$D.scope \
	$V1/docker/$E $V2/docker/$F \
	$V2/docker/$(printf '%.63s' $A) $V2/xdocker-$B.scope $V2/docker/$(id64 A) \
	$V2/system.slice/docker-$C.scopex; do
	mkdir -p "$d" || fail "mkdir $d failed"
done

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
start D $V2/machine.slice/libpod-$D.scope $D /bin/sleeper
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

insmod /bin/cull_sysinfo.ko cmdline_max=100000 2>/dev/null
fact insmod_bad_param $?
insmod /bin/cull_sysinfo.ko
fact insmod $?
for x in A H T E; do num $x before; done
cat /proc/cull_sysinfo >/tmp/doc
fact cat $?
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

# ---- stress: readers of both sizes while processes, threads and container
# cgroups come and go and the parameters change.
say "stress"
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
	echo $((i % 2)) >$P/all; echo $(( (i * 37) % 300 )) >$P/cmdline_max; i=$((i + 1)); usleep 50000
done) & pc=$!
i=0
while [ $i -lt 40 ]; do
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
wait $r1 $r2 $r3 $pc
kill -9 $tc; wait $tc 2>/dev/null
echo 0 >$P/all; echo 4096 >$P/cmdline_max
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

exit 0
