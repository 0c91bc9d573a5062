#!/bin/bash
# bench/reaper.sh - what a kill costs through cull-reaper, side by side with
# what a user would do instead, in one run on the same engine:
#  1. one kill at a time, N containers each: latency through a running
#     reaper (inspect + kill + check that it stopped, line in to line out)
#     vs `docker kill ID` (the CLI) vs `curl --unix-socket ... -X POST .../kill`;
#  2. a burst of 10 kill lines written at once: wall time until all 10 are
#     reported, vs the CLI killing the same 10 one after another.
# Prints one Markdown section on stdout; progress on stderr.
# Containers: the test image, --network none, labelled cull.test=<this run>.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
# tests/lib.sh gives a temp dir and exit cleanups; tests/docker.sh the image
. "$TOP/tests/lib.sh" >/dev/null
. "$TOP/tests/docker.sh"
R=$CULL_REAPER
N=${BENCH_KILLS:-20}
BURSTS=${BENCH_BURSTS:-3}
docker_ping || { echo "bench/reaper.sh: no engine on $DOCKER_SOCK" >&2; exit 1; }
img=$(docker_test_image) || exit 1
api=$(docker_api GET /version | jq -r .ApiVersion)

# no docker_up here (it would start an engine): remove ours at exit by hand
t_cleanup docker_remove_ours

start_n() {	# start_n N - N managed containers, ids on stdout
	local i
	for i in $(seq 1 "$1"); do docker_run --label cull.managed=true -- "$img" || exit 1; done
}
now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
ms() { awk -v us="$1" 'BEGIN {printf "%.1f", us/1000}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }

coproc REAPER { exec "$R" --socket "$DOCKER_SOCK" 2>"$T_TMP/reaper.err"; }
rin=${REAPER[1]} rout=${REAPER[0]}
t_cleanup "kill $REAPER_PID"
reap_one() {	# reap_one ID - write the kill line, wait for its killed line
	local line
	printf '{"type":"kill","seq":1,"id":"%s","class":"high","rss_kb":1,"vsz_kb":1,"mem_pct":0.0,"cpu_pct":0.0}\n' "$1" >&"$rin"
	IFS= read -r line <&"$rout" || return 1
	case $line in *'"ok":true'*) return 0 ;; esac
	echo "bench/reaper.sh: reaper: $line" >&2
	return 1
}

# --- 1. one kill at a time, the three ways interleaved ---
echo "bench/reaper.sh: starting $((3 * N)) containers" >&2
mapfile -t ids < <(start_n $((3 * N)))
[ "${#ids[@]}" -eq $((3 * N)) ] || { echo "bench/reaper.sh: cannot start containers" >&2; exit 1; }
: >"$T_TMP/reaper" ; : >"$T_TMP/cli" ; : >"$T_TMP/curl"
for i in $(seq 0 $((N - 1))); do
	a=${ids[$((3 * i))]} b=${ids[$((3 * i + 1))]} c=${ids[$((3 * i + 2))]}
	t0=$(now_us); reap_one "$a" || exit 1; t1=$(now_us)
	echo $((t1 - t0)) >>"$T_TMP/reaper"
	t0=$(now_us); DOCKER_HOST=unix://$DOCKER_SOCK /usr/bin/docker kill "$b" >/dev/null || exit 1; t1=$(now_us)
	echo $((t1 - t0)) >>"$T_TMP/cli"
	t0=$(now_us)
	code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$DOCKER_SOCK" -X POST "http://localhost/v$api/containers/$c/kill")
	t1=$(now_us)
	[ "$code" = 204 ] || { echo "bench/reaper.sh: curl kill: $code" >&2; exit 1; }
	echo $((t1 - t0)) >>"$T_TMP/curl"
	echo "bench/reaper.sh: single kills $((i + 1))/$N" >&2
done
m_reaper=$(median <"$T_TMP/reaper"); m_cli=$(median <"$T_TMP/cli"); m_curl=$(median <"$T_TMP/curl")
docker_remove_ours

# --- 2. bursts of 10 ---
: >"$T_TMP/burst" ; : >"$T_TMP/seq" ; : >"$T_TMP/par"
for b in $(seq 1 "$BURSTS"); do
	echo "bench/reaper.sh: burst $b/$BURSTS: starting 30 containers" >&2
	mapfile -t ids < <(start_n 30)
	lines=""
	for id in "${ids[@]:0:10}"; do
		lines+="{\"type\":\"kill\",\"seq\":2,\"id\":\"$id\",\"class\":\"high\",\"rss_kb\":1,\"vsz_kb\":1,\"mem_pct\":0.0,\"cpu_pct\":0.0}"$'\n'
	done
	t0=$(now_us)
	printf '%s' "$lines" >&"$rin"
	okn=0
	for _ in $(seq 1 10); do
		IFS= read -r line <&"$rout" || exit 1
		case $line in *'"ok":true'*) okn=$((okn + 1)) ;; *) echo "bench/reaper.sh: reaper: $line" >&2 ;; esac
	done
	t1=$(now_us)
	[ "$okn" = 10 ] || { echo "bench/reaper.sh: burst: only $okn of 10 ok" >&2; exit 1; }
	echo $((t1 - t0)) >>"$T_TMP/burst"
	t0=$(now_us)
	for id in "${ids[@]:10:10}"; do DOCKER_HOST=unix://$DOCKER_SOCK /usr/bin/docker kill "$id" >/dev/null || exit 1; done
	t1=$(now_us)
	echo $((t1 - t0)) >>"$T_TMP/seq"
	# the engine's own floor: 10 bare curl kills started together
	t0=$(now_us)
	pids=()
	for id in "${ids[@]:20:10}"; do
		curl -s -o /dev/null --unix-socket "$DOCKER_SOCK" -X POST "http://localhost/v$api/containers/$id/kill" &
		pids+=($!)
	done
	wait "${pids[@]}"
	t1=$(now_us)
	echo $((t1 - t0)) >>"$T_TMP/par"
	docker_remove_ours
done
m_burst=$(median <"$T_TMP/burst"); m_seq=$(median <"$T_TMP/seq"); m_par=$(median <"$T_TMP/par")

cat <<MD
## cull-reaper: kill latency

One kill at a time ($N containers per way, interleaved, median), from the
test image with \`--network none\` on the engine at \`$DOCKER_SOCK\`
(API $api). Through the reaper means a kill line written to a running
\`cull-reaper\` until its \`killed\` line is read back: it inspects the
container (labels, name, its own container), kills it, and checks that the
engine says it is no longer running.

| way | median ms | vs curl |
|---|---:|---:|
| \`cull-reaper\` (inspect + kill + check) | $(ms "$m_reaper") | $(ratio "$m_reaper" "$m_curl")× |
| \`docker kill ID\` (the CLI) | $(ms "$m_cli") | $(ratio "$m_cli" "$m_curl")× |
| \`curl --unix-socket … -X POST …/kill\` | $(ms "$m_curl") | 1.00× |

A burst of 10 kill lines written at once, wall time until all 10 \`killed\`
lines are read (median of $BURSTS bursts), vs the CLI killing 10 others one
after another, and 10 bare curl kills started together (the engine's own
floor for 10 teardowns at once):

| way | median ms | vs one reaper kill |
|---|---:|---:|
| \`cull-reaper\`, 10 at once | $(ms "$m_burst") | $(ratio "$m_burst" "$m_reaper")× |
| \`for id; do docker kill \$id; done\` | $(ms "$m_seq") | $(ratio "$m_seq" "$m_reaper")× |
| 10 × \`curl … -X POST …/kill &\`, then \`wait\` | $(ms "$m_par") | $(ratio "$m_par" "$m_reaper")× |

Goals: a single kill within 1.1× of bare curl ($(ratio "$m_reaper" "$m_curl")×); the
burst within 2× of a single kill ($(ratio "$m_burst" "$m_reaper")×; 10 parallel bare
curls: $(ratio "$m_par" "$m_reaper")×, so what is left is the engine tearing down 10
containers at once on $(nproc) cores). The CLI loop takes $(ratio "$m_seq" "$m_burst")×
the reaper's burst.
MD
