#!/bin/bash
# bench/compare/ir.sh OLD_BIN NEW_BIN - instructions each stage executes on
# the same fixed inputs, two builds side by side: for a change that must not
# make anything slower (a refactor). Instruction counts (valgrind
# --tool=callgrind) are the same run after run whatever else the machine
# does, so a difference is the code's, not the load's. Not part of make
# bench (it needs a second build):
#
#   git worktree add /tmp/old <rev> && make -C /tmp/old
#   bench/compare/ir.sh /tmp/old/bin bin
#
# Prints a Markdown table on stdout; progress on stderr.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 OLD_BIN NEW_BIN" >&2; exit 2; }
OLD=$(cd "$1" && pwd)
NEW=$(cd "$2" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
command -v valgrind >/dev/null || sh "$TOP/mk/deps.sh" valgrind
W=$(mktemp -d "${TMPDIR:-/tmp}/cull-ir.XXXXXX")
trap 'rm -rf "$W"' EXIT

# The inputs: a fake /proc of 1000 container processes is not needed for a
# refactor's check; the tree's own fixtures and generators are enough.
. "$TOP/tests/fixtures/fakeproc.sh"
fakeproc_make "$W/proc" >/dev/null
awk -v n=2000 -v procs=20 -v ctrs=6 -v seed=1 -f "$TOP/bench/ranker-gen.awk" >"$W/snaps"
awk 'BEGIN { for (i = 0; i < 50000; i++) {
	printf "{\"type\":\"mem\",\"ts\":%.3f,\"seq\":%d,\"total_kb\":24572412,\"used_kb\":%d,\"used_pct\":%.2f,\"containers\":12,\"procs\":57}\n",
		1700000000 + i * 0.2, i, 9000000 + i % 1000, 36.6
	if (i % 1000 == 7) printf "{\"type\":\"killed\",\"ts\":%.3f,\"seq\":%d,\"id\":\"%x\",\"name\":\"cull-high-%x\",\"class\":\"high\",\"reason\":\"high: 3 running, keeping 2; heaviest by ram (1.00%%)\",\"ok\":true,\"status\":204,\"rss_kb\":%d,\"vsz_kb\":%d}\n",
		1700000000 + i * 0.2, i, i, i, 200000 + i, 400000 + i } }' >"$W/log.in"
# kill lines for an engine that is not there: the reaper's input path and
# its failure path, no engine time
awk 'BEGIN { for (i = 1; i <= 300; i++)
	printf "{\"type\":\"kill\",\"ts\":%d,\"seq\":%d,\"id\":\"%064x\",\"name\":\"w-%d\",\"class\":\"low\",\"rss_kb\":1,\"vsz_kb\":2,\"mem_pct\":0.1,\"cpu_pct\":0}\n", i, i, i, i }' >"$W/kills"

# ir BIN ARGS... <IN - total instructions (callgrind), the program's output dropped
ir() {
	valgrind --tool=callgrind --callgrind-out-file="$W/cg.out" "$@" >/dev/null 2>"$W/cg.err" ||
		{ cat "$W/cg.err" >&2; return 1; }
	sed -n 's/^summary: //p' "$W/cg.out"
}
row() {
	local what=$1 prog=$2 in=$3 a b; shift 3
	echo "ir: $what" >&2
	a=$(ir "$OLD/$prog" "$@" <"$in")
	b=$(ir "$NEW/$prog" "$@" <"$in")
	awk -v w="$what" -v a="$a" -v b="$b" 'BEGIN { printf "| %s | %.0f | %.0f | %+.2f%% |\n", w, a, b, (b - a) * 100 / a }'
}

echo "| what | old (instructions) | new | change |"
echo "|---|---:|---:|---:|"
row "cull-reader: 20 snapshots of a fake /proc" cull-reader /dev/null \
	--proc-root "$W/proc" --no-docker --count 20 --interval 0.001
row "cull-ranker: 2000 snapshots (6 containers, 20 procs)" cull-ranker "$W/snaps"
row "cull-logger: 50000 lines into a log" cull-logger "$W/log.in" --quiet --log "$W/log"
row "cull-reaper: 300 kill lines, engine absent" cull-reaper "$W/kills" \
	--socket "$W/no-such.sock" --retry 0
