#!/bin/bash
# bench/ranker.sh - cull-ranker replaying recorded snapshots, side by side in
# one run with what a user would reach for (jq sorting each snapshot's
# processes) and with the floor of the design (json-c parsing each line and
# nothing else, bench/jsonc-parse.c). Prints one Markdown section on stdout,
# progress on stderr.
#
#   bash bench/ranker.sh            # 100,000 snapshots of 20 processes
#   RANKER_BENCH_N=20000 RANKER_BENCH_RUNS=5 bash bench/ranker.sh
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${CULL_BIN:-$TOP/bin}
RANKER=${CULL_RANKER:-$BIN/cull-ranker}
N=${RANKER_BENCH_N:-100000}
RUNS=${RANKER_BENCH_RUNS:-3}
FLOOR=$TOP/build/bench/jsonc-parse
JQ_PROG='.procs|sort_by(-.rss_kb)|.[0:2]'

make -s -C "$TOP" bench-ranker-tools >&2
for t in hyperfine jq /usr/bin/time; do
	command -v "$t" >/dev/null || { echo "bench/ranker.sh: $t is missing (sh mk/deps.sh bench test)" >&2; exit 2; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cull-bench-ranker.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
in=$tmp/snapshots.ndjson
echo "ranker.sh: generating $N snapshots of 20 processes..." >&2
awk -v n="$N" -v procs=20 -v ctrs=6 -v seed=1 -f "$TOP/bench/ranker-gen.awk" >"$in"
head -n $((N / 10)) "$in" >"$tmp/tenth.ndjson"
bytes=$(wc -c <"$in")

# the three do the same reading; check they all read every line
got=$("$RANKER" <"$in" | grep -c '"type":"rank"')
[ "$got" = "$N" ] || { echo "ranker.sh: the ranker ranked $got of $N snapshots" >&2; exit 1; }

echo "ranker.sh: timing ($RUNS runs each, side by side)..." >&2
hyperfine -r "$RUNS" -w 1 --style basic --export-json "$tmp/h.json" \
	-n cull-ranker "'$RANKER' <'$in' >/dev/null" \
	-n jq "jq -c '$JQ_PROG' <'$in' >/dev/null" \
	-n json-c "'$FLOOR' <'$in' 2>/dev/null" >&2

median() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median' "$tmp/h.json"; }
cpu() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .user + .system' "$tmp/h.json"; }
t_rk=$(median cull-ranker); t_jq=$(median jq); t_fl=$(median json-c)
c_rk=$(cpu cull-ranker); c_jq=$(cpu jq); c_fl=$(cpu json-c)

peak() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1; }
rss_tenth=$(peak "$RANKER" <"$tmp/tenth.ndjson")
rss_all=$(peak "$RANKER" <"$in")
rss_floor=$(peak "$FLOOR" <"$in")
rss_jq=$(peak jq -c "$JQ_PROG" <"$in")

# Instructions are not disturbed by the neighbours: count them on 1,000 lines.
ir_rk="" ir_jq="" ir_fl=""
if command -v valgrind >/dev/null; then
	echo "ranker.sh: counting instructions (callgrind, 1,000 snapshots)..." >&2
	head -n 1000 "$in" >"$tmp/k.ndjson"
	ir() { valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$@" <"$tmp/k.ndjson" >/dev/null 2>"$tmp/cg.err" &&
		sed -n 's/^summary: //p' "$tmp/cg.out"; }
	ir_rk=$(ir "$RANKER"); ir_jq=$(ir jq -c "$JQ_PROG"); ir_fl=$(ir "$FLOOR")
fi

awk -v n="$N" -v b="$bytes" -v irk="$ir_rk" -v ijq="$ir_jq" -v ifl="$ir_fl" -v rk="$t_rk" -v jq="$t_jq" -v fl="$t_fl" -v runs="$RUNS" \
    -v crk="$c_rk" -v cjq="$c_jq" -v cfl="$c_fl" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" \
    -v r10="$rss_tenth" -v r100="$rss_all" -v rf="$rss_floor" -v rj="$rss_jq" 'BEGIN {
	printf "## cull-ranker: replaying %d snapshots\n\n", n
	printf "%d snapshot lines of 20 processes in 6 containers (%.0f bytes a line, %.0f MB,\n", n, b / n, b / 1e6
	printf "made by `bench/ranker-gen.awk`), read from a file; wall time is the median of %d\n", runs
	printf "runs by hyperfine, CPU time (user + system) their mean: on a shared machine\n"
	printf "(load average %s at the end) CPU time is the steadier figure.\n", load
	printf "The ranker does all its work: parse, check every field, group, sort four ways,\n"
	printf "classify, sentence, write mem/rank/kill lines. What a user would run instead is\n"
	printf "`jq -c '\''.procs|sort_by(-.rss_kb)|.[0:2]'\''`; the floor is `bench/jsonc-parse`\n"
	printf "(json-c parses each line, strict and UTF-8 checked, and frees it; nothing else).\n\n"
	printf "| command | wall | CPU | snapshots/s (CPU) | MB/s (CPU) | peak RSS |\n|---|---:|---:|---:|---:|---:|\n"
	printf "| cull-ranker | %.2f s | %.2f s | %.0f | %.0f | %d KiB |\n", rk, crk, n / crk, b / crk / 1e6, r100
	printf "| jq | %.2f s | %.2f s | %.0f | %.0f | %d KiB |\n", jq, cjq, n / cjq, b / cjq / 1e6, rj
	printf "| json-c parse only | %.2f s | %.2f s | %.0f | %.0f | %d KiB |\n\n", fl, cfl, n / cfl, b / cfl / 1e6, rf
	printf "- cull-ranker / json-c parse: **%.2f×** CPU, %.2f× wall (goal: within 1.5×)\n", crk / cfl, rk / fl
	printf "- jq / cull-ranker: **%.2f×** CPU, %.2f× wall\n", cjq / crk, jq / rk
	if (irk != "") {
		printf "- instructions per snapshot (callgrind, 1,000 snapshots; steady whatever the load):\n"
		printf "  cull-ranker %.0f k, jq %.0f k, json-c parse %.0f k: ranker / json-c **%.2f×**, jq / ranker **%.2f×**\n", \
			irk / 1000 / 1000, ijq / 1000 / 1000, ifl / 1000 / 1000, irk / ifl, ijq / irk
	}
	printf "- peak RSS of the ranker: %d KiB for %d snapshots, %d KiB for %d (flat: %+d KiB)\n", \
		r10, n / 10, r100, n, r100 - r10
}'
