#!/bin/bash
# cull-ranker's command line and its ending: --help, every bad option value
# (exit 2), a full disk (exit 1), a reader that goes away (exit 0, quiet),
# SIGTERM/SIGINT while waiting on a live pipe (flush, say so, exit 0).
. "${0%/*}/lib.sh"

[ -x "$CULL_RANKER" ] || t_bail "no ranker at $CULL_RANKER (make first)"
P=${CULL_RANKER##*/}
GOOD='{"type":"snapshot","v":1,"seq":1,"ts":1,"mem":{"total_kb":100,"used_kb":1,"used_pct":1},"procs":[{"pid":1,"container":"c","vsz_kb":1,"rss_kb":1,"mem_pct":1,"cpu_pct":1}]}'

t_run 0 "--help exits 0" "$CULL_RANKER" --help
t_grep '^usage: cull-ranker ' "$T_TMP/out" "--help prints the synopsis on stdout"
t_grep '^Exit status: 0 ' "$T_TMP/out" "--help says the exit status"
t_is "$(wc -c <"$T_TMP/err")" 0 "--help says nothing on stderr"
t_run 0 "-h exits 0" "$CULL_RANKER" -h

# table: arguments | what stderr must say
t_usage_errors cull-ranker "$CULL_RANKER" <<'TABLE'
--keep-high -1|--keep-high: "-1" is out of range
--keep-low x|--keep-low: "x" is not a whole number
--keep-low 1.5|--keep-low: "1.5" is not a whole number
--sort-by mem|--sort-by: "mem" is not one of ram\|cpu\|vsz\|rss
--high-cpu nan|--high-cpu: "nan" is not a number
--high-mem 101|--high-mem: "101" is out of range
--max-mem-pct -5|--max-mem-pct: "-5" is out of range
--max-psi 100.5|--max-psi: "100.5" is out of range
--max-psi x|--max-psi: "x" is not a number
--cooldown 1e99|--cooldown: "1e99" is out of range
--max-line 10|--max-line: "10" is out of range
extra|unexpected argument "extra"
TABLE
t_bad_options cull-ranker --keep-high --any "$CULL_RANKER"

# a full disk: the write error ends it with 1 and a message
printf '%s\n' "$GOOD" >"$T_TMP/in"
"$CULL_RANKER" <"$T_TMP/in" >/dev/full 2>"$T_TMP/err"; rc=$?
t_is "$rc" 1 "stdout on a full disk: exit 1"
t_grep "^$P: fatal: cannot write to stdout: No space left on device" "$T_TMP/err" "  and says why"

# stdin that cannot be read
"$CULL_RANKER" <"$TOP" >/dev/null 2>"$T_TMP/err"; rc=$?
t_is "$rc" 1 "stdin a directory: exit 1"
t_grep "^$P: fatal: cannot read stdin: Is a directory" "$T_TMP/err" "  and says why"

# the reader of stdout goes away: exit 0, nothing said
for i in $(seq 3000); do printf '%s\n' "$GOOD"; done >"$T_TMP/many"
( "$CULL_RANKER" <"$T_TMP/many" 2>"$T_TMP/err"; echo $? >"$T_TMP/rc" ) | head -n 1 >/dev/null
t_is "$(cat "$T_TMP/rc")" 0 "stdout closed early (EPIPE): exit 0"
t_is "$(wc -c <"$T_TMP/err")" 0 "  quietly"

# A live pipe: the ranker's output for a snapshot appears while it waits for
# the next line (no EOF), and a signal then ends it cleanly.
for sig in TERM INT; do
	rm -f "$T_TMP/fifo"; mkfifo "$T_TMP/fifo"
	"$CULL_RANKER" <"$T_TMP/fifo" >"$T_TMP/live.out" 2>"$T_TMP/live.err" &
	pid=$!
	exec 7>"$T_TMP/fifo"
	printf '%s\n{"type":"note","ts":2}\n' "$GOOD" >&7
	for i in $(seq 200); do	# wait up to 20 s on a busy machine
		[ "$(wc -l <"$T_TMP/live.out")" -ge 3 ] && break
		sleep 0.1
	done
	t_is "$(wc -l <"$T_TMP/live.out")" 3 "SIG$sig: the lines are out while the ranker waits for more"
	kill -"$sig" "$pid"
	wait "$pid"; rc=$?
	exec 7>&-
	t_is "$rc" 0 "SIG$sig: exit 0"
	t_grep "^$P: .*: stopping after line 2$" "$T_TMP/live.err" "SIG$sig: says it stopped"
done

# SIGTERM in the middle of a replay whose reader is slow: the ranker stops
# soon, and every line it read has its whole output delivered, no line cut.
awk -v n=3000 -f "$TOP/bench/ranker-gen.awk" >"$T_TMP/replay"
rm -f "$T_TMP/fifo"; mkfifo "$T_TMP/fifo"
"$CULL_RANKER" <"$T_TMP/replay" >"$T_TMP/fifo" 2>"$T_TMP/replay.err" &
pid=$!
exec 8<"$T_TMP/fifo"
dd bs=65536 count=3 iflag=fullblock <&8 >"$T_TMP/first" 2>/dev/null	# the ranker is well under way
kill -TERM "$pid"
cat <&8 >"$T_TMP/rest"
exec 8<&-
wait "$pid"; rc=$?
cat "$T_TMP/first" "$T_TMP/rest" >"$T_TMP/all"
t_is "$rc" 0 "SIGTERM mid-replay: exit 0"
stopped=$(sed -nE "s/^$P: .*: stopping after line ([0-9]+)$/\1/p" "$T_TMP/replay.err")
t_ok "SIGTERM mid-replay: says where it stopped (line ${stopped:-?})" test -n "$stopped"
t_ok "SIGTERM mid-replay: it stopped before the end" test "${stopped:-3000}" -lt 3000
t_is "$(grep -c '"type":"rank"' "$T_TMP/all")" "${stopped:-?}" "SIGTERM mid-replay: every line read has its rank line out"
t_is "$(tail -c 1 "$T_TMP/all" | od -An -c | tr -d ' ')" '\n' "SIGTERM mid-replay: the output ends with a whole line"
if jq -c . "$T_TMP/all" >/dev/null 2>&1; then t_pass "SIGTERM mid-replay: every line is JSON"
else t_fail "SIGTERM mid-replay: a line is cut"; fi

t_done
