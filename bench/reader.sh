#!/bin/bash
# bench/reader.sh - the time to take one snapshot, side by side in one run
# with what a user would run instead:
#   docker stats --no-stream               (per-container figures from the engine)
#   ps -eo pid,comm,vsz,rss,pcpu,pmem      (per-process figures, no containers)
# once with 10 one-process containers and once with 10 containers of 100
# processes each (about 1000 container processes). Prints a Markdown section;
# progress goes to stderr. Needs root and a Docker engine (started if none).
# BASE_READER=PATH (another build, e.g. of main) adds its steady state beside
# this one's, measured in the same run.
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh >/dev/null
. tests/docker.sh
CULL_READER=${CULL_READER:-$CULL_BIN/cull-reader}
RUNS=${RUNS:-30}
DOCKER=${DOCKER:-$(command -v docker)}
exec 3>&1 1>&2	# tests/lib.sh and docker.sh talk on stdout: keep it for the table

[ -x "$CULL_READER" ] || { echo "bench/reader.sh: build first (make)"; exit 1; }
sh mk/deps.sh bench test || exit 1
docker_up
img=$(docker_test_image)

# measure LABEL - hyperfine the three commands; prints "label reader ps docker" medians in ms
measure() {
	local label=$1 json="$T_TMP/$1.json"
	hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$json" \
		"$CULL_READER --source procfs --count 1" \
		"$CULL_READER --source procfs --count 1 --no-docker" \
		"ps -eo pid,comm,vsz,rss,pcpu,pmem" >&2 || return 1
	hyperfine -N --warmup 1 --runs 3 --export-json "$T_TMP/$1-ds.json" \
		"$DOCKER stats --no-stream" >&2 || return 1
	# steady state, as in the pipeline: 21 snapshots in one process minus 1
	hyperfine -N --warmup 1 --runs 5 --export-json "$T_TMP/$1-ss.json" \
		"$CULL_READER --source procfs --count 21 --interval 0.001" \
		"$CULL_READER --source procfs --count 1 --interval 0.001" >&2 || return 1
	# the same with a full scan every time (--rescan 0: cull 0.1's reader)
	hyperfine -N --warmup 1 --runs 5 --export-json "$T_TMP/$1-full.json" \
		"$CULL_READER --source procfs --count 21 --interval 0.001 --rescan 0" \
		"$CULL_READER --source procfs --count 1 --interval 0.001 --rescan 0" >&2 || return 1
	echo '{"results":[]}' >"$T_TMP/$1-base.json"
	if [ -n "${BASE_READER:-}" ]; then
		hyperfine -N --warmup 1 --runs 5 --export-json "$T_TMP/$1-base.json" \
			"$BASE_READER --source procfs --count 21 --interval 0.001" \
			"$BASE_READER --source procfs --count 1 --interval 0.001" >&2 || return 1
	fi
	jq -r --slurpfile ds "$T_TMP/$1-ds.json" --slurpfile ss "$T_TMP/$1-ss.json" --slurpfile full "$T_TMP/$1-full.json" \
		--slurpfile base "$T_TMP/$1-base.json" --arg l "$label" \
		'[.results[].median*1000] as [$r,$rn,$ps] | ($ds[0].results[0].median*1000) as $d |
		 ([$ss[0].results[].median*1000] as [$a,$b] | ($a-$b)/20) as $st |
		 ([$full[0].results[].median*1000] as [$a,$b] | ($a-$b)/20) as $fs |
		 (if ($base[0].results | length) == 2 then
			([$base[0].results[].median*1000] as [$a,$b] | " (base: \(($a-$b)/20*100|round/100))")
		  else "" end) as $bs |
		 "| \($l) | \($r*100|round/100) | \($rn*100|round/100) | \($st*100|round/100)\($bs) | \($fs*100|round/100) (\(if $st > 0 then ($fs/$st*10|round/10) else "-" end)×) | \($ps*100|round/100) | \($d|round) | \(($d/$r)|round)× | \(($r/$ps)*100|round/100) | \(($rn/$ps)*100|round/100) |"' "$json"
}

start_set() {	# start_set N_CONTAINERS FORKS
	local i
	for i in $(seq 1 "$1"); do
		docker_run --label cull.bench=reader -- "$img" --fork "$2" >/dev/null || return 1
	done
	sleep 1
}

rows=""
start_set 10 0 || exit 1
n1=$("$CULL_READER" --source procfs --count 1 --no-docker 2>/dev/null | jq '.procs|length')
rows+=$(measure "10 containers, $n1 processes")$'\n'
docker_remove_ours
start_set 10 99 || exit 1
n2=$("$CULL_READER" --source procfs --count 1 --no-docker 2>/dev/null | jq '.procs|length')
rows+=$(measure "10 containers, $n2 processes")$'\n'
docker_remove_ours
hostprocs=$(ls -d /proc/[0-9]* | wc -l)

cat >&3 <<EOF2
## cull-reader: one snapshot

Median wall time in ms of one snapshot, hyperfine -N, $RUNS runs ($(date -u +%F), $(nproc) cores).
\`cull-reader\` asks the engine for names and labels (one GET /containers/json);
\`--no-docker\` is the /proc scan alone. \`ps\` lists every process on the host
(about $hostprocs at the end of the run) with fewer figures and no containers.
"Steady state" is one snapshot inside a running reader (as in the pipeline):
the time of 21 snapshots in one process less that of 1, over 20${BASE_READER:+; in
parentheses the same for \`$BASE_READER\`, in the same run}. "Full scans" is the
steady state with \`--rescan 0\`, every snapshot a full scan of /proc (cull 0.1's
reader); by default a running reader reads only the known containers' cgroups
between full scans.
All processes of every container on the engine are counted, not only the bench's.

| set | cull-reader | cull-reader --no-docker | reader, steady state | steady, full scans (÷ steady) | ps -eo … | docker stats --no-stream | docker stats ÷ reader | reader ÷ ps | --no-docker ÷ ps |
|---|---|---|---|---|---|---|---|---|---|
${rows}
Goals (issue 2): at least 100× faster than \`docker stats\`; within 2× of \`ps\`.
EOF2
