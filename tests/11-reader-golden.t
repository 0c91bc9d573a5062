#!/bin/bash
# cull-reader on fake /proc trees and on module reports in files: golden
# snapshots (with "ts" set to 0), and clear failures for what is wrong.
. "${0%/*}/lib.sh"
. "$TOP/tests/fixtures/fakeproc.sh"

G=$TOP/tests/golden/reader
fakeproc_make "$T_TMP/proc"
no_ts() { sed -E 's/"ts":[0-9]+\.[0-9]+/"ts":0/'; }

# golden NAME ARGS... - run the reader, compare stdout, stderr and status
golden() {
	local name=$1 rc want=0; shift
	"$CULL_READER" "$@" >"$T_TMP/raw" 2>"$T_TMP/err"; rc=$?
	no_ts <"$T_TMP/raw" >"$T_TMP/out"
	sed "s|$T_TMP|TMP|g; s|$TOP|TOP|g; s|^${CULL_READER##*/}: |PROG: |" "$T_TMP/err" >"$T_TMP/err2"
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
		cp "$T_TMP/out" "$G/$name.out"; cp "$T_TMP/err2" "$G/$name.err"
		if [ $rc = 0 ]; then rm -f "$G/$name.rc"; else echo $rc >"$G/$name.rc"; fi
	fi
	[ -f "$G/$name.rc" ] && want=$(cat "$G/$name.rc")
	t_is "$rc" "$want" "$name: exit status"
	t_cmp "$G/$name.out" "$T_TMP/out" "$name: snapshot"
	t_cmp "$G/$name.err" "$T_TMP/err2" "$name: messages"
}

golden procfs-containers --proc-root "$T_TMP/proc" --no-docker --count 1
golden procfs-all --proc-root "$T_TMP/proc" --no-docker --count 1 --all
golden procfs-auto --proc-root "$T_TMP/proc" --no-docker --count 1 --source auto
# a host without a single container process (UBSan once caught qsort(NULL, 0))
mkdir -p "$T_TMP/hostonly"
cp "$T_TMP/proc/meminfo" "$T_TMP/proc/uptime" "$T_TMP/hostonly/"
cp -r "$T_TMP/proc/1" "$T_TMP/hostonly/"
golden procfs-no-containers --proc-root "$T_TMP/hostonly" --no-docker --count 2 --interval 0.01
shopt -s nullglob; reports=("$G"/kmod-*.json); shopt -u nullglob
[ ${#reports[@]} -ge 5 ] || t_bail "module reports missing in $G (${#reports[@]} found)"
for f in "${reports[@]}"; do
	n=$(basename "$f" .json)
	golden "$n" --source kmod --proc-file "$f" --no-docker --count 1 --proc-root "$T_TMP/proc"
done
golden kmod-report-all --source kmod --proc-file "$G/kmod-report.json" --no-docker --count 1 --all --proc-root "$T_TMP/proc"
cp "$G/kmod-report.json" "$T_TMP/proc/cull_sysinfo"
golden auto-picks-kmod --proc-root "$T_TMP/proc" --no-docker --count 1
rm "$T_TMP/proc/cull_sysinfo"
# memory pressure (PSI) where the kernel has it: in the snapshot's mem; a
# file that cannot be read as PSI gives no pressure, not a wrong one
mkdir "$T_TMP/proc/pressure"
printf 'some avg10=12.50 avg60=3.25 avg300=0.80 total=123456\nfull avg10=4.00 avg60=1.10 avg300=0.20 total=4567\n' >"$T_TMP/proc/pressure/memory"
golden procfs-psi --proc-root "$T_TMP/proc" --no-docker --count 1
printf 'some avg10=12.50 avg60=3.25 avg300=0.80 total=123456\n' >"$T_TMP/proc/pressure/memory"
golden procfs-psi-no-full --proc-root "$T_TMP/proc" --no-docker --count 1
printf 'some avg10=x avg60=3.25\nfull avg10=4.00 avg60=1.10\n' >"$T_TMP/proc/pressure/memory"
golden procfs-psi-bad --proc-root "$T_TMP/proc" --no-docker --count 1
rm -r "$T_TMP/proc/pressure"
# each container's memory cgroup (--sys-root): usage, inactive file cache,
# working set and limit; v2 also its pressure. A container whose cgroup is
# not there (D), or whose files do not parse, has no figures; none: no map.
fakesys_make "$T_TMP/sys1" v1
golden procfs-cgroup-v1 --proc-root "$T_TMP/proc" --sys-root "$T_TMP/sys1" --no-docker --count 1
fakesys_make "$T_TMP/sys2" v2
golden procfs-cgroup-v2 --proc-root "$T_TMP/proc" --sys-root "$T_TMP/sys2" --no-docker --count 1
golden kmod-cgroup-v2 --source kmod --proc-file "$G/kmod-report.json" --proc-root "$T_TMP/proc" \
	--sys-root "$T_TMP/sys2" --no-docker --count 1
# a v3 report's "cgroups": its usage and limit, not the files' (B: 110000
# KiB, limit 512 MiB, where memory.current says 100 MiB and memory.max max);
# memory.stat's inactive_file and the pressure still from the files; A's
# entry alone gives no figures (no memory.stat on this v2 tree)
golden kmod-v3-cgroup-v2 --source kmod --proc-file "$G/kmod-v3.json" --proc-root "$T_TMP/proc" \
	--sys-root "$T_TMP/sys2" --no-docker --count 1
printf 'lots\n' >"$T_TMP/sys1/memory/docker/$FP_A/memory.usage_in_bytes"
printf 'no inactive_file line\n' >"$T_TMP/sys2/system.slice/docker-$FP_B.scope/memory.stat"
printf '12345678901234567890123\n' >"$T_TMP/sys2/kubepods/besteffort/pod1/cri-containerd-$FP_C.scope/memory.current"
golden procfs-cgroup-bad --proc-root "$T_TMP/proc" --sys-root "$T_TMP/sys1" --no-docker --count 1
golden procfs-cgroup-bad2 --proc-root "$T_TMP/proc" --sys-root "$T_TMP/sys2" --no-docker --count 1
golden missing-root --proc-root "$T_TMP/nonexistent" --no-docker --count 1
rm "$T_TMP/proc/meminfo"
golden missing-meminfo --proc-root "$T_TMP/proc" --no-docker --count 1

# Every snapshot parses as strict JSON, hostile names included.
fakeproc_make "$T_TMP/proc"
"$CULL_READER" --proc-root "$T_TMP/proc" --no-docker --count 1 --all >"$T_TMP/all.json" 2>/dev/null
t_ok "snapshot with hostile names is valid JSON" jq -e . "$T_TMP/all.json"
t_is "$(jq -r '.procs[]|select(.pid==500)|.comm' "$T_TMP/all.json" | od -An -c | tr -s ' ' | head -c 80)" \
	"$(printf 'q"b\\\n) Z 9 (\357\277\275\n' | od -An -c | tr -s ' ' | head -c 80)" \
	"hostile comm round-trips, the invalid byte as U+FFFD"

# The module's report: a process name of any bytes keeps the line valid.
t_suite "$JSONTESTSUITE"
for f in "${T_SUITE[@]}"; do
	"$CULL_READER" --source kmod --proc-file "$f" --no-docker --count 1 >"$T_TMP/js.out" 2>"$T_TMP/js.err"
	rc=$?
	if [ $rc -ne 1 ] || [ -s "$T_TMP/js.out" ] || ! grep -q "^${CULL_READER##*/}: .*: " "$T_TMP/js.err"; then
		t_fail "JSONTestSuite $(basename "$f") as a report: exit 1 with a message (got $rc)"
		t_diag "$T_TMP/js.err"
		bad=1
	fi
done
[ -z "${bad:-}" ] && t_pass "every JSONTestSuite file as a module report: exit 1, one message, no output"
t_done
