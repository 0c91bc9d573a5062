#!/bin/bash
# bench/logger.sh - cull-logger against what a user would use instead:
#   intake: lines/s appended from stdin while validating, vs `jq -c . >> file`
#           (validating the way a user would) and `cat >> file` (no checking)
#   HTTP:   requests/s through socat, 8 concurrent clients posting one record
#   HTTP at 32 clients: requests/s and p99 latency, listen backlog 128 (now)
#           against socat's default of 5 (before), side by side
#   GET /graph on a 2M-record log: cold (drawn), warm (cached), 8 concurrent
# Prints one Markdown section on stdout; progress on stderr.
set -eu
L=${CULL_LOGGER:-${CULL_BIN:-$(cd "${0%/*}/.." && pwd)/bin}/cull-logger}
LINES=${LINES_N:-200000}
REQS=${REQS_PER_CLIENT:-250}
REQS32=${REQS_32:-60}		# per client, 32 clients, per backlog
GRAPH_RECORDS=${GRAPH_RECORDS:-2000000}
W=$(mktemp -d "${TMPDIR:-/tmp}/cull-bench.XXXXXX")
spid=
trap '[ -n "$spid" ] && kill $spid 2>/dev/null; rm -rf "$W"' EXIT
# serve_on LOG [OPTION...] - start serve on a free port: $spid, $U
serve_on() {
	local log=$1; shift
	"$L" serve --listen 127.0.0.1:0 --log "$log" "$@" 2>"$W/serve.err" &
	spid=$!
	for i in $(seq 100); do grep -q serving "$W/serve.err" && break; sleep 0.05; done
	port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$W/serve.err")
	U=http://127.0.0.1:$port
	for i in $(seq 100); do curl -s -o /dev/null "$U/healthz" && break; sleep 0.05; done
}
stop_serve() { kill "$spid"; wait "$spid" 2>/dev/null || true; spid=; }
overflows() { nstat -az TcpExtListenOverflows 2>/dev/null | awk '$1 == "TcpExtListenOverflows" {print $2}'; }
for c in jq hyperfine socat curl gnuplot nstat; do
	command -v $c >/dev/null || { echo "bench/logger.sh: needs $c" >&2; exit 2; }
done

# mem records as cull-ranker writes them (about 140 bytes a line)
awk -v n="$LINES" 'BEGIN { for (i = 0; i < n; i++)
	printf "{\"type\":\"mem\",\"ts\":%.3f,\"seq\":%d,\"total_kb\":24572412,\"used_kb\":%d,\"used_pct\":%.2f,\"containers\":12,\"procs\":57}\n",
		1700000000 + i * 0.5, i, 12000000 + i % 5000, 48.8 + (i % 100) / 10 }' >"$W/in"

echo "bench/logger.sh: intake, $LINES lines, hyperfine" >&2
hyperfine -N --style none --warmup 1 --runs 7 --export-json "$W/h.json" \
	--prepare "rm -f $W/out" \
	-n cull-logger "sh -c '$L --quiet --log $W/out < $W/in'" \
	-n jq "sh -c 'jq -c . < $W/in >> $W/out'" \
	-n cat "sh -c 'cat < $W/in >> $W/out'" >&2
med() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median' "$W/h.json"; }
t_l=$(med cull-logger); t_j=$(med jq); t_c=$(med cat)

echo "bench/logger.sh: HTTP, 8 clients x $REQS POSTs" >&2
serve_on "$W/http.log"
rec='{"type":"bench","ts":1700000000.5,"used_pct":50.5}'
runs=""
# CPU of the server side: socat and the handlers it reaped (clock ticks)
ticks() { awk '{print $14 + $15 + $16 + $17}' "/proc/$spid/stat"; }
tk0=$(ticks)
for r in 1 2 3 4 5; do
	s=$(date +%s.%N)
	for c in 1 2 3 4 5 6 7 8; do
		curl -s -o /dev/null -w '%{http_code}\n' -d "$rec" "$U/logs?c=$c&i=[1-$REQS]" >"$W/codes$c" &
	done
	wait $(jobs -p | grep -v "^$spid\$")
	e=$(date +%s.%N)
	bad=$(cat "$W"/codes* | grep -vc '^200$' || true)
	[ "$bad" = 0 ] || echo "bench/logger.sh: $bad requests did not get 200" >&2
	runs="$runs $(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.4f", e - s }')"
done
t_h=$(printf '%s\n' $runs | sort -n | sed -n 3p)
sleep 0.5	# let socat reap the last handlers
tk1=$(ticks)
srv_ms=$(awk -v t=$((tk1 - tk0)) -v hz="$(getconf CLK_TCK)" -v n=$((5 * 8 * REQS)) \
	'BEGIN { printf "%.3f", t * 1000 / hz / n }')
n_req=$((8 * REQS))
stored=$(wc -l <"$W/http.log")
stop_serve

# 32 clients, each request timed by curl: rate, p50, p99, listen overflows
c32() {	# BACKLOG -> "req/s p50_ms p99_ms non200 overflows"
	local b=$1 s e o0 o1
	serve_on "$W/c32.log" --backlog "$b"
	o0=$(overflows)
	s=$(date +%s.%N)
	for c in $(seq 32); do
		curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -d "$rec" "$U/logs?c=$c&i=[1-$REQS32]" >"$W/t32.$c" &
	done
	wait $(jobs -p | grep -v "^$spid\$")
	e=$(date +%s.%N)
	o1=$(overflows)
	stop_serve
	cat "$W"/t32.{1..32} | sort -k2,2 -g | awk -v s="$s" -v e="$e" -v ov=$((o1 - o0)) \
		'{ t[NR] = $2; if ($1 != 200) bad++ }
		END { printf "%.0f %.1f %.1f %d %d\n", NR / (e - s), t[int(NR * 0.5)] * 1000,
			t[int(NR * 0.99)] * 1000, bad, ov }'
}
echo "bench/logger.sh: HTTP, 32 clients x $REQS32 POSTs, backlog 128 then 5" >&2
read -r r_new p50_new p99_new bad_new ov_new < <(c32 128)
read -r r_old p50_old p99_old bad_old ov_old < <(c32 5)

# GET /graph on a big log: cold (drawn once), warm (from the cache), and 8
# concurrent requests after the log changed (one draws, the others share)
echo "bench/logger.sh: GET /graph, $GRAPH_RECORDS records" >&2
awk -v n="$GRAPH_RECORDS" 'BEGIN { for (i = 0; i < n; i++) {
	printf "{\"type\":\"mem\",\"ts\":%.3f,\"seq\":%d,\"total_kb\":24572412,\"used_kb\":%d,\"used_pct\":%.2f,\"containers\":12,\"procs\":57}\n",
		1700000000 + i * 0.5, i, 12000000 + i % 5000, 48.8 + (i % 100) / 10 + (i % 99991 == 0 ? 40 : 0)
	if (i % 1000 == 7) printf "{\"type\":\"killed\",\"ts\":%.3f,\"seq\":%d,\"id\":\"%x\",\"name\":\"cull-high-%x\",\"class\":\"high\",\"ok\":true,\"status\":204,\"rss_kb\":%d,\"vsz_kb\":%d}\n",
		1700000000 + i * 0.5, i, i, i, 50000 + i % 70000, 120000 + i % 90000 } }' >"$W/graph.log"
g_bytes=$(stat -c %s "$W/graph.log")
g_lines=$(wc -l <"$W/graph.log")
serve_on "$W/graph.log" --timeout 60
gtime() { curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "$U/graph"; }
read -r g_cold_code g_cold < <(gtime)
for i in 1 2 3 4 5 6 7 8 9; do gtime; done >"$W/warm"
g_warm=$(awk '$1 == 200 {print $2}' "$W/warm" | sort -n | sed -n 5p)
g_warm_ok=$(grep -c '^200 ' "$W/warm" || true)
printf '{"type":"mem","ts":1701000000,"used_pct":50}' | curl -s -o /dev/null -d @- "$U/logs"
s=$(date +%s.%N)
for c in 1 2 3 4 5 6 7 8; do gtime >"$W/g8.$c" & done
wait $(jobs -p | grep -v "^$spid\$")
e=$(date +%s.%N)
g8_wall=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", e - s }')
g8_ok=$(cat "$W"/g8.{1..8} | grep -c '^200 ' || true)
g8_max=$(cat "$W"/g8.{1..8} | awk '{print $2}' | sort -n | tail -n 1)
for i in 1 2 3 4 5 6 7 8 9; do gtime; done >"$W/warm2"
g_warm2=$(awk '$1 == 200 {print $2}' "$W/warm2" | sort -n | sed -n 5p)
stop_serve
g_left=$(find "$W/graph.log.graphs" -name '.cull-plot.*' | wc -l)
g_tmp=$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'cull-graph.*' -newer "$W/graph.log" | wc -l)

awk -v n="$LINES" -v l="$t_l" -v j="$t_j" -v c="$t_c" -v nr="$n_req" -v h="$t_h" -v srv="$srv_ms" \
    -v load="$(cut -d' ' -f1 /proc/loadavg)" -v cores="$(nproc)" \
    -v stored="$stored" -v total=$((5 * n_req)) 'BEGIN {
	printf "## cull-logger\n\n"
	printf "Appending %d `mem` lines (about 140 bytes each) from stdin to a file, checking each\n", n
	printf "is a strict JSON object with `type` and `ts` (median of 7 runs, hyperfine):\n\n"
	printf "| command | median s | lines/s | vs cull-logger |\n|---|---:|---:|---:|\n"
	printf "| `cull-logger --quiet --log out < in` | %.3f | %.0f | 1 |\n", l, n / l
	printf "| `jq -c . < in >> out` (validates the way a user would) | %.3f | %.0f | %.2fx slower |\n", j, n / j, j / l
	printf "| `cat < in >> out` (the floor: no checking) | %.3f | %.0f | %.2fx faster |\n\n", c, n / c, l / c
	printf "cull-logger is **%.1fx** faster than jq (goal: 3x) and %.1fx slower than cat.\n\n", j / l, l / c
	printf "HTTP through socat (`cull-logger serve`, one `cull-logger http` per connection):\n"
	printf "8 concurrent curl clients posting one record per request, %d requests a run,\n", nr
	printf "median of 5 runs: %.2f s, **%.0f requests/s** (goal: 500). Each request is a TCP\n", h, nr / h
	printf "connection, a socat fork, an exec of a dynamically linked cull-logger on the socket\n"
	printf "(socat EXEC with nofork), a locked append, and fdatasync at most once a second\n"
	printf "across handlers.\n"
	printf "%d of %d records stored. Server-side CPU (socat and the handlers): %.2f ms a\n", stored, total, srv
	printf "request, so %d idle cores would serve about %.0f requests/s (the curl clients\n", cores, cores / srv * 1000
	printf "not counted); the rate above was measured at a load average of %s on %d cores.\n", load, cores
}'
awk -v rn="$r_new" -v p50n="$p50_new" -v p99n="$p99_new" -v bn="$bad_new" -v ovn="$ov_new" \
    -v ro="$r_old" -v p50o="$p50_old" -v p99o="$p99_old" -v bo="$bad_old" -v ovo="$ov_old" \
    -v n=$((32 * REQS32)) 'BEGIN {
	printf "\nHTTP at 32 concurrent clients (%d POSTs of one record, each timed by curl),\n", n
	printf "socat listen backlog 128 (`serve` now) against socat'"'"'s default of 5 (`--backlog 5`,\n"
	printf "what serve used before), one run each, side by side:\n\n"
	printf "| backlog | requests/s | p50 ms | p99 ms | not 200 | listen overflows (nstat) |\n|---:|---:|---:|---:|---:|---:|\n"
	printf "| 128 | %.0f | %.1f | %.1f | %d | %d |\n", rn, p50n, p99n, bn, ovn
	printf "| 5 | %.0f | %.1f | %.1f | %d | %d |\n\n", ro, p50o, p99o, bo, ovo
	printf "p99 with backlog 5 is **%.1fx** the p99 with 128; requests/s %.2fx.\n", p99o / p99n, rn / ro
}'
awk -v recs="$g_lines" -v mb="$g_bytes" -v cold="$g_cold" -v cc="$g_cold_code" -v warm="$g_warm" \
    -v wok="$g_warm_ok" -v w8="$g8_wall" -v ok8="$g8_ok" -v max8="$g8_max" -v warm2="$g_warm2" \
    -v left="$g_left" -v tmp="$g_tmp" 'BEGIN {
	printf "\n`GET /graph` on a %d-record log (%.0f MB; curl time_total, the same machine):\n\n", recs, mb / 1e6
	printf "| request | seconds | status |\n|---|---:|---|\n"
	printf "| cold: the first, draws the graph (reads the whole log, gnuplot) | %.3f | %s |\n", cold, cc
	printf "| warm: the log unchanged, from the cache (median of 9) | %.3f | %d of 9 200 |\n", warm, wok
	printf "| 8 concurrent after one more record: wall time for all 8 | %.3f | %d of 8 200 |\n", w8, ok8
	printf "| the slowest of those 8 | %.3f | |\n", max8
	printf "| warm again (median of 9) | %.3f | |\n\n", warm2
	printf "The log changed, so one of the 8 drew and the others waited on the cache lock and\n"
	printf "shared its picture. gnuplot is given at most 2000 RAM points (min and max of 1000\n"
	printf "time slices). Scratch directories left in the cache: %d; cull-graph.* left in\n", left
	printf "TMPDIR: %d.\n", tmp
}'
