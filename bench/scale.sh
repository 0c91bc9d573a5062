#!/bin/bash
# bench/scale.sh - how each stage's cost grows with the number of running
# containers: N = 10, 50, 200, 500 (SCALE_NS), idle FROM-scratch containers
# (cull-low-idle, --network none, half labelled class high), started in
# parallel through the Engine API. At each N, side by side in one run:
#
#   - cull-reader's /proc scan (--no-docker) and its engine query (names and
#     labels: the same reader with the engine, less the scan), steady state:
#     the time of 21 snapshots in one process less that of 1, over 20;
#     GET /containers/json alone through curl for comparison;
#   - the module's document for the same number of one-process containers
#     (each in a cgroup of its own), read in the qemu guest (kmod/test/boot.sh
#     bench "scale ..."; TCG, so its absolute times are the guest's);
#   - cull-ranker on that N's snapshot (100 copies, seq and ts advancing,
#     keeping N/4 of each class: half are sentenced), per snapshot;
#   - cull-reaper killing N/2 at once (kill lines written together, until the
#     last killed line), against N/2 bare curl kills started together and a
#     `docker kill` loop (timed on at most SCALE_LOOP containers, default 10,
#     and scaled to N/2: a loop's cost is its count times one kill).
#
# Prints a Markdown section (a table, the growth exponent of each cost, the
# memory of each stage at the largest N) and draws bench/scale.png (log-log:
# cost against N, and the cost per container). Progress on stderr. Every
# container it started is removed on any exit. Needs root and a Docker engine.
set -u
cd "$(dirname "$0")/.." || exit 1
top=$PWD
. tests/lib.sh >/dev/null
. tests/docker.sh
NS=${SCALE_NS:-10 50 200 500}
LOOP=${SCALE_LOOP:-10}
RUNS=${SCALE_RUNS:-5}
PNG=${SCALE_PNG:-$top/bench/scale.png}
DOCKER=${DOCKER:-/usr/bin/docker}
exec 3>&1 1>&2	# lib.sh and docker.sh talk on stdout: keep it for the section
say() { echo "bench/scale.sh: $*" >&2; }
for p in "$CULL_READER" "$CULL_RANKER" "$CULL_REAPER" "$CULL_LOGGER"; do
	[ -x "$p" ] || { say "build first (make): $p"; exit 1; }
done
docker_up
env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s images >&2 || exit 1
api=$(docker_api GET /version | jq -r .ApiVersion)
LABEL=cull.test=$CULL_TEST_RUN
lfilter() { jq -rn --arg l "$LABEL" --arg st "${1:-}" '{label: [$l]} + (if $st == "" then {} else {status: [$st]} end) | tojson | @uri'; }
# remove_ours - force-remove this run's containers, 8 at a time (docker.sh's
# own cleanup, one by one, would take a minute for 500)
remove_ours() {
	docker_api GET "/containers/json?all=1&filters=$(lfilter)" | jq -r '.[].Id' 2>/dev/null |
		xargs -r -P 8 -I{} curl -s -o /dev/null --max-time 60 --unix-socket "$DOCKER_SOCK" -X DELETE "http://localhost/containers/{}?force=true"
}
t_cleanup remove_ours
now() { echo "${EPOCHREALTIME}"; }
since_ms() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f\n", (b - a) * 1000 }'; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# start_n N - N containers, in parallel (8 requests at a time); ids on stdout
spec_high=$(jq -cn --arg l "${LABEL#*=}" '{Image: "cull-low-idle", Labels: {"cull.test": $l, "cull.class": "high"},
	HostConfig: {NetworkMode: "none", Memory: 16777216, MemorySwap: 16777216}}')
spec_low=$(jq -c '.Labels["cull.class"] = "low"' <<<"$spec_high")
export DOCKER_SOCK api
start_n() {
	local i
	for ((i = 0; i < $1; i++)); do
		if [ $((i % 2)) = 0 ]; then echo "$spec_high"; else echo "$spec_low"; fi
	done | xargs -d '\n' -P 8 -I{} sh -c '
		id=$(curl -sS --max-time 60 --unix-socket "$DOCKER_SOCK" -H "Content-Type: application/json" \
			-d "$0" -X POST "http://localhost/v$api/containers/create" | jq -r ".Id // empty") &&
		[ -n "$id" ] && curl -sS --max-time 60 --unix-socket "$DOCKER_SOCK" -X POST "http://localhost/v$api/containers/$id/start" &&
		echo "$id"' {}
}
running_ours() { docker_api GET "/containers/json?filters=$(lfilter running)" | jq -r '.[].Id'; }

# --- the module, in the guest, while the host part runs: one boot ------------
kdir=$T_TMP/kmod.d
say "booting the qemu guest for the module's points ($NS), in the background"
( KMOD_MEM=${KMOD_MEM:-512M} "$top/kmod/test/boot.sh" bench "$kdir" "scale ${KMOD_REPS:-9} $NS" >"$T_TMP/kmod.log" 2>&1
  echo $? >"$T_TMP/kmod.rc" ) &
kpid=$!
t_cleanup "kill $kpid"

# --- the reaper, one for the whole run (as in the pipeline) ----------------------
coproc REAPER { exec "$CULL_REAPER" --socket "$DOCKER_SOCK" 2>"$T_TMP/reaper.err"; }
rin=${REAPER[1]} rout=${REAPER[0]}
t_cleanup "kill $REAPER_PID"

: >"$T_TMP/rows"
for n in $NS; do
	half=$((n / 2))
	say "N=$n: starting $n containers"
	t0=$(now)
	mapfile -t ids < <(start_n "$n")
	start_ms=$(since_ms "$t0")
	[ "${#ids[@]}" = "$n" ] || { say "only ${#ids[@]} of $n containers started"; exit 1; }
	sleep 1
	engine_total=$(docker_api GET /containers/json | jq length)
	hostprocs=$(ls -d /proc/[0-9]* 2>/dev/null | wc -l)

	say "N=$n: reader"
	for _ in $(seq "$RUNS"); do
		for way in "--no-docker" ""; do
			t0=$(now); "$CULL_READER" --source procfs --count 1 --interval 0.001 $way >/dev/null; a=$(since_ms "$t0")
			t0=$(now); "$CULL_READER" --source procfs --count 21 --interval 0.001 $way >/dev/null; b=$(since_ms "$t0")
			awk -v a="$a" -v b="$b" 'BEGIN { printf "%.4f\n", (b - a) / 20 }' >>"$T_TMP/r${way:+-nd}.$n"
		done
		t0=$(now); curl -s -o "$T_TMP/list.json" --unix-socket "$DOCKER_SOCK" "http://localhost/v$api/containers/json"; since_ms "$t0" >>"$T_TMP/curl.$n"
	done
	scan=$(median <"$T_TMP/r-nd.$n") full=$(median <"$T_TMP/r.$n") curl_ms=$(median <"$T_TMP/curl.$n")
	list_kb=$(( $(wc -c <"$T_TMP/list.json") / 1024 ))
	reader_kb=$( { /usr/bin/time -f %M "$CULL_READER" --source procfs --count 21 --interval 0.001 >/dev/null; } 2>&1 | tail -n 1)

	say "N=$n: ranker"
	"$CULL_READER" --source procfs --count 1 >"$T_TMP/snap.$n" || exit 1
	jq -c '. as $s | range(1; 101) as $i | $s | .seq = $i | .ts += $i * .interval_s' "$T_TMP/snap.$n" >"$T_TMP/snaps.$n"
	head -n 1 "$T_TMP/snaps.$n" >"$T_TMP/snap1.$n"
	k=$((n / 4)); [ "$k" -ge 1 ] || k=1
	rk=(--keep-high "$k" --keep-low "$k")
	: >"$T_TMP/rk.$n"
	for _ in $(seq "$RUNS"); do
		t0=$(now); "$CULL_RANKER" "${rk[@]}" <"$T_TMP/snap1.$n" >/dev/null; a=$(since_ms "$t0")
		t0=$(now); "$CULL_RANKER" "${rk[@]}" <"$T_TMP/snaps.$n" >"$T_TMP/ranked.$n"; b=$(since_ms "$t0")
		awk -v a="$a" -v b="$b" 'BEGIN { printf "%.4f\n", (b - a) / 99 }' >>"$T_TMP/rk.$n"
	done
	rank=$(median <"$T_TMP/rk.$n")
	ranker_kb=$( { /usr/bin/time -f %M "$CULL_RANKER" "${rk[@]}" <"$T_TMP/snaps.$n" >/dev/null; } 2>&1 | tail -n 1)
	ours=$(jq '[.containers[] | select(.managed)] | length' <(grep -m1 '"type":"rank"' "$T_TMP/ranked.$n"))
	sentenced=$(jq -c 'select(.type == "kill" and .seq == 1)' "$T_TMP/ranked.$n" | wc -l)

	say "N=$n: reaper, $half at once; $half bare curls at once"
	lines=""
	for id in "${ids[@]:0:half}"; do
		lines+="{\"type\":\"kill\",\"seq\":1,\"id\":\"$id\",\"class\":\"high\",\"reason\":\"bench\",\"rss_kb\":1,\"vsz_kb\":1,\"mem_pct\":0.0,\"cpu_pct\":0.0}"$'\n'
	done
	t0=$(now)
	printf '%s' "$lines" >&"$rin"
	okn=0
	for _ in $(seq "$half"); do
		IFS= read -r line <&"$rout" || { say "the reaper ended"; exit 1; }
		echo "$line" >>"$T_TMP/killed.$n"
		case $line in *'"ok":true'*) okn=$((okn + 1)) ;; esac
	done
	reap_ms=$(since_ms "$t0")
	[ "$okn" = "$half" ] || say "reaper: only $okn of $half ok: $(grep -v '"ok":true' "$T_TMP/killed.$n" | head -n 2)"
	t0=$(now)
	pids=()
	for id in "${ids[@]:half:half}"; do
		curl -s -o /dev/null --max-time 60 --unix-socket "$DOCKER_SOCK" -X POST "http://localhost/v$api/containers/$id/kill" &
		pids+=($!)
	done
	wait "${pids[@]}"
	curls_ms=$(since_ms "$t0")
	reaper_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$REAPER_PID/status")
	left=$(running_ours | wc -l)
	[ "$n" = $((2 * half)) ] || left=$((left - 1))
	[ "$left" -le 0 ] || say "N=$n: $left of ours still run after the kills"

	m=$(( half < LOOP ? half : LOOP ))
	say "N=$n: docker kill loop over $m"
	mapfile -t lids < <(start_n "$m")
	t0=$(now)
	for id in "${lids[@]}"; do DOCKER_HOST=unix://$DOCKER_SOCK "$DOCKER" kill "$id" >/dev/null || exit 1; done
	loop_ms=$(awk -v t="$(since_ms "$t0")" -v m="$m" -v h="$half" 'BEGIN { printf "%.3f", t / m * h }')
	docker_api POST "/containers/prune?filters=$(lfilter)" >/dev/null
	remove_ours

	printf '%s\n' "$n $start_ms $engine_total $hostprocs $scan $full $curl_ms $list_kb $rank $ours $sentenced $half $reap_ms $curls_ms $loop_ms $m $reader_kb $ranker_kb $reaper_kb $okn" >>"$T_TMP/rows"
	say "N=$n: $(tail -n 1 "$T_TMP/rows")"
done

# the logger at the largest N: what the ranker and the reaper wrote there
nmax=${NS##* }
cat "$T_TMP/ranked.$nmax" "$T_TMP/killed.$nmax" >"$T_TMP/loglines"
logger_kb=$( { /usr/bin/time -f %M "$CULL_LOGGER" --log "$T_TMP/logger.log" --quiet <"$T_TMP/loglines"; } 2>&1 | tail -n 1)
loglines_mb=$(awk -v b="$(wc -c <"$T_TMP/loglines")" 'BEGIN { printf "%.1f", b / 1048576 }')

say "waiting for the guest"
wait "$kpid"
if [ "$(cat "$T_TMP/kmod.rc" 2>/dev/null)" = 0 ]; then
	awk '$1 == "scale" { print $2, $3, $4 / 1e6, $5 }' "$kdir/files/facts" >"$T_TMP/kmod"
	kver=$(awk '$1 == "kernel" { print $2; exit }' "$kdir/files/facts")
else
	say "the guest failed:"; tail -n 20 "$T_TMP/kmod.log" >&2
	: >"$T_TMP/kmod"
fi
# one row per N: the host's columns and the module's (N procs ms bytes)
join -a 1 <(sort -n "$T_TMP/rows") <(sort -n "$T_TMP/kmod") | sort -n >"$T_TMP/all"

# --- the section ------------------------------------------------------------------
awk -v runs="$RUNS" -v loop="$LOOP" -v cores="$(nproc)" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" \
    -v kver="${kver:-?}" -v nmax="$nmax" -v logger_kb="$logger_kb" -v loglines_mb="$loglines_mb" '
# the marginal cost of a container: from the previous N to this one, in µs
function us(i, col) { return i == 1 ? "" : sprintf("; +%.0f µs/ctr", (v[i, col] - v[i - 1, col]) * 1000 / (v[i, 1] - v[i - 1, 1])) }
function f(x) { return x >= 100 ? sprintf("%.0f", x) : x >= 10 ? sprintf("%.1f", x) : sprintf("%.2f", x) }
# growth exponent: least squares of log cost on log N
function fit(col,   i, sx, sy, sxx, sxy, k, x, y) {
	sx = sy = sxx = sxy = k = 0
	for (i = 1; i <= rows; i++) if (v[i, col] > 0) { x = log(v[i, 1]); y = log(v[i, col]); sx += x; sy += y; sxx += x * x; sxy += x * y; k++ }
	return k < 2 ? "?" : sprintf("%.2f", (k * sxy - sx * sy) / (k * sxx - sx * sx))
}
{ rows++; for (i = 1; i <= NF; i++) v[rows, i] = $i; v[rows, 24] = $6 - $5 }
END {
	print "## Scale: each stage from 10 to " nmax " containers"
	print ""
	print "Idle FROM-scratch containers (cull-low-idle, `--network none`, 16 MiB limit, half labelled"
	print "class high), started through the Engine API 8 requests at a time; " cores " cores shared with"
	print "other work (load average at the end: " load "), so read the ratios and the cost per container."
	print "Reader and ranker: medians of " runs " runs, steady state (21 snapshots in one process less 1, over"
	print "20; the ranker: 100 snapshots less 1, over 99). The module: one-process containers each in a"
	print "cgroup of its own, in a qemu guest (Debian " kver ", TCG: slower than the host; compare its growth)."
	print "The engine is shared: it lists other containers too (\"engine lists\"), and the /proc scan reads"
	print "every process of the host (\"host procs\"). So beside each cost is its marginal cost per"
	print "container, from the previous N to this one: flat means linear, growing means superlinear."
	print ""
	print "| N | started in | engine lists | host procs | reader /proc scan | engine query (reader) | GET /containers/json (curl) | module document (guest) | ranker per snapshot |"
	print "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for (i = 1; i <= rows; i++)
		printf "| %d | %.1f s | %d | %d | %s ms%s | %s ms%s; %d KiB | %s ms%s | %s | %s ms%s |\n",
			v[i,1], v[i,2] / 1000, v[i,3], v[i,4], f(v[i,5]), us(i, 5), f(v[i,24]), us(i, 24), v[i,8],
			f(v[i,7]), us(i, 7), (v[i,22] > 0 ? f(v[i,22]) " ms" us(i, 22) "; " sprintf("%.0f", v[i,23] / 1024) " KiB" : "-"),
			f(v[i,9]), us(i, 9)
	print ""
	print "Killing N/2 at once: `cull-reaper` (kill lines written together, until the last `killed` line;"
	print "inspect + kill + check each, at most 16 in flight, its default `--parallel`) against N/2 bare"
	print "`curl … -X POST …/kill &` started together and a `docker kill` loop (timed over at most " loop
	print "containers and scaled to N/2)."
	print ""
	print "| N | N/2 | cull-reaper | ok | per kill | N/2 curls at once | per kill | docker kill loop | per kill | reaper ÷ curls |"
	print "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for (i = 1; i <= rows; i++)
		printf "| %d | %d | %s ms | %d | %s ms | %s ms | %s ms | %s ms%s | %s ms | %.2f× |\n", v[i,1], v[i,12],
			f(v[i,13]), v[i,20], f(v[i,13] / v[i,12]), f(v[i,14]), f(v[i,14] / v[i,12]),
			f(v[i,15]), (v[i,16] < v[i,12] ? " (" v[i,16] " timed)" : ""), f(v[i,15] / v[i,12]), v[i,13] / v[i,14]
	print ""
	print "Growth exponent k (cost ∝ N^k, least squares over the " rows " points; 1 is linear, less than 1 where a fixed cost - the host'"'"'s other processes and containers - weighs at small N): reader /proc scan " fit(5) \
		", engine query " fit(24) ", GET /containers/json " fit(7) ", module document " fit(22) ", ranker " fit(9) \
		", reaper N/2 " fit(13) ", curls N/2 " fit(14) "."
	print ""
	print "Memory at N = " nmax " (peak RSS): cull-reader " v[rows,17] " KiB (21 snapshots), cull-ranker " v[rows,18] \
		" KiB (100 snapshots), cull-reaper " v[rows,19] " KiB (after all the kills above, one process), cull-logger " \
		logger_kb " KiB (writing the ranker and reaper lines of N = " nmax ", " loglines_mb " MiB)."
}' "$T_TMP/all" >"$T_TMP/section"

# --- the plot ------------------------------------------------------------------
if command -v gnuplot >/dev/null; then
	gnuplot 2>"$T_TMP/gp.err" <<EOF || { say "gnuplot failed:"; cat "$T_TMP/gp.err" >&2; }
set terminal pngcairo size 1200,640 noenhanced
set output "$PNG"
set multiplot layout 1,2 title "cull: cost against the number of containers N ($(date -u +%F), $(nproc) cores)"
set logscale xy
set xlabel "N containers"
set key below maxrows 3 font ",9"
set grid
set title "cost (ms)"
d = "$T_TMP/all"
plot d using 1:5 with linespoints title "reader /proc scan", \
     d using 1:(\$6 - \$5) with linespoints title "engine query (reader)", \
     d using 1:7 with linespoints title "GET /containers/json (curl)", \
     d using 1:(column(22) > 0 ? column(22) : NaN) with linespoints title "module document (guest, TCG)", \
     d using 1:9 with linespoints title "ranker, one snapshot", \
     d using 1:13 with linespoints title "reaper: N/2 kills", \
     d using 1:14 with linespoints title "N/2 curls at once", \
     d using 1:15 with linespoints title "docker kill loop, N/2", \
     x * 0.1 with lines dashtype 2 lc "grey" title "linear"
set title "cost per container (ms)"
unset logscale y
set logscale y
plot d using 1:(\$5 / \$1) with linespoints title "reader /proc scan", \
     d using 1:((\$6 - \$5) / \$1) with linespoints title "engine query (reader)", \
     d using 1:(\$7 / \$1) with linespoints title "GET /containers/json (curl)", \
     d using 1:(column(22) > 0 ? column(22) / \$1 : NaN) with linespoints title "module document (guest)", \
     d using 1:(\$9 / \$1) with linespoints title "ranker, one snapshot", \
     d using 1:(\$13 / \$12) with linespoints title "reaper, per kill", \
     d using 1:(\$14 / \$12) with linespoints title "curl, per kill", \
     d using 1:(\$15 / \$12) with linespoints title "docker kill, per kill"
unset multiplot
EOF
fi
cat "$T_TMP/section" >&3
[ -s "$PNG" ] && echo >&3 && echo "![cost against N, and per container]($(basename "$PNG"))" >&3
exit 0
