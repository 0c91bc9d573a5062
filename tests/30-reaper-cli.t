#!/bin/bash
# cull-reaper without an engine: options and exit codes, pass-through, bad
# lines, an engine that does not answer, and the JSON test suite as input.
. "${0%/*}/lib.sh"
R=$CULL_REAPER

# --- options and exit codes (DESIGN.md: 0 ok, 1 runtime, 2 usage) ---
t_run 0 "--help exits 0" "$R" --help
t_grep '^usage: cull-reaper' "$T_TMP/out" "--help prints the synopsis on stdout"
t_grep 'Exit status' "$T_TMP/out" "--help tells the exit status"
for bad in "--nope" "extra-operand" "--signal NOPE" "--signal 0" "--signal 65" \
	   "--stop-timeout -1" "--stop-timeout 1x" "--retry nan" "--parallel 0" \
	   "--host unix:///x" "--log-url file:///etc/passwd" "--log-url ftp://x" \
	   "--socket /a --host tcp://b:1" "--signal TERM --stop-timeout 3" "--exec="; do
	# shellcheck disable=SC2086
	t_run 2 "usage error: $bad" "$R" $bad
	t_grep '^cull-reaper: |^usage: ' "$T_TMP/err" "usage error says why: $bad"
	[ -s "$T_TMP/out" ] && t_fail "nothing on stdout for $bad" || t_pass "nothing on stdout for $bad"
done
for good in "--signal KILL" "--signal sigterm" "--signal 9" "--signal SIGUSR1"; do
	# shellcheck disable=SC2086
	t_run 0 "accepted: $good" "$R" --socket "$T_TMP/none.sock" --retry 0 $good
done

# --- golden: pass-through byte for byte, bad lines, engine unreachable ---
norm() {	# the time varies from run to run
	sed -E '/"type":"killed"/{s/"ts":[0-9.]+/"ts":T/;s/"ms":[0-9.]+/"ms":M/}'
}
t_golden "$R" "$TOP/tests/golden/reaper" norm

t_run 0 "input from a regular file, engine absent: exit 0" "$R" --socket "$T_TMP/none.sock" --retry 0.2
T_IN=$TOP/tests/golden/reaper/passthrough.in t_run 0 "pass-through from a file" "$R" --socket "$T_TMP/none.sock"
t_cmp <(cat "$TOP/tests/golden/reaper/passthrough.in"; echo) "$T_TMP/out" "pass-through is byte for byte (a torn last line gets its newline)"

# A pipe: the reaper reads it without blocking; the lines come in pieces.
{ printf '{"type":"mem",'; sleep 0.3; printf '"a":1}\n{"type":"kill","id":"x'; sleep 0.3; printf 'y","seq":2}\n'; } |
	"$R" --socket "$T_TMP/none.sock" --retry 0 >"$T_TMP/out" 2>"$T_TMP/err"
t_is "$?" 0 "lines split across pipe writes: exit 0"
t_is "$(head -1 "$T_TMP/out")" '{"type":"mem","a":1}' "a line split across writes passes through whole"
t_grep '"id":"xy","ok":false,"status":0' "$T_TMP/out" "a kill line split across writes is read whole"

# The engine is down: the reaper retries for --retry seconds, reports and goes on.
start=$(date +%s%N)
printf '%s\n' '{"type":"kill","id":"abc","seq":1}' '{"type":"mem"}' |
	"$R" --socket "$T_TMP/none.sock" --retry 1 >"$T_TMP/out" 2>"$T_TMP/err"
t_is "$?" 0 "engine down: exit 0, not a failure of the reaper"
took=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$took" -ge 900 ]; then t_pass "engine down: retried about --retry seconds ($took ms)"
else t_fail "engine down: retried about --retry seconds" "took $took ms"; fi
t_grep '"error":"engine unreachable"' "$T_TMP/out" "engine down: ok:false engine unreachable"
t_grep '^\{"type":"mem"\}$' "$T_TMP/out" "engine down: other lines still pass"

# --- the JSON test suite: a message or acceptance, never a crash or hang ---
suite=$SHARED/testdata/jsontestsuite/test_parsing
if [ -d "$suite" ]; then
	crashed="" unexplained=""
	for f in "$suite"/*.json; do
		timeout 20 "$R" --socket "$T_TMP/none.sock" --retry 0 <"$f" >"$T_TMP/js.out" 2>"$T_TMP/js.err"
		rc=$?
		[ "$rc" -eq 0 ] || crashed="$crashed ${f##*/}($rc)"
		# every stderr line has the shape "cull-reaper: line N: ..."
		if grep -qvE '^cull-reaper: (line [0-9]+: |the engine at )' "$T_TMP/js.err"; then
			unexplained="$unexplained ${f##*/}"
		fi
	done
	t_is "$crashed" "" "JSON test suite: exit 0 on every file (no crash, no hang)"
	t_is "$unexplained" "" "JSON test suite: every message is 'cull-reaper: line N: ...'"
else
	t_skip "JSON test suite not found at $suite"
fi
t_done
