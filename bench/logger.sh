#!/bin/bash
# bench/logger.sh - cull-logger against what a user would use instead:
#   intake: lines/s appended from stdin while validating, vs `jq -c . >> file`
#           (validating the way a user would) and `cat >> file` (no checking)
#   HTTP:   requests/s through socat, 8 concurrent clients posting one record
# Prints one Markdown section on stdout; progress on stderr.
set -eu
L=${CULL_LOGGER:-${CULL_BIN:-$(cd "${0%/*}/.." && pwd)/bin}/cull-logger}
LINES=${LINES_N:-200000}
REQS=${REQS_PER_CLIENT:-250}
W=$(mktemp -d "${TMPDIR:-/tmp}/cull-bench.XXXXXX")
spid=
trap '[ -n "$spid" ] && kill $spid 2>/dev/null; rm -rf "$W"' EXIT
for c in jq hyperfine socat curl; do
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
"$L" serve --listen 127.0.0.1:0 --log "$W/http.log" 2>"$W/serve.err" &
spid=$!
for i in $(seq 100); do grep -q serving "$W/serve.err" && break; sleep 0.05; done
port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$W/serve.err")
U=http://127.0.0.1:$port
for i in $(seq 100); do curl -s -o /dev/null "$U/healthz" && break; sleep 0.05; done
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
