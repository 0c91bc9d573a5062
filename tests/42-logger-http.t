#!/bin/bash
# cull-logger serve/http: every answer through real socat and curl, 8
# concurrent HTTP writers, JSONTestSuite bodies, stalled clients.
. "${0%/*}/lib.sh"
. "${0%/*}/logger-lib.sh"
set -o pipefail
L=$CULL_LOGGER
[ -x "$L" ] || t_bail "no logger at $L"
# real parts of the logger's service: without them nothing here is tested
for c in socat curl gnuplot jq; do
	command -v $c >/dev/null || t_bail "$c is not installed (sh mk/deps.sh test)"
done

log=$T_TMP/h.log
# a gnuplot that notes each graph it draws (the output name from its script)
cat >"$T_TMP/gpcount" <<'EOS'
#!/bin/sh
sed -n 's/^set output "\(.*\)\.png\.tmp"$/\1/p' "$1" >>"$CULL_GP_COUNT"
exec gnuplot "$@"
EOS
chmod +x "$T_TMP/gpcount"
: >"$T_TMP/gp.count"
# the handlers' TMPDIR: nothing may be left in it
mkdir "$T_TMP/tmpdir"
serve_bg serve TMPDIR="$T_TMP/tmpdir" CULL_GNUPLOT="$T_TMP/gpcount" CULL_GP_COUNT="$T_TMP/gp.count" -- \
	--log "$log" --max-body 65536 --timeout 1
port=$sport
U=http://127.0.0.1:$port

t_ok "socat listens on 127.0.0.1:$port only" bash -c "ss -ltnH | awk '{print \$4}' | grep -qx '127.0.0.1:$port'"
# a LISTEN socket's Send-Q is its backlog: socat's default of 5 overflowed at
# 8-32 clients (TcpExtListenOverflows) and cost clients 1-4 s of SYN retries
t_is "$(ss -ltnH "sport = :$port" | awk '{print $3}')" 128 "the listen queue holds 128 (socat's default: 5)"

# req WANT_CODE DESC CURL_ARGS... - the status code, body in $T_TMP/body
req() {
	local want=$1 desc=$2 code; shift 2
	code=$(curl -s -o "$T_TMP/body" -D "$T_TMP/headers" -w '%{http_code}' "$@")
	if [ "$code" = "$want" ]; then t_pass "$desc: $want"
	else t_fail "$desc: $want" "got $code"; t_diag "$T_TMP/body"; fi
}

req 200 "GET /healthz" "$U/healthz"
t_is "$(cat "$T_TMP/body")" '{"ok":true}' "healthz body"
req 200 "POST one object" -d '{"type":"mem","ts":1700000000,"used_pct":50}' "$U/logs"
t_is "$(cat "$T_TMP/body")" '{"stored":1}' "says how many were stored"
req 200 "POST an array" -d '[{"type":"mem","ts":1700000001,"used_pct":51},{"type":"killed","ts":1700000001.5,"name":"c1","class":"high","ok":true,"rss_kb":2048,"vsz_kb":4096}]' "$U/logs"
t_is "$(cat "$T_TMP/body")" '{"stored":2}' "two stored"
req 200 "POST NDJSON" --data-binary $'{"type":"a","ts":2}\n{"type":"b","ts":3}\n' "$U/logs"
t_is "$(cat "$T_TMP/body")" '{"stored":2}' "two stored"
req 400 "POST bad JSON" -d '{"type":"a",' "$U/logs"
t_grep '"error":"not JSON' "$T_TMP/body" "with the reason"
req 400 "POST a record without ts" --data-binary $'{"type":"a","ts":4}\n{"type":"b"}' "$U/logs"
t_grep 'line 2: \\"ts\\" is missing' "$T_TMP/body" "with the line"
req 400 "POST an empty body" -d '' "$U/logs"
head -c 70000 /dev/zero | tr '\0' ' ' >"$T_TMP/big"
req 413 "POST over --max-body" --data-binary @"$T_TMP/big" "$U/logs"
req 413 "POST over --max-body without Expect" -H 'Expect:' --data-binary @"$T_TMP/big" "$U/logs"
req 411 "POST chunked" -H 'Transfer-Encoding: chunked' -d '{"type":"a","ts":1}' "$U/logs"
t_is "$(wc -l <"$log")" 5 "only the good POSTs are in the log"
t_ok "the handlers share one fsync clock: $log.synced" test -f "$log.synced"

req 200 "GET /logs?tail=2" "$U/logs?tail=2"
t_is "$(cat "$T_TMP/body")" $'{"type":"a","ts":2}\n{"type":"b","ts":3}' "the last two lines"
t_grep '^Content-Type: application/x-ndjson' "$T_TMP/headers" "as NDJSON"
req 200 "GET /logs (default tail)" "$U/logs"
t_is "$(wc -l <"$T_TMP/body")" 5 "all five lines"
req 400 "GET /logs?tail=abc" "$U/logs?tail=abc"
req 405 "DELETE /logs" -X DELETE "$U/logs"
t_grep '^Allow: GET, HEAD, POST' "$T_TMP/headers" "405 says what is allowed"
req 405 "POST /graph" -d x "$U/graph"
req 404 "GET /nothing" "$U/nothing"
req 200 "GET /graph" "$U/graph"
t_grep '^Content-Type: image/png' "$T_TMP/headers" "image/png"
t_is "$(head -c 4 "$T_TMP/body" | od -An -c | tr -d ' ')" '211PNG' "a PNG"
req 200 "GET /scatter_vsz_rss" "$U/scatter_vsz_rss"
t_is "$(head -c 4 "$T_TMP/body" | od -An -c | tr -d ' ')" '211PNG' "a PNG"

# drawn once per change of the log: the same log is answered from the cache
cp "$T_TMP/body" "$T_TMP/scatter1.png"
req 200 "GET /graph again" "$U/graph"
req 200 "GET /scatter_vsz_rss again" "$U/scatter_vsz_rss"
t_cmp "$T_TMP/scatter1.png" "$T_TMP/body" "the same picture"
t_is "$(sort "$T_TMP/gp.count" | uniq -c | awk '{print $1 $2}' | tr '\n' ' ')" "1ram_usage 1vsz_rss " \
	"an unchanged log is not drawn again"
req 200 "POST one more record" -d '{"type":"mem","ts":1700000002,"used_pct":70}' "$U/logs"
pids=()
for c in 1 2 3 4 5 6 7 8; do
	curl -s -o "$T_TMP/g$c.png" -w '%{http_code}\n' "$U/graph" >"$T_TMP/gcode$c" &
	pids+=($!)
done
wait "${pids[@]}"
t_is "$(cat "$T_TMP"/gcode{1..8} | sort | uniq -c | awk '{print $1 " " $2}')" "8 200" "8 concurrent GET /graph after a change: all 200"
t_is "$(for c in 2 3 4 5 6 7 8; do cmp -s "$T_TMP/g1.png" "$T_TMP/g$c.png" && echo same; done | wc -l)" 7 \
	"all the same picture"
t_is "$(grep -c ram_usage "$T_TMP/gp.count")" 2 "drawn once for the 8 of them"
t_is "$(ls -A "$T_TMP/tmpdir" | wc -l)" 0 "nothing left in the handlers' TMPDIR"
t_is "$(cd "$log.graphs" && ls -A | sed 's/\.[0-9a-f]*-.*\.png$/.KEY.png/' | tr '\n' ' ')" \
	".lock ram_usage.KEY.png vsz_rss.KEY.png " "the cache holds one picture per graph and no scratch files"
req 200 "HEAD /healthz" --head "$U/healthz"
t_nogrep '"ok"' "$T_TMP/body" "HEAD has no body"

# a client that stalls in the middle of its head, then one that says nothing
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n' >&3
timeout 10 cat <&3 >"$T_TMP/stall"
exec 3<&-
t_grep '^HTTP/1.1 408 ' "$T_TMP/stall" "a stalled head is cut off with 408"
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'POST /logs HTTP/1.1\r\nContent-Length: 100\r\n\r\n{"type":' >&3
timeout 10 cat <&3 >"$T_TMP/stall"
exec 3<&-
t_grep '^HTTP/1.1 408 ' "$T_TMP/stall" "a stalled body is cut off with 408"
# a body shorter than its Content-Length, then a half-close: an answer, 400
printf 'POST /logs HTTP/1.1\r\nContent-Length: 100\r\n\r\n{"type":' |
	timeout 20 socat -t 10 - "TCP:127.0.0.1:$port" >"$T_TMP/short" 2>"$T_TMP/short.err"
t_is "$?" 0 "socat half-closed and read the answer"
t_grep '^HTTP/1.1 400 ' "$T_TMP/short" "a short body and a half-close get 400"
t_grep 'ended after 8 of its 100 bytes' "$T_TMP/short" "saying how much came"
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /healthz HTTP/2.0\r\n\r\n' >&3
timeout 10 cat <&3 >"$T_TMP/stall"
exec 3<&-
t_grep '^HTTP/1.1 505 ' "$T_TMP/stall" "HTTP/2.0 gets 505"
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GARBAGE\r\n\r\n' >&3
timeout 10 cat <&3 >"$T_TMP/stall"
exec 3<&-
t_grep '^HTTP/1.1 400 ' "$T_TMP/stall" "a malformed request line gets 400"
# the head and the start of the body in one write, the rest later
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'POST /logs HTTP/1.1\r\nContent-Length: 39\r\n\r\n{"type":"split",' >&3
sleep 0.2
printf '"ts":1,"v":"abcdefgh"}\n' >&3
timeout 10 cat <&3 >"$T_TMP/split"
exec 3<&-
t_grep '^\{"stored":1\}' "$T_TMP/split" "a body split across reads is put together"
t_is "$(tail -n 1 "$log")" '{"type":"split","ts":1,"v":"abcdefgh"}' "and stored whole"
n0=$(wc -l <"$log")
t_is "$n0" 7 "none of the refused requests reached the log"

# 8 concurrent clients x 5000 lines (50 POSTs of 100 NDJSON lines each)
for w in 1 2 3 4 5 6 7 8; do
	for ((i = 1; i <= 100; i++)); do
		printf '{"type":"h","ts":%d,"w":%d,"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}\n' $i $w
	done >"$T_TMP/w$w"
	curl -s -o /dev/null -w '%{http_code}\n' --data-binary @"$T_TMP/w$w" "$U/logs?post=[1-50]" >"$T_TMP/codes$w" &
done
wait $(jobs -p | grep -v "^$spid\$")
t_is "$(cat "$T_TMP"/codes{1..8} | sort | uniq -c | awk '{print $1 " " $2}')" "400 200" "400 POSTs, all 200"
t_is "$(grep -c '"type":"h"' "$log")" 40000 "8 HTTP writers x 5000 lines: 40000 lines"
t_is "$(grep -c '^{"type":"h","ts":[0-9]*,"w":[1-8],"pad":"x*"}$' "$log")" 40000 "every one whole"
t_is "$(grep '"type":"h"' "$log" | jq -r .w | sort | uniq -c | awk '{print $1}' | sort -u)" 5000 "5000 from each writer"

# the log is a record: a POSTed object or array is stored as the bytes that
# passed the check (white space between tokens dropped), never re-serialised
# (json-c made 18446744073709551615 of the big number, 0 of -0, decoded the
# escapes and kept one of the two "d")
printf '%s\n' '{"type":"exact","ts":1,"n":123456789012345678901234567890,"z":-0,"f":1.50e+2,"e":"caf\u00e9 \/ \"q\" \\","d":1,"d":2}' \
	'{"type":"exact","ts":2,"s":"  two  spaces ,[]{}: "}' '{"ts":3,"type":"exact","a":[-0.0,{}]}' >"$T_TMP/exact.want"
req 200 "POST an object spread over lines, with a huge integer, -0, escapes, a duplicate name" \
	--data-binary $'{\n  "type": "exact", "ts": 1,\n  "n": 123456789012345678901234567890, "z": -0, "f": 1.50e+2,\n  "e": "caf\\u00e9 \\/ \\"q\\" \\\\",\n  "d": 1, "d": 2\n}\n' "$U/logs"
req 200 "POST an array of two" \
	--data-binary $'[ {"type":"exact","ts":2,"s":"  two  spaces ,[]{}: "} ,\n\t{ "ts" : 3 , "type" : "exact", "a" : [ -0.0 , { } ] } ]' "$U/logs"
grep '"type":"exact"' "$log" >"$T_TMP/exact.got"
t_ok "the expected records are written down" test -s "$T_TMP/exact.want"
t_cmp "$T_TMP/exact.want" "$T_TMP/exact.got" "stored byte for byte as sent, only compacted"
# a name is a name however it is written: "t\u0073" is "ts" to every reader
req 400 "POST a record with a second ts written t\\u0073" -d '{"type":"dup","ts":1,"t\u0073":"bad"}' "$U/logs"
t_grep 'ts.* appears twice' "$T_TMP/body" "and says it appears twice"
req 400 "POST NDJSON with a second type written typ\\u0065" --data-binary $'{"type":"dup","ts":1}\n{"type":"dup","ts":1,"typ\\u0065":"x"}\n' "$U/logs"
req 400 "POST an array with a plain duplicate ts" -d '[{"type":"dup","ts":1,"ts":2}]' "$U/logs"
t_nogrep '"dup"' "$log" "no record with a duplicate name was stored"

# JSONTestSuite bodies: 200 or 400, never anything else
t_suite "$JSONTESTSUITE"
: >"$T_TMP/suite"
for f in "${T_SUITE[@]}"; do
	printf '%s %s %s\n' "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$f" "$U/logs")" \
		"$(wc -c <"$f")" "${f##*/}" >>"$T_TMP/suite"
done
t_is "$(wc -l <"$T_TMP/suite")" "${#T_SUITE[@]}" "every JSONTestSuite file posted"
# 413 only for the files over this server's --max-body (65536)
awk '!($1 == 200 || $1 == 400 || ($1 == 413 && $2 > 65536))' "$T_TMP/suite" >"$T_TMP/suite.bad"
t_ok "every answer 200 or 400 (413 over --max-body)" test ! -s "$T_TMP/suite.bad"
t_diag "$T_TMP/suite.bad"
t_grep '^200 ' "$T_TMP/suite" "some stored (an empty array, say)"
t_nogrep '^200 [0-9]+ n_' "$T_TMP/suite" "no n_ file stored"
t_ok "the log is still strict NDJSON" jq -e . "$log"
req 200 "still healthy after all that" "$U/healthz"
t_nogrep 'Sanitizer|runtime error|Segmentation|core dumped' "$T_TMP/serve.err" "no handler crashed or tripped a sanitizer"

# a graph that takes too long: gnuplot and what it started are killed by the
# deadline (--graph-timeout), the client gets 503 (not an empty reply), and no file
# and no process is left behind
cat >"$T_TMP/gpslow" <<'EOS'
#!/bin/sh
sleep 120 &
echo "$$ $!" >>"$CULL_GP_PIDS"
sleep 120
EOS
chmod +x "$T_TMP/gpslow"
: >"$T_TMP/gp.pids"
mkdir "$T_TMP/tmpdir3"
cp "$log" "$T_TMP/slowgraph.log"
serve_bg serve3 TMPDIR="$T_TMP/tmpdir3" CULL_GNUPLOT="$T_TMP/gpslow" CULL_GP_PIDS="$T_TMP/gp.pids" -- \
	--log "$T_TMP/slowgraph.log" --graph-timeout 1
spid3=$spid port3=$sport
req 503 "GET /graph when gnuplot hangs" --max-time 30 "http://127.0.0.1:$port3/graph"
t_grep 'took too long' "$T_TMP/body" "and says why"
# what is left of gnuplot's process group (its pid is the group's id), not
# counting zombies waiting for init to reap them
gp_pid=$(cut -d' ' -f1 "$T_TMP/gp.pids")
t_ok "gnuplot ran (pid $gp_pid)" test -n "$gp_pid"
left=$(ps -eo pid=,pgid=,stat=,args= | awk -v g="${gp_pid:-none}" '$2 == g && $3 !~ /^Z/')
t_is "$left" "" "gnuplot and its children were killed with their process group"
t_is "$(ls -A "$T_TMP/tmpdir3" "$T_TMP/slowgraph.log.graphs" | grep -v -e '^$' -e ':$' | tr '\n' ' ')" ".lock " \
	"no scratch file left (TMPDIR, the cache)"
kill "$spid3"

# slow clients trickling their heads a byte a second take every slot
# (--max-clients 4) but only for --head-timeout, not the long --timeout the
# body gets: a normal request still gets through. With the head under the
# body's 60 s deadline (the old rule) the slots stay taken for the whole 30
# s the slow clients go on, and the bounded curl below fails.
serve_bg slow -- --log "$T_TMP/slow.log" --max-clients 4 --head-timeout 1 --timeout 60
spid2=$spid port2=$sport
slow_pids=()
for c in 1 2 3 4 5 6 7 8; do
	{ for ((i = 0; i < 30; i++)); do printf 'G'; sleep 1; done; } 2>/dev/null |
		timeout 45 socat -t 1 - "TCP:127.0.0.1:$port2" >"$T_TMP/slow$c" 2>/dev/null &
	slow_pids+=($!)
done
t_cleanup "kill ${slow_pids[*]}"
sleep 0.5
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 "http://127.0.0.1:$port2/healthz")
t_is "$code" 200 "8 slow-head clients on 4 slots: a normal request still gets 200"
wait "${slow_pids[@]}"
t_is "$(cat "$T_TMP"/slow{1..8} | grep -c '^HTTP/1.1 408 ')" 8 "every slow client was cut off with 408"
kill "$spid2"

# serve refuses what socat would misread, and non-loopback needs saying
# a log path with what socat's EXEC would misread (it splits on spaces, and
# reads , : ! as syntax) reaches the handler another way (the environment)
odd="$T_TMP/a,b:c d!!e"
serve_bg serve4 -- --log "$odd"
spid4=$spid port4=$sport
req 200 "serve a log named 'a,b:c d!!e'" -d '{"type":"odd","ts":1}' "http://127.0.0.1:$port4/logs"
t_is "$(cat "$odd" 2>&1)" '{"type":"odd","ts":1}' "stored in that very file"
kill "$spid4"
t_run 2 "serve refuses a bad address" "$L" serve --listen localhost:80 --log "$log"
t_run 2 "serve refuses a bad port" "$L" serve --listen 127.0.0.1:99999 --log "$log"

# http alone, on a pipe: one request in, one answer out
printf 'GET /healthz HTTP/1.0\r\n\r\n' >"$T_TMP/one.in"
T_IN=$T_TMP/one.in t_run 0 "http on a pipe exits 0" "$L" http --log "$log"
cp "$T_TMP/out" "$T_TMP/one"
t_grep '^HTTP/1.1 200 OK' "$T_TMP/one" "http answers one request on stdin/stdout"

t_done
