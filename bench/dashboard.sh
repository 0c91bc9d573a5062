#!/bin/bash
# bench/dashboard.sh - what GET /api/state (the dashboard's JSON) and
# GET /metrics cost on a 1M-record log, against what a user would do
# instead to get the same figures: jq over the whole log (the counters need
# all of it), or tail + jq (cheap, but it only sees the last lines).
#   first request: the state beside the log is built from the whole log
#   later requests: the state is read, nothing of the log (hyperfine, curl)
#   after 1000 appended lines: only they are read
# Prints one Markdown section on stdout; progress on stderr.
set -eu
L=${CULL_LOGGER:-${CULL_BIN:-$(cd "${0%/*}/.." && pwd)/bin}/cull-logger}
RECORDS=${DASH_RECORDS:-1000000}
W=$(mktemp -d "${TMPDIR:-/tmp}/cull-bench.XXXXXX")
spid=
trap '[ -n "$spid" ] && kill $spid 2>/dev/null; rm -rf "$W"' EXIT
for c in jq hyperfine socat curl; do
	command -v $c >/dev/null || { echo "bench/dashboard.sh: needs $c" >&2; exit 2; }
done

# A run's log: a mem and a rank line (8 containers) per snapshot, and a
# kill and its killed line every 50 snapshots.
echo "bench/dashboard.sh: writing a $RECORDS-record log" >&2
awk -v n="$RECORDS" 'BEGIN {
	for (i = 0; r < n; i++) {
		ts = 1700000000 + i
		printf "{\"type\":\"mem\",\"ts\":%d,\"seq\":%d,\"total_kb\":24572412,\"used_kb\":%d,\"used_pct\":%.2f,\"containers\":8,\"procs\":9}\n", ts, i, 12000000 + i % 5000, 48.8 + (i % 100) / 10; r++
		printf "{\"type\":\"rank\",\"ts\":%d,\"seq\":%d,\"by\":\"ram\",\"containers\":[", ts, i
		for (c = 0; c < 8; c++)
			printf "%s{\"id\":\"%064d\",\"name\":\"cull-%s-%d\",\"image\":\"cull-img\",\"class\":\"%s\",\"managed\":true,\"procs\":1,\"rss_kb\":%d,\"vsz_kb\":%d,\"mem_pct\":0.5,\"cpu_pct\":1.0}", c ? "," : "", c, c < 4 ? "high" : "low", c, c < 4 ? "high" : "low", 1000 * (c + 1), 5000 * (c + 1)
		print "]}"; r++
		if (i % 50 == 0) {
			printf "{\"type\":\"kill\",\"ts\":%d,\"seq\":%d,\"id\":\"%064d\",\"name\":\"cull-high-0\",\"class\":\"high\",\"reason\":\"bench\"}\n", ts, i, 0; r++
			printf "{\"type\":\"killed\",\"ts\":%d.5,\"seq\":%d,\"id\":\"%064d\",\"name\":\"cull-high-0\",\"class\":\"high\",\"reason\":\"bench\",\"ok\":true,\"status\":204,\"ms\":%d.5,\"rss_kb\":1000,\"vsz_kb\":5000}\n", ts, i, 0, i % 40; r++
		}
	} }' >"$W/log"
size_mb=$(du -m "$W/log" | cut -f1)

"$L" serve --listen 127.0.0.1:0 --log "$W/log" --timeout 60 2>"$W/serve.err" &
spid=$!
for _ in $(seq 100); do grep -q serving "$W/serve.err" && break; sleep 0.05; done
U=http://127.0.0.1:$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$W/serve.err")
for _ in $(seq 100); do curl -s -o /dev/null "$U/healthz" && break; sleep 0.05; done

echo "bench/dashboard.sh: first request (the state built from the log)" >&2
first=$(curl -s -o "$W/first.json" -w '%{time_total}' "$U/api/state")
echo "bench/dashboard.sh: later requests, hyperfine" >&2
hyperfine -N --style none --warmup 3 --runs 50 --export-json "$W/h.json" \
	-n state "curl -s -o /dev/null $U/api/state" \
	-n metrics "curl -s -o /dev/null $U/metrics" \
	-n healthz "curl -s -o /dev/null $U/healthz" >&2
med() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median' "$W/$2"; }
t_state=$(med state h.json); t_metrics=$(med metrics h.json); t_health=$(med healthz h.json)
tail -n 1000 "$W/log" | sed 's/"ts":1/"ts":2/' >>"$W/log"
appended=$(curl -s -o /dev/null -w '%{time_total}' "$U/metrics")
kill "$spid"; wait "$spid" 2>/dev/null || true; spid=

echo "bench/dashboard.sh: jq over the whole log, tail + jq, hyperfine" >&2
hyperfine -N --style none --warmup 0 --runs 2 --export-json "$W/j.json" \
	-n jq "sh -c 'jq -c \"select(.type == \\\"killed\\\") | [.class, .ok]\" $W/log | sort | uniq -c'" >&2
hyperfine -N --style none --warmup 1 --runs 10 --export-json "$W/t.json" \
	-n tail "sh -c 'tail -n 100 $W/log | jq -s \"[.[] | select(.type == \\\"mem\\\")] | last\"'" >&2
t_jq=$(med jq j.json); t_tail=$(med tail t.json)

ms() { awk -v t="$1" 'BEGIN { printf "%.1f ms", t * 1000 }'; }
x() { awk -v a="$1" -v b="$2" 'BEGIN { r = a / b; printf (r < 10 ? "%.1f×" : "%.0f×"), r }'; }
cat <<EOS
## Dashboard JSON and /metrics on a $RECORDS-record log (bench/dashboard.sh)

A $size_mb MB log of a run (a mem and a rank line of 8 containers per
snapshot, a kill every 50), served by \`cull-logger serve\` (socat, one
\`cull-logger http\` per request). Each request brings the state beside the
log (\`FILE.state/\`) up to date, reading only what was appended since the
last one; the first builds it from the whole log. Medians of 50 requests
(curl, hyperfine); the alternatives are one user command each.

| what | time | vs a later GET /api/state |
|---|---|---|
| first GET /api/state (state built from the whole log) | $(ms "$first") | $(x "$first" "$t_state") |
| later GET /api/state (state read, no log) | $(ms "$t_state") | 1× |
| later GET /metrics | $(ms "$t_metrics") | $(x "$t_metrics" "$t_state") |
| GET /metrics after 1000 appended lines | $(ms "$appended") | $(x "$appended" "$t_state") |
| GET /healthz (the cost of a request at all) | $(ms "$t_health") | $(x "$t_health" "$t_state") |
| \`jq\` over the whole log: kills by class and outcome | $(ms "$t_jq") | $(x "$t_jq" "$t_state") |
| \`tail -n 100 \| jq -s\`: the last mem line only | $(ms "$t_tail") | $(x "$t_tail" "$t_state") |
EOS
