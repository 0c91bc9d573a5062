#!/bin/bash
# mk/soak.sh MINUTES OUTDIR - the whole pipeline under churn for MINUTES
# (`make soak SOAK_MINUTES=60`; tests/68-soak.t runs 2), on the real engine.
#
#   - pipeline.sh at a 0.2 s interval keeping HIGH high and LOW low containers
#     (default 20 and 30: 50 managed), --select cull.test=<this run> so the
#     shared engine's other containers are not touched;
#   - a spawner that starts the 50, then every 10 s removes what was killed
#     (exited) and starts SURPLUS more (default 10: 4 high, 6 low), which the
#     pipeline kills: SURPLUS kills every 10 s, thousands an hour. The
#     containers are cull-low-idle (idle, FROM scratch, --network none); the
#     high ones get the label cull.class=high over the image's;
#   - every 10 s a sample of each stage (RSS, its anonymous part and the heap's and stack's share of it, open descriptors and how many
#     of them are cgroup files, threads, CPU time), the log's size and the engine's count of this run's containers,
#     one NDJSON line each, in OUTDIR/samples.ndjson; beside them the
#     engine's and the host's whole (containers listed, processes), since
#     the reader lists and scans them all and the engine is shared.
#
# At the end the spawner stops between two rounds, the pipeline kills what is
# over (waited for, up to 60 s), then SIGINT; what the engine still runs is
# counted (OUTDIR/final.json) and the containers removed. OUTDIR keeps
# started.txt (the spawner's lines), exited.ndjson (how each container it
# removed had ended), cull.log, samples.ndjson, final.json;
# mk/soak-check.sh then judges them and writes summary.md and soak.png.
# Progress on stderr. Exit status: that of mk/soak-check.sh; 1 when the run
# itself failed.
set -u
cd "$(dirname "$0")/.." || exit 1
top=$PWD
MINUTES=${1:?usage: mk/soak.sh MINUTES OUTDIR}
OUT=${2:?usage: mk/soak.sh MINUTES OUTDIR}
HIGH=${SOAK_HIGH:-20} LOW=${SOAK_LOW:-30}
SURPLUS_HIGH=${SOAK_SURPLUS_HIGH:-4} SURPLUS_LOW=${SOAK_SURPLUS_LOW:-6}
EVERY=${SOAK_EVERY:-10}
INTERVAL=${SOAK_INTERVAL:-0.2}
say() { echo "soak: $*" >&2; }
[[ $MINUTES =~ ^[0-9]+$ ]] && [ "$MINUTES" -ge 1 ] || { say "MINUTES must be a whole number >= 1"; exit 2; }
. tests/lib.sh >/dev/null
. tests/docker.sh
export CULL_BIN CULL_READER CULL_RANKER CULL_REAPER CULL_LOGGER
exec 3>&1 1>&2
for p in "$CULL_READER" "$CULL_RANKER" "$CULL_REAPER" "$CULL_LOGGER"; do
	[ -x "$p" ] || { say "build first (make): $p"; exit 1; }
done
docker_up
env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s images >&2 || exit 1
mkdir -p "$OUT" || exit 1
rm -f "$OUT/started.txt" "$OUT/exited.ndjson" "$OUT/cull.log" "$OUT/samples.ndjson" "$OUT/final.json" "$OUT/summary.md" "$OUT/soak.png"
RUN=soak-$CULL_TEST_RUN
LABEL=cull.test=$RUN
SPAWN=$top/workloads/spawn.sh
t_cleanup "'$SPAWN' --clean --label '$LABEL' >/dev/null"
filter() { jq -rn --arg l "$LABEL" --arg st "${1:-}" '{label: [$l]} + (if $st == "" then {} else {status: [$st]} end) | tojson | @uri'; }
running_now() { docker_api GET "/containers/json?filters=$(filter running)" | jq length; }
# spawn N CLASS - N idle containers of that class; their lines in started.txt
spawn() {
	[ "$1" -gt 0 ] || return 0
	"$SPAWN" -n "$1" --image cull-low-idle --network none --memory 16 --label "$LABEL" \
		--label "cull.class=$2" >>"$OUT/started.txt" 2>>"$T_TMP/spawn.err"
}
# remove_exited - what was killed goes, its end noted first in exited.ndjson
# (a container that died without a killed line is then named with its exit)
remove_exited() {
	local id
	for id in $(docker_api GET "/containers/json?all=1&filters=$(filter exited)" | jq -r '.[].Id'); do
		docker_api GET "/containers/$id/json" | jq -c '{id: .Id, exit: .State.ExitCode, oom: .State.OOMKilled,
			finished: .State.FinishedAt}' >>"$OUT/exited.ndjson"
		docker_api DELETE "/containers/$id?force=true" >/dev/null
	done
}

t0=$(date +%s.%N)
spawn "$HIGH" high; spawn "$LOW" low
say "$(running_now) containers started in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"

set -m
TMPDIR=$T_TMP "${T_SIGDEFAULT[@]}" ./pipeline.sh \
	--interval "$INTERVAL" --keep-high "$HIGH" --keep-low "$LOW" --select "$LABEL" \
	--no-http --quiet --out "$T_TMP/out" --log "$OUT/cull.log" >"$T_TMP/p.out" 2>"$T_TMP/p.err" </dev/null &
ppid=$!
set +m
# on an early exit: SIGTERM first, so pipeline.sh stops its stages (each in
# a process group of its own), then SIGKILL for whatever is left of it
t_cleanup "kill -TERM $ppid; for _ in \$(seq 100); do kill -0 $ppid || break; sleep 0.1; done; kill -KILL -- -$ppid"
# its four stages, as they start (bounded, generous: a loaded host is slow)
declare -A who=()
for _ in $(seq 600); do
	while read -r pid comm; do
		case $comm in cull-reader|cull-ranker|cull-reaper|cull-logger) who[$comm]=$pid ;; esac
	done < <(ps -o pid=,comm= --ppid "$ppid")
	[ ${#who[@]} -eq 4 ] && break
	kill -0 "$ppid" 2>/dev/null || break
	sleep 0.1
done
[ ${#who[@]} -eq 4 ] || { say "the pipeline did not start:"; cat "$T_TMP/p.err" >&2; exit 1; }

# The spawner: a round every EVERY s, stopped between rounds (a file says so),
# so every container it starts has its line in started.txt.
(
	trap '' INT
	while [ ! -e "$T_TMP/stop" ]; do
		sleep "$EVERY"
		[ -e "$T_TMP/stop" ] && break
		remove_exited
		spawn "$SURPLUS_HIGH" high; spawn "$SURPLUS_LOW" low
	done
	touch "$T_TMP/stopped"
) &
spid=$!
t_cleanup "kill $spid"

# sample T - one NDJSON line
hz=$(getconf CLK_TCK)
sample() {
	local t=$1 comm pid st fds cgfds pfds ticks parts=""
	for comm in cull-reader cull-ranker cull-reaper cull-logger; do
		pid=${who[$comm]}
		st=$(awk '/^VmRSS:/ {r = $2} /^RssAnon:/ {a = $2} /^Threads:/ {t = $2} END {print r + 0, a + 0, t + 0}' "/proc/$pid/status" 2>/dev/null) || st=""
		[ -n "$st" ] || { say "$comm (pid $pid) is gone"; return 1; }
		set -- $st
		# where the anonymous memory is: the heap's and the stack's resident
		# part (the rest is the libraries' written pages)
		hs=$(awk '/^[0-9a-f]+-[0-9a-f]+ / { m = $6 } /^Rss:/ { if (m == "[heap]") h += $2; if (m == "[stack]") s += $2 }
			END { print h + 0, s + 0 }' "/proc/$pid/smaps" 2>/dev/null) || hs="0 0"
		fds=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
		cgfds=$(find "/proc/$pid/fd" -lname '/sys/fs/cgroup/*' 2>/dev/null | wc -l)
		pfds=$(find "/proc/$pid/fd" -lname '/proc/[0-9]*' 2>/dev/null | wc -l)
		ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
		parts="$parts\"$comm\":{\"rss_kb\":$1,\"anon_kb\":$2,\"threads\":$3,\"heap_kb\":${hs% *},\"stack_kb\":${hs#* },\"fds\":$fds,\"cgroup_fds\":$cgfds,\"proc_fds\":$pfds,\"cpu_s\":$(awk -v t="$ticks" -v h="$hz" 'BEGIN{printf "%.2f", t / h}')},"
	done
	# engine_all and host_procs: what the reader lists and scans, the shared
	# engine's and host's whole (other work's containers and processes too)
	printf '{"t":%s,"log_bytes":%s,"engine":%s,"engine_all":%s,"host_procs":%s,"load1":%s,%s}\n' "$t" \
		"$(stat -c %s "$OUT/cull.log" 2>/dev/null || echo 0)" "$(running_now)" \
		"$(docker_api GET /containers/json | jq length)" "$(ls -d /proc/[0-9]* 2>/dev/null | wc -l)" \
		"$(cut -d' ' -f1 /proc/loadavg)" "\"stages\":{${parts%,}}" >>"$OUT/samples.ndjson"
}
start=$SECONDS
end=$((start + MINUTES * 60))
ok=1
while [ $SECONDS -lt $end ]; do
	sample $((SECONDS - start)) || { ok=0; break; }
	[ $(( (SECONDS - start) % 60 )) -lt 10 ] && say "$(( (SECONDS - start) / 60 )) of $MINUTES min: $(grep -c '"type":"killed"' "$OUT/cull.log") kills, $(tail -n 1 "$OUT/samples.ndjson" | jq -c '[.engine, (.stages | map_values(.rss_kb))]')"
	sleep 10
done
[ $ok = 1 ] && sample $((SECONDS - start))
touch "$T_TMP/stop"
for _ in $(seq 300); do [ -e "$T_TMP/stopped" ] && break; sleep 0.1; done
# the last round's surplus: until the pipeline has killed it (bounded, and
# not a fixed pause: a loaded machine kills in seconds, not tenths), then a
# moment for what a kill in flight still changes
for _ in $(seq 600); do [ "$(running_now)" -le $((HIGH + LOW)) ] && break; sleep 0.1; done
sleep 0.5
kill -INT "$ppid"
rc=0; wait "$ppid" || rc=$?
[ "$rc" = 0 ] || { say "pipeline.sh ended with $rc:"; cat "$T_TMP/p.err" >&2; ok=0; }
docker_api GET "/containers/json?all=1&filters=$(filter)" |
	jq -c --arg run "$RUN" --argjson h "$HIGH" --argjson l "$LOW" --arg iv "$INTERVAL" --argjson m "$MINUTES" --arg commit "$(git rev-parse --short HEAD 2>/dev/null || cat COMMIT 2>/dev/null || echo unknown)" \
	'{run: $run, minutes: $m, interval_s: ($iv | tonumber), keep_high: $h, keep_low: $l,
	  running: [.[] | select(.State == "running") | .Id],
	  running_class: ([.[] | select(.State == "running") | .Labels["cull.class"]] | group_by(.) | map({key: .[0], value: length}) | from_entries),
	  other: [.[] | select(.State != "running" and .State != "exited") | .Id],
	  date: (now | todate), commit: $commit}' >"$OUT/final.json"
[ -s "$T_TMP/spawn.err" ] && { say "the spawner said:"; sort "$T_TMP/spawn.err" | uniq -c | head >&2; }
[ $ok = 1 ] || exit 1
sh mk/soak-check.sh "$OUT" >&3
