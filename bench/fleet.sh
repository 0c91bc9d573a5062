#!/bin/bash
# bench/fleet.sh - the central logger's intake from N agents, against the
# local FIFO intake every node has:
#   HTTP:  N = 1, 10, 50 simulated agents, each a curl loop POSTing batches of
#          50 NDJSON lines (mem and rank lines as a node writes them) to one
#          "cull-logger serve" at /logs?host=agent-K: lines/s stored, p99 of a
#          batch POST, server CPU per line (socat and its handlers)
#   FIFO:  the same number of lines written into "cull-logger --fifo" (what
#          the pipeline does on one node): lines/s, CPU per line
# Prints one Markdown section on stdout; progress on stderr. docs/fleet.md
# takes its per-line cost from here.
set -eu
L=${CULL_LOGGER:-${CULL_BIN:-$(cd "${0%/*}/.." && pwd)/bin}/cull-logger}
BATCH=50
BATCHES=${FLEET_BATCHES:-2000}	# batches per run, shared among the agents
W=$(mktemp -d "${TMPDIR:-/tmp}/cull-bench.XXXXXX")
spid=
trap '[ -n "$spid" ] && kill $spid 2>/dev/null; rm -rf "$W"' EXIT
for c in jq socat curl awk; do
	command -v $c >/dev/null || { echo "bench/fleet.sh: needs $c" >&2; exit 2; }
done
[ -x "$L" ] || { echo "bench/fleet.sh: no $L (make)" >&2; exit 2; }

# serve_on LOG - start serve on a free port: $spid, $U
serve_on() {
	"$L" serve --listen 127.0.0.1:0 --log "$1" 2>"$W/serve.err" &
	spid=$!
	for _ in $(seq 100); do grep -q serving "$W/serve.err" && break; sleep 0.05; done
	U=http://127.0.0.1:$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$W/serve.err")
	for _ in $(seq 100); do curl -s -o /dev/null "$U/healthz" && break; sleep 0.05; done
}
stop_serve() { kill "$spid"; wait "$spid" 2>/dev/null || true; spid=; }
# CPU of a process and its reaped children, in clock ticks
ticks() { awk '{print $14 + $15 + $16 + $17}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# One node's second: a mem line and a rank line of 8 containers, the shapes
# cull-ranker writes (sizes as in a real log: about 230 and 2,100 bytes).
awk -v n=$((BATCH / 2)) 'BEGIN {
	for (i = 0; i < n; i++) {
		ts = 1796187253.19 + i
		printf "{\"type\":\"mem\",\"ts\":%.2f,\"seq\":%d,\"total_kb\":24684092,\"used_kb\":%d,\"used_pct\":8.11,\"psi\":{\"some_avg10\":0.00,\"some_avg60\":0.01,\"full_avg10\":0.00,\"full_avg60\":0.00},\"containers\":8,\"procs\":11}\n", ts, i, 2001216 + i
		printf "{\"type\":\"rank\",\"ts\":%.2f,\"seq\":%d,\"by\":\"ram\",\"containers\":[", ts, i
		for (c = 0; c < 8; c++) {
			id = ""; for (k = 0; k < 8; k++) id = id sprintf("%08x", (i * 131 + c * 7919 + k * 104729) % 4294967296)
			printf "%s{\"id\":\"%s\",\"name\":\"cull-%s-%06x\",\"image\":\"cull-%s\",\"class\":\"%s\",\"managed\":true,\"procs\":1,\"rss_kb\":%d,\"vsz_kb\":1128,\"mem_pct\":0.00,\"cpu_pct\":%.2f,\"order\":{\"ram\":%d,\"cpu\":%d,\"vsz\":%d,\"rss\":%d}}",
				c ? "," : "", id, c < 4 ? "high" : "low", c * 4099 + i, c < 4 ? "high-cpu" : "low-idle", c < 4 ? "high" : "low", 596 + c * 40, c * 1.7, c + 1, 8 - c, c + 1, c + 1
		}
		printf "]}\n"
	} }' >"$W/batch"
batch_bytes=$(wc -c <"$W/batch")
line_bytes=$((batch_bytes / BATCH))

# agents N - N curl loops share $BATCHES batches; "lines/s p50_ms p99_ms cpu_us_per_line bad stored"
agents() {
	local n=$1 per=$((BATCHES / $1)) s e t0 t1 k
	rm -f "$W/central.log" "$W"/t.*
	serve_on "$W/central.log"
	t0=$(ticks "$spid")
	s=$(date +%s.%N)
	for k in $(seq "$n"); do
		curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H 'Content-Type: application/x-ndjson' \
			--data-binary @"$W/batch" "$U/logs?host=agent-$k&i=[1-$per]" >"$W/t.$k" &
	done
	wait $(jobs -p | grep -v "^$spid\$")
	e=$(date +%s.%N)
	sleep 0.3	# socat reaps the last handlers
	t1=$(ticks "$spid")
	stop_serve
	cat "$W"/t.* | sort -k2,2 -g | awk -v s="$s" -v e="$e" -v b=$BATCH -v cpu=$((t1 - t0)) -v hz="$hz" \
		-v stored="$(wc -l <"$W/central.log")" \
		'{ t[NR] = $2; if ($1 != 200) bad++ }
		END { printf "%.0f %.1f %.1f %.1f %d %d\n", NR * b / (e - s), t[int(NR * 0.5) + 0] * 1000,
			t[int(NR * 0.99)] * 1000, cpu / hz * 1e6 / (NR * b), bad, stored }'
}

# the FIFO: the same lines, one writer, "lines/s cpu_us_per_line stored"
fifo() {
	local n=$((BATCHES * BATCH)) s e lp t
	rm -f "$W/local.log" "$W/fifo"
	for _ in $(seq "$BATCHES"); do cat "$W/batch"; done >"$W/all"
	"$L" --quiet --fifo "$W/fifo" --log "$W/local.log" 2>"$W/fifo.err" &
	lp=$!
	for _ in $(seq 100); do [ -p "$W/fifo" ] && break; sleep 0.05; done
	s=$(date +%s.%N)
	cat "$W/all" >"$W/fifo"
	for _ in $(seq 6000); do [ "$(wc -l <"$W/local.log" 2>/dev/null || echo 0)" -ge "$n" ] && break; sleep 0.01; done
	e=$(date +%s.%N)
	t=$(ticks "$lp")
	kill "$lp"; wait "$lp" 2>/dev/null || true
	awk -v s="$s" -v e="$e" -v n="$n" -v cpu="$t" -v hz="$hz" -v stored="$(wc -l <"$W/local.log")" \
		'BEGIN { printf "%.0f %.1f %d\n", n / (e - s), cpu / hz * 1e6 / n, stored }'
}

echo "bench/fleet.sh: FIFO intake, $((BATCHES * BATCH)) lines" >&2
read -r f_rate f_cpu f_stored < <(fifo)
for n in 1 10 50; do
	echo "bench/fleet.sh: HTTP intake, $n agents, $BATCHES batches of $BATCH" >&2
	read -r rate p50 p99 cpu bad stored < <(agents "$n")
	eval "h${n}_rate=$rate h${n}_p50=$p50 h${n}_p99=$p99 h${n}_cpu=$cpu h${n}_bad=$bad h${n}_stored=$stored"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }

cat <<EOF
## The central logger: N agents over HTTP vs the local FIFO (bench/fleet.sh)

$BATCHES batches of $BATCH NDJSON lines (mem and rank lines of an 8-container
node, $line_bytes bytes a line on average), POSTed by N concurrent curl loops
("agents") to one \`cull-logger serve\`, each batch one request to
\`/logs?host=agent-K\`; against the same lines written into the FIFO of
\`cull-logger --fifo\`, which is how the pipeline logs on each node. CPU is the
server side's (socat and the handlers it ran; the FIFO logger itself), per
line stored. $(nproc) cores, shared.

| intake | lines/s | p50 batch (ms) | p99 batch (ms) | CPU per line (µs) | stored | failed POSTs |
|---|---:|---:|---:|---:|---:|---:|
| FIFO, one writer | $f_rate | – | – | $f_cpu | $f_stored | – |
| HTTP, 1 agent | $h1_rate | $h1_p50 | $h1_p99 | $h1_cpu | $h1_stored | $h1_bad |
| HTTP, 10 agents | $h10_rate | $h10_p50 | $h10_p99 | $h10_cpu | $h10_stored | $h10_bad |
| HTTP, 50 agents | $h50_rate | $h50_p50 | $h50_p99 | $h50_cpu | $h50_stored | $h50_bad |

The FIFO takes $(ratio "$f_rate" "$h1_rate")× the lines/s of one HTTP agent and
$(ratio "$f_rate" "$h50_rate")× those of 50; 50 agents get
$(ratio "$h50_rate" "$h1_rate")× what one gets. A batch costs a TCP connection,
a fork and exec of the handler and a locked append: at 50 lines a batch that
is spread thin, which is why agents batch.
EOF
