#!/bin/bash
# cull-reaper without an engine: options and exit codes, pass-through, bad
# lines, an engine that does not answer, and the JSON test suite as input.
. "${0%/*}/lib.sh"
R=$CULL_REAPER
# a pipeline's status is the first failure in it, not only its last command's
set -o pipefail

# --- options and exit codes (DESIGN.md: 0 ok, 1 runtime, 2 usage) ---
t_run 0 "--help exits 0" "$R" --help
t_grep '^usage: cull-reaper' "$T_TMP/out" "--help prints the synopsis on stdout"
t_grep 'Exit status' "$T_TMP/out" "--help tells the exit status"
t_usage_errors cull-reaper "$R" <<'TABLE'
extra-operand|unexpected argument "extra-operand"
--signal NOPE|--signal: "NOPE" is not a signal
--signal 0|--signal: "0" is not a signal
--signal 65|--signal: "65" is not a signal
--stop-timeout -1|--stop-timeout: "-1" is out of range \(0 to 3600\)
--stop-timeout 1x|--stop-timeout: "1x" is not a whole number
--retry nan|--retry: "nan" is not a number
--parallel 0|--parallel: "0" is out of range \(1 to 256\)
--host unix:///x|--host: "unix:///x" is not tcp://HOST:PORT
--log-url file:///etc/passwd|--log-url: "file:///etc/passwd" is not an http:// or https:// URL
--log-url ftp://x|--log-url: "ftp://x" is not an http:// or https:// URL
--socket /a --host tcp://b:1|--socket and --host exclude each other
--signal TERM --stop-timeout 3|--signal and --stop-timeout exclude each other
--exec=|--exec: empty command
TABLE
t_bad_options cull-reaper --signal --remove "$R"
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

# SIGTERM: nothing accepted is lost. One kill waits on a dead engine, two
# wait for a slot (--parallel 1): all three are reported, then exit 0.
mkfifo "$T_TMP/fifo"
"$R" --socket "$T_TMP/none.sock" --retry 600 --parallel 1 <"$T_TMP/fifo" >"$T_TMP/out" 2>"$T_TMP/err" &
rpid=$!
exec 3>"$T_TMP/fifo"
printf '%s\n' '{"type":"kill","id":"a","seq":1}' '{"type":"kill","id":"b","seq":2}' '{"type":"kill","id":"c","seq":3}' '{"type":"mem"}' >&3
for _ in $(seq 100); do grep -q '"type":"mem"' "$T_TMP/out" && break; sleep 0.1; done
kill -TERM "$rpid"
wait "$rpid"
t_is "$?" 0 "SIGTERM: exit 0"
exec 3>&-
t_is "$(jq -r 'select(.type=="killed") | "\(.seq) \(.error)"' "$T_TMP/out" | sort | tr '\n' ,)" \
	"1 engine unreachable,2 not attempted: cull-reaper is stopping,3 not attempted: cull-reaper is stopping," \
	"SIGTERM: every accepted kill line is reported"
t_grep 'stopping' "$T_TMP/err" "SIGTERM: says what happened"

# The reader goes away: exit 0 without a word (EPIPE is not a failure).
for i in $(seq 1 20000); do echo '{"type":"mem","pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}'; done >"$T_TMP/many"
"$R" --socket "$T_TMP/none.sock" <"$T_TMP/many" 2>"$T_TMP/err" | head -1 >/dev/null
t_is "${PIPESTATUS[0]}" 0 "stdout closed by its reader: exit 0"
t_nogrep 'fatal' "$T_TMP/err" "stdout closed by its reader: no fatal message"

# A full disk on stdout is a runtime failure: exit 1 with the reason.
if [ -w /dev/full ]; then
	"$R" --socket "$T_TMP/none.sock" <"$T_TMP/many" >/dev/full 2>"$T_TMP/err"
	t_is "$?" 1 "stdout on a full disk: exit 1"
	t_grep 'cannot write to stdout' "$T_TMP/err" "stdout on a full disk: says so"
else
	t_skip "no writable /dev/full: no full-disk test"
fi

# --- the JSON test suite: a message or acceptance, never a crash or hang ---
t_suite "$JSONTESTSUITE"
crashed="" unexplained=""
for f in "${T_SUITE[@]}"; do
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
t_done
