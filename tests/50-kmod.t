#!/bin/bash
# 50-kmod.t - cull_sysinfo.ko in real Debian kernels under qemu (TCG).
#
# For each kernel of KVERS (default "6.1 6.12"; kmod/test/kernel.sh names
# them: 6.1, 6.12, rt, debug, generic) one boot (kmod/test/boot.sh test): the
# guest starts processes in container cgroups of every form (v2 and v1) and
# outside them, loads the module, and sends back the documents it read and
# what /proc said about the same processes; it attacks the module as an
# unprivileged or namespaced reader would; then it stresses the module (full
# and 17-byte reads while processes, threads and cgroups come and go) and
# unloads it. Here the host checks all of that with jq. The kernels are
# fetched into a cache (never installed). The guest's console and data logs
# are kept in build/kmod/test-last-<kernel>/ and shown on a failure.
. "${0%/*}/lib.sh"
set -o pipefail

[ -n "${CULL_SANITIZED:-}" ] && t_skip_all "the module runs in a static guest, not under the sanitizers"
sh "$TOP/mk/deps.sh" kmod >&2 || t_skip_all "packages of group kmod missing (sh mk/deps.sh kmod as root)"

# every description names the kernel it is about
eval "base_$(declare -f t_pass)"
eval "base_$(declare -f t_fail)"
eval "base_$(declare -f t_skip)"
t_pass() { base_t_pass "$K: $1"; }
t_fail() { local d=$1; shift; base_t_fail "$K: $d" "$@"; }
t_skip() { base_t_skip "$K: $1"; }

# the reader goes into the guest when it has been built
reader=; [ -x "$CULL_READER" ] && reader=$CULL_READER

check_kernel() {
out=$TOP/build/kmod/test-last-$K
rm -rf "$out"
KMOD_KERNEL=$K CULL_READER=$reader KMOD_TIMEOUT=${KMOD_TIMEOUT:-600} "$TOP/kmod/test/boot.sh" test "$out" 2>"$T_TMP/boot.err"
rc=$?
F=$out/files
if [ "$rc" = 3 ]; then
	t_skip "the archive has no kernel \"$K\" (on Ubuntu: KVERS=generic make test-kmod)"
	return
fi
show_logs() {
	t_diag "$T_TMP/boot.err"
	echo "#   --- guest console (last 60 lines of $out/console.log)"
	grep -av '^\[ *[0-9.]*\]  ' "$out/console.log" 2>/dev/null | tail -n 60 | sed 's/^/#   /'
	[ -s "$F/stress_fail" ] && t_diag "$F/stress_fail"
	return 0
}
failed_before=$t_failed
if [ "$rc" = 0 ]; then t_pass "guest ran its script and powered off (log: $out/console.log)"
else t_fail "guest ran its script and powered off (boot.sh exit $rc)"; show_logs; fi
if [ ! -s "$F/facts" ]; then t_fail "the guest sent facts"; return; fi

fact() { awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "$F/facts"; }
pid_of() { awk -v n="$1" '$1 == "proc" && $2 == n { print $3; exit }' "$F/facts"; }
# num NAME WHEN FIELD: cpu_ticks vsz rss start state ppid threads
num() {
	awk -v n="$1" -v w="$2" -v f="$3" '
		BEGIN { split("cpu vsz rss start state ppid threads", k, " "); for (i in k) col[k[i]] = i + 3 }
		$1 == "num" && $2 == n && $3 == w { print $col[f]; exit }' "$F/facts"
}
# proc DOC PID JQ: JQ applied to the entry of PID in DOC
proc() { jq -c --argjson p "$2" ".procs[] | select(.pid == \$p) | $3" "$F/$1"; }

t_is "$(fact insmod_bad_param | grep -c '^[1-9]')" 1 "insmod with cmdline_max=100000 is refused"
t_is "$(fact insmod)" 0 "insmod"
t_is "$(fact mode)" 444 "/proc/cull_sysinfo is world-readable, read-only"

# ---- the document
for d in doc all cut tiny full2; do
	if jq -e 'type == "object" and .v == 1' "$F/$d" >/dev/null 2>"$T_TMP/jq.err"; then
		t_pass "$d: one valid JSON document, v 1"
	else t_fail "$d: one valid JSON document, v 1"; t_diag "$T_TMP/jq.err"; fi
done
t_is "$(tail -c 1 "$F/doc" | od -An -c | tr -d ' ')" '\n' "the document ends with a newline"
for d in doc all; do
	t_ok "$d: well-formed UTF-8 throughout (jq alone would mend bad bytes)" iconv -f UTF-8 -t UTF-8 "$F/$d"
done
t_ok "head: cpus, hz, uptime, memory totals" jq -e '
	.cpus == 2 and .hz == 100 and .uptime_ns > 0 and
	(.mem | .total_kb > 100000 and .free_kb <= .total_kb and .available_kb <= .total_kb and
	 .free_kb > 0 and .shared_kb >= 0 and .buffers_kb >= 0)' "$F/doc"
t_ok "every entry has every field, of the right type" jq -e '
	.procs | length > 0 and all(.[];
	(.pid | type) == "number" and (.ppid | type) == "number" and (.comm | type) == "string" and
	(.cmdline | type) == "string" and (.container | test("^[0-9a-f]{64}$")) and
	(.state | test("^[RSDTtXZPI]$")) and .vsz_kb >= 0 and .rss_kb >= 0 and .cpu_ns >= 0 and
	.start_ns > 0 and (has("cmdline_cut") | not))' "$F/doc"
t_ok "no process started after the document's time" jq -e '.uptime_ns as $u | all(.procs[]; .start_ns <= $u)' "$F/doc"

# ---- who is listed, with which id
while read -r _ name pid want; do
	got=$(proc doc "$pid" .container)
	if [ "$want" = - ]; then
		t_is "$got" "" "$name (pid $pid): not in a container cgroup, not listed"
		t_is "$(proc all "$pid" .container)" '""' "$name (pid $pid): listed by all=1 with container \"\""
	else t_is "$got" "\"$want\"" "$name (pid $pid): listed with container ${want:0:12}…"
	fi
done < <(grep '^proc ' "$F/facts")
t_is "$(proc doc 1 .pid)" "" "init (pid 1, a host process) is not listed"
t_is "$(proc all 1 .container)" '""' "all=1: init is listed with container \"\""
t_is "$(proc all 2 '[.comm, .cmdline, .vsz_kb]')" '["kthreadd","",0]' "all=1: kernel threads too, with no cmdline or memory"
t_is "$(proc all "$(pid_of A)" .container)" "\"$(awk '$1 == "proc" && $2 == "A" { print $4 }' "$F/facts")\"" "all=1: container processes keep their id"

# ---- numbers against /proc/<pid>/stat and status, read before and after
for n in A H T E; do
	pid=$(pid_of "$n")
	read -r vsz rss cpu start state ppid < <(proc doc "$pid" '[.vsz_kb, .rss_kb, .cpu_ns, .start_ns, .state, .ppid] | map(tostring) | join(" ")' | tr -d '"')
	t_is "$vsz" "$(num "$n" before vsz)" "$n: vsz_kb = VmSize"
	# RSS counters are batched per thread (up to 64 pages each): a tolerance
	thr=$(num "$n" before threads) r1=$(num "$n" before rss) r2=$(num "$n" after rss)
	if [ -n "$rss" ] && [ "$rss" -ge $((r1 - 256 * thr)) ] && [ "$rss" -le $((r2 + 256 * thr)) ]; then
		t_pass "$n: rss_kb $rss agrees with VmRSS $r1..$r2 (±64 pages a thread)"
	else t_fail "$n: rss_kb '$rss' agrees with VmRSS $r1..$r2"; fi
	# /proc/<pid>/stat rounds each of utime and stime down to a tick (10 ms)
	c1=$(num "$n" before cpu) c2=$(num "$n" after cpu)
	if [ -n "$cpu" ] && [ "$cpu" -ge $((c1 * 10000000)) ] && [ "$cpu" -le $(((c2 + 2) * 10000000)) ]; then
		t_pass "$n: cpu_ns $cpu within utime+stime $c1..$c2 ticks"
	else t_fail "$n: cpu_ns '$cpu' within utime+stime $c1..$c2 ticks (+2)"; fi
	t_is "$((start / 10000000))" "$(num "$n" before start)" "$n: start_ns agrees with starttime"
	t_is "$state $ppid" "$(num "$n" before state) $(num "$n" before ppid)" "$n: state and ppid"
done
cpuT=$(proc doc "$(pid_of T)" .cpu_ns)
if [ "${cpuT:-0}" -ge 900000000 ]; then t_pass "T: cpu_ns $cpuT counts its 3 threads' 300 ms each (two exited)"
else t_fail "T: cpu_ns '$cpuT' counts its 3 threads' 300 ms each"; fi
t_ok "A: rss_kb holds the 8 MiB it touched" jq -e --argjson p "$(pid_of A)" '.procs[] | select(.pid == $p) | .rss_kb >= 8192' "$F/doc"

# ---- hostile strings: exact escaping (the same rule as lib/jw.c) and round trip
H=$(pid_of H)
t_grep '"comm":"q\\"\\\\\\n\\u0001\\ufffdx"' "$F/doc" "H: comm escaped as \"q\\\"\\\\\\n\\u0001\\ufffdx\""
want_cmd='"/bin/sleeper --comm q\"\\\n\u0001\ufffdx a\"b c\\d e\nf g\u0001h i\ufffdj ké \tt"'
t_is "$(proc doc "$H" .cmdline)" "$(jq -c -n "$want_cmd")" "H: cmdline round-trips (NULs as spaces, \\377 as U+FFFD, é kept)"
t_grep '"cmdline":"/bin/sleeper --comm q\\"\\\\\\n\\u0001\\ufffdx a\\"b c\\\\d e\\nf g\\u0001h i\\ufffdj k'"$(printf '\303\251')"' \\tt"' "$F/doc" "H: cmdline escaped byte for byte"
U=$(pid_of U)
want_u='"/bin/sleeper u\ufffd\ufffd|\ufffd\ufffd\ufffd|\ufffd\ufffd\ufffd|\ufffd\ufffd\ufffd\ufffd|\ufffd\ufffdA|\ud83d\ude00|\u007f|\ufffd|\ufffd\ufffd|\u0001\u001f"'
t_is "$(proc doc "$U" .cmdline)" "$(jq -c -n "$want_u")" "U: each byte that starts no well-formed UTF-8 sequence is one U+FFFD"

# ---- cmdline_max
t_is "$(proc cut "$H" '[.cmdline, .cmdline_cut]')" '["/bin/sle",true]' "cmdline_max=8: cut to 8 bytes, \"cmdline_cut\":true"
t_ok "cmdline_max=8: no cmdline longer" jq -e 'all(.procs[]; (.cmdline | utf8bytelength) <= 8)' "$F/cut"
t_is "$(fact param_too_big | grep -c '^[1-9]')" 1 "cmdline_max=70000 is refused at run time"
t_is "$(fact param_not_number | grep -c '^[1-9]')" 1 "cmdline_max=x is refused"
t_is "$(fact cmdline_max)" 8 "a refused value leaves the old one"

# ---- 17-byte reads see one consistent document
t_is "$(jq -c '[.procs[].pid]' "$F/tiny")" "$(jq -c '[.procs[].pid]' "$F/full2")" "17-byte reads: the same processes as a full read"

# ---- the reader's kmod source parses the document
if [ -e "$F/reader.out" ]; then
	t_is "$(fact reader_rc)" 0 "cull-reader --source kmod: exit status 0"
	t_ok "cull-reader --source kmod: one snapshot line from the module" jq -e --argjson p "$H" '
		.type == "snapshot" and .source == "kmod" and
		(.procs | any(.pid == $p and .comm == "q\"\\\n\u0001\ufffdx"))' "$F/reader.out"
	# the same processes through both sources: ids, names, command lines
	pick='[.procs[] | {pid, container, comm, cmdline, vsz_kb, state}] | sort_by(.pid)'
	t_is "$(fact reader_procfs_rc)" 0 "cull-reader --source procfs in the guest: exit status 0"
	t_cmp <(jq -c "$pick" "$F/reader-procfs.out" 2>&1) <(jq -c "$pick" "$F/reader.out" 2>&1) \
		"kmod and procfs sources agree on pids, ids, comm, cmdline, vsz, state"
	t_diag "$F/reader.err"
else
	t_skip "cull-reader --source kmod (not built: ${reader:-$CULL_READER})"
fi

# ---- stress, unload, kernel log
read -r ok all < <(fact stress_reads)
if [ "${all:-0}" -gt 0 ] && [ "$ok" = "$all" ] && [ "$(fact stress_failures)" = 0 ]; then
	t_pass "stress: $ok of $all documents valid (full and 17-byte reads, churn)"
else t_fail "stress: ${ok:-?} of ${all:-?} documents valid, $(fact stress_failures) failures"; t_diag "$F/stress_fail"; fi
t_is "$(fact rmmod_open)" 0 "rmmod with a file still open"
t_is "$(fact read_after_rmmod | grep -c '^[1-9]')" 1 "that file then fails to read (EIO), nothing crashes"
t_is "$(fact proc_entry_after_rmmod | grep -c '^[1-9]')" 1 "/proc/cull_sysinfo is gone after rmmod"
t_is "$(fact load_unload_failures)" 0 "20 insmod/rmmod cycles under a reader"
t_grep 'cull_sysinfo: loaded: /proc/cull_sysinfo' "$F/dmesg" "dmesg: loaded"
t_grep 'cull_sysinfo: unloaded' "$F/dmesg" "dmesg: unloaded"
t_nogrep 'BUG:|WARNING:|Oops|Call Trace|general protection|list_del corruption|refcount_t|use-after-free|circular locking|inconsistent lock state|sleeping function called' \
	"$F/dmesg" "dmesg: no BUG, WARNING, Oops or Call Trace"
t_nogrep 'Kernel panic|BUG:|Oops' "$out/console.log" "console: no panic"

[ "$t_failed" -eq "$failed_before" ] || show_logs
}

for K in ${KVERS:-6.1 6.12}; do
	check_kernel
done
t_done
