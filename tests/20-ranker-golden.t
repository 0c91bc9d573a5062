#!/bin/bash
# cull-ranker golden replays: each tests/golden/ranker/NAME.in through the
# ranker with NAME.args must give NAME.out, NAME.err and NAME.rc exactly
# (classes by label and by threshold, the four sort keys, ties, unmanaged
# containers, the cooldown, the memory guard, pass-through, bad lines, the
# -v tables). Then determinism: every replay run twice is byte-identical.
. "${0%/*}/lib.sh"

[ -x "$CULL_RANKER" ] || t_bail "no ranker at $CULL_RANKER (make first)"
G=$TOP/tests/golden/ranker

t_golden "$CULL_RANKER" "$G"

# the same input twice gives the same bytes, on stdout and on stderr
for in in "$G"/*.in; do
	name=${in%.in}; args=()
	[ -f "$name.args" ] && mapfile -t args <"$name.args"
	"$CULL_RANKER" "${args[@]}" <"$in" >"$T_TMP/a.out" 2>"$T_TMP/a.err"
	"$CULL_RANKER" "${args[@]}" <"$in" >"$T_TMP/b.out" 2>"$T_TMP/b.err"
	if cmp -s "$T_TMP/a.out" "$T_TMP/b.out" && cmp -s "$T_TMP/a.err" "$T_TMP/b.err"; then
		t_pass "${name##*/}: a second replay is byte-identical"
	else
		t_fail "${name##*/}: a second replay differs"
	fi
done

# a longer made-up day: 2,000 snapshots of 20 processes, with the guard on
awk -v n=2000 -v procs=20 -v seed=7 -f "$TOP/bench/ranker-gen.awk" >"$T_TMP/day.in"
"$CULL_RANKER" --max-mem-pct 50 <"$T_TMP/day.in" >"$T_TMP/d1" 2>"$T_TMP/d1.err"
"$CULL_RANKER" --max-mem-pct 50 <"$T_TMP/day.in" >"$T_TMP/d2" 2>"$T_TMP/d2.err"
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
t_cmp "$T_TMP/d1" "$T_TMP/d3" "the same lines through a pipe give the same output"

# The reader's own golden snapshots (its real output, host processes and
# all, when they are there) are read without a word.
for out in "$TOP"/tests/golden/reader/*.out; do
	[ -f "$out" ] || continue
	n=$(grep -c '"type":"snapshot"' "$out")
	[ "$n" -gt 0 ] || continue
	"$CULL_RANKER" --any <"$out" >"$T_TMP/r.out" 2>"$T_TMP/r.err"
	if [ ! -s "$T_TMP/r.err" ] && [ "$(grep -c '"type":"rank"' "$T_TMP/r.out")" = "$n" ]; then
		t_pass "reader's ${out##*/}: $n snapshot(s) ranked, no message"
	else
		t_fail "reader's ${out##*/}: not ranked cleanly"; t_diag "$T_TMP/r.err"
	fi
done

t_done
