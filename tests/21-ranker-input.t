#!/bin/bash
# cull-ranker and hostile input: the JSONTestSuite files, raw and as the value
# of a pass-through line; lines of 10 and 20 MB; binary junk. Bad input gets
# "cull-ranker: line N: ..." and the ranker goes on; never a crash or a hang.
. "${0%/*}/lib.sh"

[ -x "$CULL_RANKER" ] || t_bail "no ranker at $CULL_RANKER (make first)"
t_suite "$JSONTESTSUITE"
GOOD='{"type":"snapshot","v":1,"seq":9,"ts":9,"mem":{"total_kb":100,"used_kb":1,"used_pct":1},"procs":[{"pid":1,"container":"c","vsz_kb":1,"rss_kb":1,"mem_pct":1,"cpu_pct":1}]}'
P=${CULL_RANKER##*/}

# Every stderr line has the shape "prog: line N: ..."; exit 0; the good line
# after the bad input still gives its two lines.
shape_ok() { ! grep -Evq "^$P: line [0-9]+: " "$1"; }

crashes="" shapes="" wrong="" n=0
for f in "${T_SUITE[@]}"; do
	b=${f##*/}; n=$((n + 1))
	# 1: the file as it is, then a good snapshot on a line of its own
	{ cat "$f"; printf '\n%s\n' "$GOOD"; } >"$T_TMP/in"
	timeout 20 "$CULL_RANKER" <"$T_TMP/in" >"$T_TMP/out" 2>"$T_TMP/err"; rc=$?
	[ $rc = 0 ] || crashes="$crashes $b($rc)"
	shape_ok "$T_TMP/err" || shapes="$shapes $b"
	grep -q '"type":"rank","ts":9,' "$T_TMP/out" || crashes="$crashes $b(stopped)"
	# 2: as the value of a line of another type, which passes through
	# only when it is JSON: y_ files must, n_ files must not
	last=$(tail -c 1 "$f" | od -An -c | tr -d ' ')
	if [ "$last" = '\n' ]; then head -c -1 "$f" >"$T_TMP/v"; else cat "$f" >"$T_TMP/v"; fi
	grep -q "$(printf '\r')" "$T_TMP/v" && continue
	[ "$(wc -l <"$T_TMP/v")" = 0 ] || continue
	{ printf '{"type":"t","v":'; cat "$T_TMP/v"; printf '}\n'; } >"$T_TMP/in"
	timeout 20 "$CULL_RANKER" <"$T_TMP/in" >"$T_TMP/out" 2>"$T_TMP/err"; rc=$?
	[ $rc = 0 ] || crashes="$crashes wrapped-$b($rc)"
	shape_ok "$T_TMP/err" || shapes="$shapes wrapped-$b"
	case $b in
	y_*) cmp -s "$T_TMP/in" "$T_TMP/out" || wrong="$wrong $b(rejected)" ;;
	n_*) [ -s "$T_TMP/out" ] && wrong="$wrong $b(accepted)"
	     [ "$(wc -l <"$T_TMP/err")" = 1 ] || wrong="$wrong $b(no message)" ;;
	esac
done
t_is "${crashes:-none}" none "JSONTestSuite ($n files): exit 0 and goes on after each"
t_is "${shapes:-none}" none "JSONTestSuite: every message is 'line N: ...'"
t_is "${wrong:-none}" none "JSONTestSuite as a pass-through value: y_ passes, n_ is reported"

# a 10 MB line that never ends its string, then a good line
{ printf '{"type":"snapshot","junk":"'; head -c 10000000 /dev/zero | tr '\0' x; printf '\n%s\n' "$GOOD"; } >"$T_TMP/in"
T_IN=$T_TMP/in t_run 0 "10 MB broken line: exit 0" "$CULL_RANKER"
t_is "$(cat "$T_TMP/err")" "$P: line 1: not JSON: the line ends inside a value" "10 MB broken line: one message"
t_is "$(grep -c '"type":"rank","ts":9,' "$T_TMP/out")" 1 "10 MB broken line: the next line is ranked"

# a valid 10 MB snapshot: 40,000 processes in 1,000 containers
awk 'BEGIN { printf "{\"type\":\"snapshot\",\"v\":1,\"seq\":1,\"ts\":1,\"mem\":{\"total_kb\":1000000000,\"used_kb\":1,\"used_pct\":1},\"procs\":["
	for (i = 1; i <= 40000; i++) printf "%s{\"pid\":%d,\"comm\":\"%0160d\",\"container\":\"c%04d\",\"vsz_kb\":%d,\"rss_kb\":%d,\"mem_pct\":0.01,\"cpu_pct\":0.5}", (i > 1 ? "," : ""), i, 0, i % 1000, i, i
	printf "]}\n" }' >"$T_TMP/in"
t_ok "a 10 MB snapshot is at least 10 MB" test "$(wc -c <"$T_TMP/in")" -gt 10000000
T_IN=$T_TMP/in t_run 0 "10 MB snapshot: exit 0" "$CULL_RANKER" --keep-low 999 --keep-high 999
t_is "$(wc -c <"$T_TMP/err")" 0 "10 MB snapshot: no message"
t_grep '"containers":1000,"procs":40000' "$T_TMP/out" "10 MB snapshot: 1,000 containers of 40 processes"
t_grep '"id":"c0000",.*"procs":40,"rss_kb":800000,' "$T_TMP/out" "10 MB snapshot: sums are right"

# a 20 MB line is over the 16 MiB bound: skipped whole, the next line is read
{ printf '{"type":"x","pad":"'; head -c 20000000 /dev/zero | tr '\0' y; printf '"}\n%s\n' "$GOOD"; } >"$T_TMP/in"
T_IN=$T_TMP/in t_run 0 "20 MB line: exit 0" "$CULL_RANKER"
t_is "$(cat "$T_TMP/err")" "$P: line 1: longer than 16777216 bytes, skipped" "20 MB line: reported as too long"
t_is "$(grep -c '"type":"rank","ts":9,' "$T_TMP/out")" 1 "20 MB line: the next line is ranked"
printf '{"type":"x","pad":"%05000d"}\n%s\n' 0 "$GOOD" >"$T_TMP/in"
T_IN=$T_TMP/in t_run 0 "--max-line 4096: exit 0" "$CULL_RANKER" --max-line 4096
t_is "$(cat "$T_TMP/err")" "$P: line 1: longer than 4096 bytes, skipped" "--max-line sets the bound"

# binary junk, NUL bytes, a last line without '\n'
{ head -c 100000 /dev/urandom; printf '\n\0\0\0\n%s' "$GOOD"; } >"$T_TMP/in"
T_IN=$T_TMP/in t_run 0 "random bytes: exit 0" "$CULL_RANKER"
if shape_ok "$T_TMP/err"; then t_pass "random bytes: only 'line N' messages"
else t_fail "random bytes: other messages"; t_diag "$T_TMP/err"; fi
t_is "$(grep -c '"type":"rank","ts":9,' "$T_TMP/out")" 1 "a last line without newline is ranked"

# memory is bounded by the largest line, not the length of the input
if [ -n "${CULL_SANITIZED:-}" ]; then
	t_skip "peak memory under a sanitizer says nothing"
else
	awk -v n=500 -f "$TOP/bench/ranker-gen.awk" >"$T_TMP/small" &&
		awk -v n=10000 -f "$TOP/bench/ranker-gen.awk" >"$T_TMP/large" ||
		t_bail "cannot generate snapshots (bench/ranker-gen.awk)"
	# time(1) exits with the ranker's status and writes only the figure to
	# its -o file: a crash cannot hide behind the last line of a pipe
	/usr/bin/time -o "$T_TMP/small.kb" -f %M "$CULL_RANKER" <"$T_TMP/small" >/dev/null 2>&1
	t_is "$?" 0 "peak RSS run, 500 snapshots: exit 0"
	/usr/bin/time -o "$T_TMP/large.kb" -f %M "$CULL_RANKER" <"$T_TMP/large" >/dev/null 2>&1
	t_is "$?" 0 "peak RSS run, 10,000 snapshots: exit 0"
	small=$(cat "$T_TMP/small.kb") large=$(cat "$T_TMP/large.kb")
	if [ -n "$small" ] && [ -n "$large" ] && [ "$large" -le $((small + 512)) ]; then t_pass "peak RSS flat: $small KiB for 500 snapshots, $large KiB for 10,000"
	else t_fail "peak RSS grows: $small KiB for 500 snapshots, $large KiB for 10,000"; fi
fi

t_done
