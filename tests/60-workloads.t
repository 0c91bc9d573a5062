#!/bin/bash
# 60-workloads.t - the four workload images and spawn.sh, on the real engine.
#
# make images builds them FROM scratch with the labels the policy relies on;
# each workload does what its name says and ends with 0 on SIGTERM (it is PID
# 1: without its own handler the engine would have to SIGKILL it); spawn.sh
# names, labels and limits what it starts, repeats with --every, keeps the
# choice of images repeatable with --seed, and removes only its own with
# --clean. Every container here carries cull.test=<this run>.
. "${0%/*}/lib.sh"
. "${0%/*}/docker.sh"
docker_up
SPAWN=${CULL_SPAWN:-$TOP/workloads/spawn.sh}
RUN_LABEL=cull.test=$CULL_TEST_RUN
t_cleanup "'$SPAWN' --clean --label '$RUN_LABEL'"
spawn() { "$SPAWN" --label "$RUN_LABEL" --network none "$@"; }
labels_of() { docker_api GET "/containers/$1/json" | jq -c '.Config.Labels'; }

# images ---------------------------------------------------------------
t_ok "make images" env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$TOP" images
for w in high-cpu high-mem low-http low-idle; do
	got=$(docker_api GET "/images/cull-$w/json" | jq -r '[.Config.Labels["cull.managed"], .Config.Labels["cull.class"], (.Os // "")] | join(" ")')
	t_is "$got" "true ${w%%-*} linux" "cull-$w: labelled cull.managed=true cull.class=${w%%-*}"
	layers=$(docker_api GET "/images/cull-$w/history" | jq '[.[] | select(.Size > 0)] | length')
	t_is "$layers" 1 "cull-$w: FROM scratch, one layer (the static binary)"
done

# usage ------------------------------------------------------------------
T_IN=/dev/null t_run 2 "spawn.sh -n x: usage error" "$SPAWN" -n x
t_grep '^spawn.sh: -n: "x" is not a whole number' "$T_TMP/err" "  and says why"
t_run 2 "spawn.sh --label without =: usage error" "$SPAWN" --label nolabel
t_run 2 "spawn.sh unknown option: usage error" "$SPAWN" --frobnicate
t_run 0 "spawn.sh --help" "$SPAWN" --help
t_grep '^ *workloads/spawn.sh \[-n N\]' "$T_TMP/out" "  --help shows the synopsis"
t_run 1 "spawn.sh with a missing image: exit 1" spawn -n 1 --image cull-no-such-image-$$
t_grep 'make images' "$T_TMP/err" "  and says how to build it"

# spawn, names, labels, limits ------------------------------------------------
t_run 0 "spawn.sh -n 4 --seed 7" spawn -n 4 --seed 7
cp "$T_TMP/out" "$T_TMP/seed1"
t_is "$(grep -Ec '^started cull-(high|low)-[0-9a-f]{6} cull-(high-cpu|high-mem|low-http|low-idle) [0-9a-f]{12}$' "$T_TMP/seed1")" 4 \
	"four lines: started cull-<class>-<6 hex> IMAGE ID"
bad=0
while read -r _ name img short; do
	id=$(docker_api GET "/containers/$short/json" | jq -r .Id)
	l=$(labels_of "$id")
	class=$(jq -r '.["cull.class"]' <<<"$l")
	[[ $name == cull-$class-* ]] || { echo "# $name: class label $class"; bad=1; }
	[ "$(jq -r '.["cull.spawned"] + " " + .["cull.test"] + " " + .["cull.managed"]' <<<"$l")" = "true $CULL_TEST_RUN true" ] ||
		{ echo "# $name: labels $l"; bad=1; }
	[ "$(docker_api GET "/containers/$id/json" | jq -r '[.State.Running, .HostConfig.Memory, .Config.Image] | join(" ")')" = "true 268435456 $img" ] ||
		{ echo "# $name: not running with a 256 MiB limit from $img"; bad=1; }
done <"$T_TMP/seed1"
t_is "$bad" 0 "each runs its image, named by its class, labelled, memory-limited"
t_run 0 "spawn.sh -n 4 --seed 7 again" spawn -n 4 --seed 7
t_is "$(awk '{print $3}' "$T_TMP/out" | paste -sd,)" "$(awk '{print $3}' "$T_TMP/seed1" | paste -sd,)" \
	"the same seed chooses the same images"
t_nogrep "$(awk '{print $2}' "$T_TMP/seed1" | paste -sd'|')" "$T_TMP/out" "  under new names"

# what each workload does -------------------------------------------------
t_run 0 "one of each workload" spawn -n 1 --image cull-high-cpu
hcpu=$(awk '{print $4}' "$T_TMP/out")
spawn -n 1 --image cull-high-mem >"$T_TMP/o2"; hmem=$(awk '{print $4}' "$T_TMP/o2")
spawn -n 1 --image cull-low-idle >"$T_TMP/o3"; lidle=$(awk '{print $4}' "$T_TMP/o3")
# cull-low-http on the host's network (this engine may have no bridge), on a
port=$(t_free_port)
lhttp=$(docker_api POST "/containers/create" "$(jq -cn --arg l "$CULL_TEST_RUN" --arg p "$port" \
	'{Image:"cull-low-http", Cmd:[$p], Labels:{"cull.test":$l}, HostConfig:{NetworkMode:"host"}}')" | jq -r '.Id // empty')
t_cleanup "docker_api DELETE '/containers/$lhttp?force=true'"
docker_api POST "/containers/$lhttp/start" >/dev/null
# the engine's log stream: frames of an 8-byte header and the bytes
logs() {
	curl -s --unix-socket "$DOCKER_SOCK" "http://localhost/containers/$1/logs?stdout=1" |
		perl -e 'while (read(STDIN, $h, 8) == 8) { ($n) = unpack("x4N", $h); read(STDIN, $d, $n); print $d }'
}
# poll for what each says (the engine is shared and slow at times; no timing is asserted)
for _ in $(seq 100); do
	logs "$hmem" | grep '128 MiB of 128' >/dev/null && logs "$hcpu" | grep 'round 3:' >/dev/null &&
		logs "$lidle" | grep 'awake 2' >/dev/null && break
	sleep 0.2
done
t_grep '^cull-high-cpu [0-9:.]+ round 3: [0-9]+ blocks' <(logs "$hcpu") "cull-high-cpu prints a line per round"
t_grep '^cull-high-mem [0-9:.]+ 128 MiB of 128$' <(logs "$hmem") "cull-high-mem grows to its 128 MiB cap"
rss=$(docker_api GET "/containers/$hmem/stats?stream=false" | jq '.memory_stats.usage // 0')
if [ "$rss" -ge $((120 << 20)) ] && [ "$rss" -le $((256 << 20)) ]; then t_pass "  and really holds it ($((rss >> 20)) MiB charged)"
else t_fail "  and really holds it" "memory usage $rss"; fi
t_grep '^cull-low-idle [0-9:.]+ awake 2$' <(logs "$lidle") "cull-low-idle wakes once a second"
body=""
for _ in $(seq 50); do body=$(curl -s --max-time 2 "http://127.0.0.1:$port/") && [ -n "$body" ] && break; sleep 0.1; done
t_is "$body" ok "cull-low-http answers ok (port $port)"
[ "$body" = ok ] || { logs "$lhttp" >"$T_TMP/lhttp.log"; t_diag "$T_TMP/lhttp.log"; }
# the engine takes the container's output in a moment after the answer
for _ in $(seq 50); do logs "$lhttp" | grep -E '^cull-low-http [0-9:.]+ request 1 answered$' >/dev/null && break; sleep 0.1; done
t_grep '^cull-low-http [0-9:.]+ request 1 answered$' <(logs "$lhttp") "  and logs the request"
for id in "$hcpu" "$hmem" "$lidle" "$lhttp"; do
	docker_api POST "/containers/$id/stop?t=20" >/dev/null
	code=$(docker_api GET "/containers/$id/json" | jq -r '[.Config.Image, .State.ExitCode] | join(" ")')
	t_is "${code#* }" 0 "${code% *} ends with 0 on SIGTERM (handled as PID 1)"
done

# --every, SIGTERM, the tidy-up of exited containers -------------------------------
ours() { docker_api GET "/containers/json?all=true&filters=$(jq -rn --arg l "$RUN_LABEL" '{label:[$l, "cull.every=1"]}|tojson|@uri')" | jq length; }
set -m
"$SPAWN" --label "$RUN_LABEL" --label cull.every=1 --network none -n 1 --every 1 --image cull-low-idle >"$T_TMP/every" 2>&1 &
spid=$!
set +m
for _ in $(seq 100); do n=$(grep -c '^started' "$T_TMP/every"); [ "$n" -ge 3 ] && break; sleep 0.1; done
t_is "$n" 3 "--every 1: a container a second"
kill -TERM "$spid"; wait "$spid"; rc=$?
t_is "$rc" 0 "  SIGTERM ends it with 0"
# stop them: the next round would remove them as exited ones
for id in $(docker_api GET "/containers/json?filters=$(jq -rn '{label:["cull.every=1"]}|tojson|@uri')" | jq -r '.[].Id'); do
	[[ $id =~ ^[0-9a-f]{64}$ ]] && docker_api POST "/containers/$id/kill" >/dev/null
done
# its own file: the first one's "started" lines must not end the wait before
# this one has even begun
"$SPAWN" --label "$RUN_LABEL" --label cull.every=1 --network none -n 1 --every 60 --image cull-low-idle >"$T_TMP/every2" 2>&1 &
spid=$!
for _ in $(seq 100); do grep -q '^started' "$T_TMP/every2" 2>/dev/null && break; sleep 0.1; done
kill -TERM "$spid"; wait "$spid"
t_is "$(ours)" 1 "  each round first removes the exited containers it started"

# --clean --------------------------------------------------------------------
# docker_run labels this one with our run too, and cull.spawned=true:
# --clean with a label it does not carry must leave it alone.
other=$(docker_run --label cull.spawned=true --label cull.other=1 -- "$(docker_test_image)")
"$SPAWN" --clean --label cull.other=2 >/dev/null
t_ok "spawn.sh --clean leaves a container without its --label alone" docker_running "$other"
t_run 0 "spawn.sh --clean --label (ours)" "$SPAWN" --clean --label "$RUN_LABEL"
t_grep '^removed cull-(high|low)-[0-9a-f]{6} [0-9a-f]{12}$' "$T_TMP/out" "  says what it removed"
t_is "$(docker_api GET "/containers/json?all=true&filters=$(jq -rn --arg l "$RUN_LABEL" '{label:[$l,"cull.spawned=true"]}|tojson|@uri')" | jq length)" 0 \
	"  none of ours is left"
t_done
