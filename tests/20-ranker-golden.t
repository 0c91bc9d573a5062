#!/bin/bash
# cull-ranker golden replays: each tests/golden/ranker/NAME.in through the
# ranker with NAME.args must give NAME.out, NAME.err and NAME.rc exactly
# (classes by label and by threshold, the four sort keys, ties, unmanaged
# containers, the cooldown, the memory guard, pass-through, bad lines, the
# -v tables). Then determinism: every replay run twice is byte-identical.
. "${0%/*}/lib.sh"
# a pipeline's status is the first failure in it (lib.sh on main sets this
# too; never turned off here)
set -o pipefail

[ -x "$CULL_RANKER" ] || t_bail "no ranker at $CULL_RANKER (make first)"
G=$TOP/tests/golden/ranker

# The cases: never a literal "*.in" fed to the ranker (an empty or missing
# directory would pass every replay check below with two empty outputs).
shopt -s nullglob; cases=("$G"/*.in); shopt -u nullglob
[ ${#cases[@]} -ge 20 ] || t_bail "golden cases missing: ${#cases[@]} in $G"

t_golden "$CULL_RANKER" "$G"

# the same input twice gives the same bytes, on stdout and on stderr, and
# the same exit status
for in in "${cases[@]}"; do
	name=${in%.in}; args=()
	[ -f "$name.args" ] && mapfile -t args <"$name.args"
	"$CULL_RANKER" "${args[@]}" <"$in" >"$T_TMP/a.out" 2>"$T_TMP/a.err"; rca=$?
	"$CULL_RANKER" "${args[@]}" <"$in" >"$T_TMP/b.out" 2>"$T_TMP/b.err"; rcb=$?
	if [ "$rca" = "$rcb" ] && [ "$rca" -lt 128 ] && [ -s "$T_TMP/a.out" ] &&
	   cmp -s "$T_TMP/a.out" "$T_TMP/b.out" && cmp -s "$T_TMP/a.err" "$T_TMP/b.err"; then
		t_pass "${name##*/}: a second replay is byte-identical"
	else
		t_fail "${name##*/}: a second replay differs (or said nothing, or died)" "exit $rca then $rcb"
	fi
done

# a longer made-up day: 2,000 snapshots of 20 processes, with the guard on
awk -v n=2000 -v procs=20 -v seed=7 -f "$TOP/bench/ranker-gen.awk" >"$T_TMP/day.in" ||
	t_bail "cannot generate the made-up day (bench/ranker-gen.awk)"
"$CULL_RANKER" --max-mem-pct 50 <"$T_TMP/day.in" >"$T_TMP/d1" 2>"$T_TMP/d1.err"
t_is "$?" 0 "2,000 generated snapshots: exit 0"
"$CULL_RANKER" --max-mem-pct 50 <"$T_TMP/day.in" >"$T_TMP/d2" 2>"$T_TMP/d2.err"
t_is "$?" 0 "2,000 generated snapshots, again: exit 0"
t_cmp "$T_TMP/d1" "$T_TMP/d2" "2,000 generated snapshots: replays identical"
t_is "$(grep -c '"type":"mem"' "$T_TMP/d1")" 2000 "one mem line per snapshot"
t_is "$(grep -c '"type":"rank"' "$T_TMP/d1")" 2000 "one rank line per snapshot"
t_grep '"type":"kill"' "$T_TMP/d1" "the policy sentenced someone"
t_is "$(wc -c <"$T_TMP/d1.err")" 0 "no message on good input"
# every output line is strict JSON (jq is a second opinion on the writer)
if jq -e -c . "$T_TMP/d1" >/dev/null 2>"$T_TMP/jq.err"; then t_pass "jq reads every output line"
else t_fail "jq rejects the output"; t_diag "$T_TMP/jq.err"; fi

# cutting the input in two and replaying both halves in one stream is the
# same as the whole: no state but the cooldown table, fed by input time
head -n 1000 "$T_TMP/day.in" >"$T_TMP/h1"; tail -n +1001 "$T_TMP/day.in" >"$T_TMP/h2"
cat "$T_TMP/h1" "$T_TMP/h2" | "$CULL_RANKER" --max-mem-pct 50 >"$T_TMP/d3" 2>/dev/null
t_is "$?" 0 "through a pipe: cat and the ranker exit 0"
t_cmp "$T_TMP/d1" "$T_TMP/d3" "the same lines through a pipe give the same output"

# The reader's own golden snapshots (its real output, host processes and
# all) are read without a word. Outputs without a snapshot (the reader's
# error cases) are passed over; that at least 5 files hold one is checked,
# so a missing or emptied directory cannot pass by checking nothing.
shopt -s nullglob; routs=("$TOP"/tests/golden/reader/*.out); shopt -u nullglob
ranked=0
for out in "${routs[@]}"; do
	n=$(grep -c '"type":"snapshot"' "$out")
	[ "$n" -gt 0 ] || continue
	ranked=$((ranked + 1))
	"$CULL_RANKER" --any <"$out" >"$T_TMP/r.out" 2>"$T_TMP/r.err"; rc=$?
	if [ "$rc" = 0 ] && [ ! -s "$T_TMP/r.err" ] && [ "$(grep -c '"type":"rank"' "$T_TMP/r.out")" = "$n" ]; then
		t_pass "reader's ${out##*/}: $n snapshot(s) ranked, no message"
	else
		t_fail "reader's ${out##*/}: not ranked cleanly (exit $rc)"; t_diag "$T_TMP/r.err"
	fi
done
t_ok "the reader's golden outputs hold snapshots to rank ($ranked files)" test "$ranked" -ge 5

t_done
