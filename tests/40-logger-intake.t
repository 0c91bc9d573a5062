#!/bin/bash
# cull-logger intake: golden logs from mixed input, FIFO writers coming and
# going, 8 concurrent writers, kill -9 mid-stream, a full disk, signals.
. "${0%/*}/lib.sh"
set -o pipefail
export TZ=UTC
L=$CULL_LOGGER
[ -x "$L" ] || t_bail "no logger at $L"

# ---- golden: stdout is the log without --log; messages and exit codes
t_golden "$L" "$TOP/tests/golden/logger"

# (--help and usage errors: tests/43-logger-cli.t)

# ---- the log file: appended, never rewritten
log=$T_TMP/a.log
printf '{"type":"a","ts":1}\n' >"$log"
printf '{"type":"b","ts":2}\n' >"$T_TMP/b.in"
T_IN=$T_TMP/b.in t_run 0 "--log: exit 0" "$L" --quiet --log "$log"
t_is "$(cat "$log")" $'{"type":"a","ts":1}\n{"type":"b","ts":2}' "--log appends to what is there"

# a torn line left by a crash is closed, so it cannot swallow the next line
printf '{"type":"a","ts":1}\n{"type":"torn","t' >"$log"
printf '{"type":"c","ts":3}\n' >"$T_TMP/c.in"
T_IN=$T_TMP/c.in t_run 0 "after a torn line: exit 0" "$L" --quiet --log "$log"
t_is "$(sed -n 3p "$log")" '{"type":"c","ts":3}' "a torn last line does not swallow the next append"
t_grep 'torn line' "$T_TMP/err" "and it is reported"

# ---- batches: lines longer than the batch buffer (64 KiB) between short
# ones, more lines than a batch holds (1024): all stored as they came, in order
awk 'BEGIN { for (i = 1; i <= 3000; i++) {
	if (i == 2 || i == 1500) { for (s = "x"; length(s) < 100000; s = s s) ; s = substr(s, 1, i == 2 ? 100000 : 65536)
		printf "{\"type\":\"long\",\"ts\":%d,\"pad\":\"%s\"}\n", i, s }
	else printf "{\"type\":\"mem\",\"ts\":%d,\"used_pct\":50}\n", i } }' >"$T_TMP/batch.in"
t_is "$(wc -l <"$T_TMP/batch.in")" 3000 "the batch input has its 3000 lines"
log=$T_TMP/batch.log
rm -f "$log"
T_IN=$T_TMP/batch.in t_run 0 "long and many lines: exit 0" "$L" --quiet --log "$log"
t_ok "long and many lines: the log is the input, byte for byte" cmp "$T_TMP/batch.in" "$log"

# ---- names are compared by their value: "t\u0073" is "ts" for every reader,
# so a second one (escaped or not) makes the record ambiguous and it is refused
printf '%s\n' '{"type":"x","ts":1,"t\u0073":"bad"}' '{"type":"x","ts":1,"ts":2}' \
	'{"type":"x","\u0074ype":"y","ts":1}' '{"t\u0079pe":"esc","\u0074s":5}' >"$T_TMP/dup.in"
T_IN=$T_TMP/dup.in t_run 0 "duplicate names: exit 0" "$L" --quiet
t_is "$(cat "$T_TMP/out")" '{"t\u0079pe":"esc","\u0074s":5}' "only the record whose names are each there once is stored"
t_grep '^cull-logger: line 1: "ts" appears twice at byte 20' "$T_TMP/err" "an escaped second ts is refused, with the place"
t_grep '^cull-logger: line 2: "ts" appears twice' "$T_TMP/err" "a plain second ts is refused"
t_grep '^cull-logger: line 3: "type" appears twice' "$T_TMP/err" "an escaped second type is refused"

# ---- SIGTERM flushes and exits 0
fifo=$T_TMP/in.fifo
log=$T_TMP/sig.log
"$L" --quiet --fifo "$fifo" --log "$log" 2>"$T_TMP/sig.err" &
pid=$!
for i in $(seq 100); do [ -p "$fifo" ] && break; sleep 0.05; done
t_ok "the FIFO is made" test -p "$fifo"
# a writer comes, writes, goes; a second one does the same
printf '{"type":"w1","ts":1}\n' >"$fifo"
printf '{"type":"w2","ts":2}\nbad\n' >"$fifo"
for i in $(seq 100); do [ "$(wc -l <"$log")" -ge 2 ] && break; sleep 0.05; done
kill -TERM $pid; wait $pid; rc=$?
t_is "$rc" 0 "SIGTERM: exit status 0"
t_is "$(cut -c1-13 "$log" | tr '\n' ' ')" '{"type":"w1", {"type":"w2", ' "both FIFO writers stored, in order"
t_grep 'line 3: not JSON' "$T_TMP/sig.err" "line numbers go on across writers"
t_grep '2 lines stored, 1 refused' "$T_TMP/sig.err" "the count on exit"

# ---- 8 writers x 5000 lines through one FIFO: 40000 whole lines
log=$T_TMP/conc.log
rm -f "$fifo"
"$L" --quiet --fifo "$fifo" --log "$log" 2>"$T_TMP/conc.err" &
pid=$!
for i in $(seq 100); do [ -p "$fifo" ] && break; sleep 0.05; done
writer() {	# one write(2) per line, as a stage with line-buffered stdout does
	local w=$1 i pad=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
	for ((i = 1; i <= 5000; i++)); do
		printf '{"type":"t","ts":%d,"w":%d,"pad":"%s"}\n' $i $w $pad
	done >"$fifo"
}
for w in 1 2 3 4 5 6 7 8; do writer $w & done
wait $(jobs -p | grep -v "^$pid\$")
for i in $(seq 400); do [ "$(wc -l <"$log")" -ge 40000 ] && break; sleep 0.05; done
kill -TERM $pid; wait $pid
t_is "$?" 0 "8 writers: exit status 0 on SIGTERM"
t_is "$(wc -l <"$log")" 40000 "8 FIFO writers x 5000 lines: 40000 lines"
t_is "$(grep -c '^{"type":"t","ts":[0-9]*,"w":[1-8],"pad":"x*"}$' "$log")" 40000 "every one whole"
t_is "$(jq -r .w "$log" | sort | uniq -c | awk '{print $1}' | sort -u)" 5000 "5000 from each writer"
t_is "$(for w in 1 5 8; do jq -r "select(.w==$w) | .ts" "$log" | sort -n -c && echo ok; done | tr -d '\n')" okokok \
	"each writer's lines in its own order"

# ---- kill -9 mid-stream: only whole lines in the log
log=$T_TMP/k9.log
big=$T_TMP/big.in
for ((i = 1; i <= 200000; i++)); do echo "{\"type\":\"k\",\"ts\":$i,\"v\":\"some text to make the line longer\"}"; done >"$big"
# the input: 200000 lines, then half a line, then nothing for a while
mkfifo "$T_TMP/k9.fifo"
( cat "$big"; printf '{"type":"half","ts":'; exec sleep 60 ) >"$T_TMP/k9.fifo" &
prod=$!
t_cleanup "kill $prod"
"$L" --quiet --log "$log" <"$T_TMP/k9.fifo" &
pid=$!
for i in $(seq 200); do [ -s "$log" ] && break; sleep 0.01; done
kill -9 $pid; wait $pid 2>/dev/null
n=$(wc -l <"$log")
echo "# killed after $n of 200000 lines"
t_ok "kill -9 mid-stream left some lines ($n)" test "$n" -gt 0
t_nogrep half "$log" "the half line is not in it"
# Linux checks for a fatal signal between the pages a write(2) copies, so
# SIGKILL can cut one append short: the log is then whole lines and one torn
# tail, which the next writer closes and readers skip (DESIGN: durability).
if [ "$(tail -c 1 "$log" | od -An -c | tr -d ' ')" = '\n' ]; then
	t_pass "the log ends with a whole line"
	t_ok "the log is a prefix of the input" cmp -s "$log" <(head -n "$n" "$big")
else
	echo "# the kill tore the last append"
	t_ok "whole lines, then a torn tail: all a prefix of the input" \
		cmp -s "$log" <(head -c "$(stat -c %s "$log")" "$big")
	echo '{"type":"after","ts":1}' >"$T_TMP/after.in"
	T_IN=$T_TMP/after.in t_run 0 "the next writer: exit 0" "$L" --quiet --log "$log"
	t_is "$(tail -n 1 "$log")" '{"type":"after","ts":1}' "the next writer closes the torn line and appends whole"
fi

# ---- full disk: a 64 KiB tmpfs
mnt=$T_TMP/full
mkdir -p "$mnt"
if mount -t tmpfs -o size=64k cull-test "$mnt" 2>"$T_TMP/mount.err"; then
	t_cleanup "umount '$mnt'"
	head -n 3000 "$big" >"$T_TMP/full.in"
	"$L" --quiet --log "$mnt/log" <"$T_TMP/full.in" 2>"$T_TMP/full.err"; rc=$?
	t_is "$rc" 1 "full disk: exit status 1"
	t_grep 'cannot append to .*No space left on device; [0-9]+ lines stored' "$T_TMP/full.err" "full disk reported"
	n=$(sed -n 's/.*; \([0-9]*\) lines stored.*/\1/p' "$T_TMP/full.err")
	t_is "$(wc -l <"$mnt/log")" "$n" "the log holds exactly the lines it says were stored"
	t_ok "they are the first $n input lines, all whole" cmp -s "$mnt/log" <(head -n "$n" "$T_TMP/full.in")
	# a line bigger than the whole disk: the part that went in is taken back
	printf '{"type":"more","ts":1,"v":"%070000d"}\n' 0 >"$T_TMP/more.in"
	T_IN=$T_TMP/more.in t_run 1 "a line larger than the free space: exit 1" "$L" --quiet --log "$mnt/log"
	t_ok "and no part of it stays in the log" cmp -s "$mnt/log" <(head -n "$n" "$T_TMP/full.in")
else
	t_skip "cannot mount a tmpfs here: $(cat "$T_TMP/mount.err")"
fi

# ---- JSONTestSuite on stdin: a message or acceptance, never a crash
t_suite "$JSONTESTSUITE"
: >"$T_TMP/suite.bad"
for f in "${T_SUITE[@]}"; do
	"$L" --quiet <"$f" >"$T_TMP/s.out" 2>"$T_TMP/s.err"; rc=$?
	# (a crash with nothing on stdout is a failure too: not "A || B && C")
	if [ $rc -ne 0 ] || { [ -s "$T_TMP/s.out" ] && ! jq -e . "$T_TMP/s.out" >/dev/null 2>&1; }; then
		echo "${f##*/}: exit $rc" >>"$T_TMP/suite.bad"
	fi
	# a file is one line or several; every line is stored or refused with a message
	if [ ! -s "$T_TMP/s.out" ] && [ -s "$f" ] && ! grep -q 'line [0-9]*: ' "$T_TMP/s.err" && grep -q '[^[:space:]]' "$f"; then
		echo "${f##*/}: neither stored nor refused" >>"$T_TMP/suite.bad"
	fi
done
t_ok "JSONTestSuite on stdin (${#T_SUITE[@]} files): exit 0, strict JSON out, a message for the rest" test ! -s "$T_TMP/suite.bad"
t_diag "$T_TMP/suite.bad"

# ---- when the log is synced (strace counts the fdatasync calls): lines that
# come every interval (mem, rank) only every --sync-every seconds, and on
# exit; after any other line (killed) within a second. Slowness only adds
# syncs to the old way (one a second), never to the routine case here.
if command -v strace >/dev/null; then
	log=$T_TMP/sync.log
	rm -f "$log"
	{ for i in 1 2 3 4 5 6 7 8; do printf '{"type":"mem","ts":%d,"used_pct":50}\n' "$i"; sleep 0.5; done; } |
		strace -f -qq -e trace=fdatasync -o "$T_TMP/sync.strace" "$L" --quiet --log "$log"
	t_is "$(grep -c . "$log")" 8 "routine lines: all 8 stored"
	t_is "$(grep -c fdatasync "$T_TMP/sync.strace")" 1 "routine lines for 4 s: synced once, on exit (--sync-every 60)"
	t_diag "$T_TMP/sync.strace"
	rm -f "$log"
	{ printf '{"type":"killed","ts":1,"id":"x","ok":true}\n'; sleep 3
	  printf '{"type":"mem","ts":2,"used_pct":50}\n'; } |
		strace -f -qq -e trace=fdatasync -o "$T_TMP/sync.strace" "$L" --quiet --log "$log"
	t_is "$(grep -c fdatasync "$T_TMP/sync.strace")" 2 "a killed line: synced while the input waits, then on exit"
	t_diag "$T_TMP/sync.strace"
	t_run 2 "--sync-every below 1: usage error" "$L" --sync-every 0.5 --log "$log"
else
	t_skip "strace is not installed (make deps installs it): the sync checks"
fi

# ---- a log we cannot open
t_run 1 "an unwritable log path: exit 1" "$L" --log /nonexistent/dir/log
t_grep 'cannot open the log' "$T_TMP/err" "and says why"

t_done
