#!/bin/bash
# bench/pipeline.sh [SECONDS] - what the whole pipeline costs while it runs,
# and how fast it reacts, side by side in one run with `docker stats`:
#
#   - CPU (% of one core) and RSS (mean and peak) of each stage, sampled
#     every second for SECONDS (default $DURATION or 300), with 10 containers
#     running and the pipeline at a 1 s interval;
#   - `docker stats` (the CLI, streaming) running over the same window: its
#     own CPU and RSS; the engine's (dockerd) CPU over the window is given as
#     context, shared by both and by anyone else using the engine; then the
#     engine's share of each apart, over three quiet windows of
#     $ENGINE_WINDOW s (default 60): the pipeline alone, neither, docker
#     stats alone;
#   - reaction time: every 20 s one surplus container is started; the time
#     from the start request returning (what `docker run -d` waits for) to the
#     ts of its `killed` line, median and worst (goal: median <= 150 ms), and
#     from its process starting (its start time in /proc).
#
# The steady set is 5 high (cull-high-mem) and 5 low (3 cull-low-idle, 2
# cull-low-http), kept by --keep-high 5 --keep-low 5; the surplus container is
# a cull-high-cpu and the pipeline sorts by cpu, so the surplus one is the one
# sentenced. The engine is shared here, so the pipeline runs with --select
# cull.test=<this run>: a jq filter between reader and ranker, listed apart
# (it is not part of the product). Prints a Markdown section; progress on
# stderr. Needs root and a Docker engine (started if none answers).
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh >/dev/null
. tests/docker.sh
DURATION=${1:-${DURATION:-300}}
PROBE_EVERY=${PROBE_EVERY:-10}
DOCKER=${DOCKER:-/usr/bin/docker}	# Debian's 20.10 CLI (another may be first on PATH)
export CULL_BIN CULL_READER CULL_RANKER CULL_REAPER CULL_LOGGER
exec 3>&1 1>&2	# lib.sh and docker.sh talk on stdout: keep it for the section
[[ $DURATION =~ ^[0-9]+$ ]] && [ "$DURATION" -ge 30 ] || { echo "bench/pipeline.sh: SECONDS must be 30 or more"; exit 2; }
for p in "$CULL_READER" "$CULL_RANKER" "$CULL_REAPER" "$CULL_LOGGER"; do
	[ -x "$p" ] || { echo "bench/pipeline.sh: build first (make): $p"; exit 1; }
done
docker_up
env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s images >&2 || exit 1
RUN_LABEL=cull.test=$CULL_TEST_RUN
SPAWN=workloads/spawn.sh
t_cleanup "'$SPAWN' --clean --label '$RUN_LABEL' >/dev/null"
hz=$(getconf CLK_TCK)
# boot time as epoch seconds, to 10 ms (btime in /proc/stat is whole seconds)
boot=$(awk -v now="$(date +%s.%N)" '{ printf "%.3f", now - $1 }' /proc/uptime)

echo "bench/pipeline.sh: starting 10 containers" >&2
$SPAWN --label "$RUN_LABEL" -n 5 --image cull-high-mem >/dev/null || exit 1
$SPAWN --label "$RUN_LABEL" -n 3 --image cull-low-idle >/dev/null || exit 1
$SPAWN --label "$RUN_LABEL" -n 2 --image cull-low-http >/dev/null || exit 1

port=$(t_free_port)
out=$T_TMP/out
set -m
TMPDIR=$T_TMP ./pipeline.sh --interval 1 --keep-high 5 --keep-low 5 --sort-by cpu --select "$RUN_LABEL" \
	--listen "127.0.0.1:$port" --out "$out" --quiet >"$T_TMP/p.out" 2>"$T_TMP/p.err" </dev/null &
ppid=$!
set +m
t_cleanup "kill -KILL -- -$ppid"
"$DOCKER" stats --format '{{.Name}} {{.CPUPerc}} {{.MemUsage}}' >/dev/null 2>&1 </dev/null &
dspid=$!
t_cleanup "kill $dspid"
sleep 3	# let everything start and settle
declare -A who=()
while read -r pid comm; do
	case $comm in
	cull-reader|cull-ranker|cull-reaper|cull-logger) who[$pid]=$comm ;;
	socat) who[$pid]="cull-logger serve (socat, idle)" ;;
	jq) who[$pid]="select (jq; this bench's scoping only)" ;;
	esac
done < <(ps -o pid=,comm= --ppid "$ppid")
who[$dspid]="docker stats (CLI)"
dockerd=$(cat /var/run/docker.pid 2>/dev/null || pgrep -xo dockerd)
[ ${#who[@]} -ge 7 ] || { echo "bench/pipeline.sh: the pipeline did not start:"; cat "$T_TMP/p.err"; exit 1; }

# CPU time in ns: a process of one thread (each stage, jq, socat) by the
# scheduler's run time (/proc/PID/schedstat, to the ns: a stage uses a few
# ms a minute, and 10 ms ticks read it to +-1 tick); one of many threads
# (docker stats, dockerd) by utime+stime, which also counts the threads
# that have ended. The way is chosen once per process, at the start.
declare -A how=()
cpu_ns() {
	if [ "${how[$1]}" = sched ]; then awk '{ print $1 }' "/proc/$1/schedstat" 2>/dev/null || echo 0
	else awk -v hz="$hz" '{ printf "%.0f\n", ($14 + $15) * 1e9 / hz }' "/proc/$1/stat" 2>/dev/null || echo 0; fi
}
declare -A t0=() rss_sum=() rss_max=() pss_sum=()
for pid in "${!who[@]}" $dockerd; do
	how[$pid]=ticks; [ "$(ls "/proc/$pid/task" 2>/dev/null | wc -l)" = 1 ] && how[$pid]=sched
	t0[$pid]=$(cpu_ns "$pid"); rss_sum[$pid]=0; rss_max[$pid]=0; pss_sum[$pid]=0
done
w0=$(date +%s.%N)
samples=0
probes=()
# Two halves: at rest (the 10 containers only), then a surplus container
# every PROBE_EVERY s (a start, a sentence, a kill) for the reaction times.
half=$((DURATION / 2))
declare -A tm=()
echo "bench/pipeline.sh: measuring for $DURATION s: $half s at rest, then a surplus container every $PROBE_EVERY s" >&2
for ((s = 1; s <= DURATION; s++)); do
	sleep 1
	if [ "$s" = "$half" ]; then
		for pid in "${!who[@]}" $dockerd; do tm[$pid]=$(cpu_ns "$pid"); done
		wm=$(date +%s.%N)
	fi
	for pid in "${!who[@]}"; do
		read -r r p < <(awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 } END { print r + 0, p + 0 }' "/proc/$pid/smaps_rollup" 2>/dev/null)
		r=${r:-0} p=${p:-0}
		rss_sum[$pid]=$((rss_sum[$pid] + r)); pss_sum[$pid]=$((pss_sum[$pid] + p))
		[ "$r" -gt "${rss_max[$pid]}" ] && rss_max[$pid]=$r
	done
	samples=$((samples + 1))
	if [ "$s" -gt "$half" ] && [ $(((s - half) % PROBE_EVERY)) = 0 ] && [ $((DURATION - s)) -ge 5 ]; then
		line=$($SPAWN --label "$RUN_LABEL" -n 1 --image cull-high-cpu) || { echo "bench/pipeline.sh: the surplus container did not start"; continue; }
		ran=$(date +%s.%N)
		read -r id pid < <(docker_api GET "/containers/${line##* }/json" | jq -r '"\(.Id) \(.State.Pid // 0)"')
		st=$(awk '{ print $22 }' "/proc/$pid/stat" 2>/dev/null)
		echo "bench/pipeline.sh: surplus container ${id:0:12} at ${s} s"
		# it may be killed before its process is looked at: then only the
		# reaction from the start request is known
		if [ -n "$st" ]; then probes+=("$id $ran $(echo "$boot $st $hz" | awk '{ printf "%.3f", $1 + $2 / $3 }')")
		else probes+=("$id $ran -"); fi
	fi
done
w1=$(date +%s.%N)
declare -A t1=()
for pid in "${!who[@]}" $dockerd; do t1[$pid]=$(cpu_ns "$pid"); done
# The engine's share, apart: dockerd's CPU over three quiet windows of EW s
# each (no container starting): the pipeline alone, nothing of ours or of
# docker stats', docker stats alone. Each less the quiet one is what that
# client costs the engine (on a shared engine, plus whatever else ran).
EW=${ENGINE_WINDOW:-60}
engine_pct() {
	local a b
	a=$(cpu_ns "$dockerd"); sleep "$EW"; b=$(cpu_ns "$dockerd")
	echo "$a $b $EW" | awk '{ printf "%.3f", ($2 - $1) / 1e9 / $3 * 100 }'
}
kill "$dspid" 2>/dev/null; wait "$dspid" 2>/dev/null
e_pipe="" e_none="" e_stats=""
[ -n "$dockerd" ] && { echo "bench/pipeline.sh: the engine's share: 3 windows of $EW s" >&2; e_pipe=$(engine_pct); }
kill -TERM "$ppid"; wait "$ppid"; prc=$?	# TERM: a background job may ignore INT
if [ -n "$dockerd" ]; then
	e_none=$(engine_pct)
	"$DOCKER" stats --format '{{.Name}} {{.CPUPerc}} {{.MemUsage}}' >/dev/null 2>&1 </dev/null &
	ds2=$!
	t_cleanup "kill $ds2"
	e_stats=$(engine_pct)
	kill "$ds2" 2>/dev/null; wait "$ds2" 2>/dev/null
fi
rest_wall=$(echo "$w0 $wm" | awk '{ print $2 - $1 }')
busy_wall=$(echo "$wm $w1" | awk '{ print $2 - $1 }')

# --- the figures ---------------------------------------------------------------
# cpu PID: % of a core at rest (the first half); cpu_busy PID: with the
# surplus containers (the second half)
cpu() { echo "${tm[$1]} ${t0[$1]} $rest_wall" | awk '{ printf "%.3f", ($1 - $2) / 1e9 / $3 * 100 }'; }
cpu_busy() { echo "${t1[$1]} ${tm[$1]} $busy_wall" | awk '{ printf "%.3f", ($1 - $2) / 1e9 / $3 * 100 }'; }
mib() { echo "$1" | awk '{ printf "%.1f", $1 / 1024 }'; }
rows="" stage_cpu=0 stage_busy=0 stage_mean=0 stage_max=0 stage_pss=0
row() {	# row NAME PID
	local pid=$2
	echo "| $1 | $(cpu "$pid") | $(cpu_busy "$pid") | $(mib $((rss_sum[$pid] / samples))) | $(mib "${rss_max[$pid]}") | $(mib $((pss_sum[$pid] / samples))) |"
}
for name in cull-reader cull-ranker cull-reaper cull-logger; do
	for pid in "${!who[@]}"; do
		[ "${who[$pid]}" = "$name" ] || continue
		rows+=$(row "$name" "$pid")$'\n'
		stage_cpu=$(echo "$stage_cpu $(cpu "$pid")" | awk '{ print $1 + $2 }')
		stage_busy=$(echo "$stage_busy $(cpu_busy "$pid")" | awk '{ print $1 + $2 }')
		stage_mean=$((stage_mean + rss_sum[$pid] / samples)); stage_max=$((stage_max + rss_max[$pid]))
		stage_pss=$((stage_pss + pss_sum[$pid] / samples))
	done
done
rows+="| **the four stages** | **$(printf '%.3f' "$stage_cpu")** | **$(printf '%.3f' "$stage_busy")** | **$(mib $stage_mean)** | **$(mib $stage_max)** | **$(mib $stage_pss)** |"$'\n'
for pid in "${!who[@]}"; do
	case ${who[$pid]} in cull-reader|cull-ranker|cull-reaper|cull-logger|docker*) continue ;; esac
	rows+=$(row "${who[$pid]}" "$pid")$'\n'
done
ds_cpu=$(cpu "$dspid")
ds_busy=$(cpu_busy "$dspid")
rows+=$(row "docker stats (CLI)" "$dspid")$'\n'
[ -n "$dockerd" ] && rows+="| dockerd (the engine: both, and everyone else) | $(cpu "$dockerd") | $(cpu_busy "$dockerd") | | | |"$'\n'

# reactions: the start request returning, and the process starting -> ts of
# its killed line
: >"$T_TMP/react" ; : >"$T_TMP/react-proc"
for p in "${probes[@]}"; do
	read -r id ran start <<<"$p"
	jq -r --arg id "$id" --argjson t "$ran" 'select(.type == "killed" and .id == $id and .ok == true) | (.ts - $t) * 1000 | round' \
		"$out/cull.log" | head -n 1 >>"$T_TMP/react"
	[ "$start" = - ] && continue
	jq -r --arg id "$id" --argjson t "$start" 'select(.type == "killed" and .id == $id and .ok == true) | (.ts - $t) * 1000 | round' \
		"$out/cull.log" | head -n 1 >>"$T_TMP/react-proc"
done
nprobe=${#probes[@]}
nreact=$(grep -c . "$T_TMP/react")
stats() { sort -n "$1" | awk '{ a[NR] = $1 } END { if (NR) printf "median %d ms, min %d ms, worst %d ms", a[int((NR + 1) / 2)], a[1], a[NR]; else print "none measured" }'; }
react=$(stats "$T_TMP/react")
react_proc=$(stats "$T_TMP/react-proc")
ratio=$(echo "$ds_cpu $stage_cpu" | awk '{ if ($2 > 0) printf "%.1f", $1 / $2; else print "n/a" }')
ratio_busy=$(echo "$ds_busy $stage_busy" | awk '{ if ($2 > 0) printf "%.1f", $1 / $2; else print "n/a" }')
engine=""
if [ -n "$e_none" ]; then
	read -r d_pipe d_stats all_ours all_stats all_ratio < <(echo "$e_pipe $e_none $e_stats $stage_cpu $ds_cpu" | awk '{
		dp = $1 - $2; ds = $3 - $2; o = $4 + (dp > 0 ? dp : 0); t = $5 + (ds > 0 ? ds : 0)
		printf "%+.3f %+.3f %.3f %.3f %s\n", dp, ds, o, t, (o > 0 ? sprintf("%.1f", t / o) : "n/a") }')
	engine="The engine's share, apart (dockerd over $EW s each, no container starting): $e_none % of a core
with neither running, $e_pipe % with the pipeline alone ($d_pipe: its event stream, the
list it asks for at start and after a break), $e_stats % with \`docker stats\` alone ($d_stats:
it reads every container's cgroups each second for it). With its engine share each (a
difference below 0 is the shared engine's noise, counted as 0):
\`docker stats\` $all_stats %, the four stages $all_ours %: **${all_ratio}×**."
fi

cat >&3 <<EOF
## The whole pipeline: cost while running, and reaction time

\`bench/pipeline.sh $DURATION\`: $DURATION s at a 1 s interval ($(date -u +%F), $(nproc) cores, a shared
machine), 10 containers (5 cull-high-mem, 3 cull-low-idle, 2 cull-low-http) kept by
\`--keep-high 5 --keep-low 5 --sort-by cpu\`: the first $half s at rest (those 10 only), then
one surplus cull-high-cpu every $PROBE_EVERY s (each a start, a sentence, a kill) for the reaction times.
\`docker stats\` ($("$DOCKER" --version | sed 's/,.*//'), streaming) ran over the same window. CPU is
the time used over each half as % of one core: the scheduler's run time (ns,
/proc/PID/schedstat) for a process of one thread (each stage, jq, socat),
utime+stime (10 ms ticks, ended threads included) for docker stats and dockerd; RSS and PSS (shared pages
divided among the processes sharing them: libc, libcurl and its TLS
libraries) from smaps_rollup every second ($samples samples). Goals: the four
stages under 16 MiB and, at rest, at most 0.1 % of one core and at least 10× less
CPU than \`docker stats\` (issue 17).

| process | CPU % of one core, at rest | with a surplus every $PROBE_EVERY s | RSS mean MiB | RSS peak MiB | PSS mean MiB |
|---|---|---|---|---|---|
$rows
\`docker stats\` ÷ the four stages, CPU at rest: **${ratio}×**, with the surplus containers ${ratio_busy}× (the clients alone; the dockerd line
holds the engine's work for both, and everything else the shared engine did meanwhile,
container starts and kills included).
$engine

Reaction, from the request that starts a surplus container returning (what
\`docker run -d\` waits for) to its \`killed\` line (the line's ts, written when the
engine's kill has returned: its teardown, 120–150 ms here, is part of it; goal:
median ≤ 150 ms): **$react**; from its process starting: $react_proc (of those
whose process the bench saw before it was killed; $nreact of $nprobe surplus
containers killed). A start event from the engine
makes the reader's snapshot at once; the interval is only the ceiling. pipeline.sh exited with $prc on SIGTERM.
EOF
