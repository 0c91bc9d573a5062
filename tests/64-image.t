#!/bin/bash
# 64-image.t - the cull image (make image) on the real engine.
#
# Built FROM scratch offline, it runs the service in a container of its
# own, with the host's /proc at /host/proc and the engine's socket mounted.
# In a private cgroup namespace (the reader sees the others as /../<id>) it
# finds this run's workload containers and brings them to the keep counts,
# and its own reaper refuses a kill line that names the cull container. In
# the host's cgroup namespace, labelled managed and high with --keep-high 0,
# the ranker sentences the cull container itself, and the reaper refuses.
# docker stop ends it with 0.
. "${0%/*}/lib.sh"
. "${0%/*}/docker.sh"
[ -n "${CULL_SANITIZED:-}" ] && t_skip_all "the image holds the plain build (make test runs this)"
docker_up
[ -x /usr/bin/docker ] || t_bail "the docker CLI (docker.io) is needed for --cgroupns"
export DOCKER_HOST=unix://$DOCKER_SOCK
RUN_LABEL=cull.test=$CULL_TEST_RUN
SPAWN=$TOP/workloads/spawn.sh
t_cleanup "'$SPAWN' --clean --label '$RUN_LABEL'"
img=cull:test

make_quiet() { env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$TOP" "$@" >"$T_TMP/make" 2>&1 || { cat "$T_TMP/make"; t_bail "make $* failed"; }; }
make_quiet images
make_quiet image IMAGE_TAG=test
size=$(docker_api GET "/images/$img/json" | jq -r .Size)
t_ok "make image built $img ($((size / 1048576)) MiB)" test "$size" -gt 0
t_is "$(docker_api GET "/images/$img/history" | jq '[.[] | select(.Size > 0)] | length')" 1 "  one layer, FROM scratch"

spawn() { "$SPAWN" --label "$RUN_LABEL" --network none "$@" >>"$T_TMP/spawned" || t_bail "spawn.sh failed"; }
# the workload containers of this run that still run: "H high, L low"
workloads() {
	docker_api GET "/containers/json?filters=$(jq -rn --arg l "$RUN_LABEL" '{label:[$l,"cull.spawned=true"], status:["running"]}|tojson|@uri')" |
		jq -r '[.[] | .Labels["cull.class"]] | "\(map(select(. == "high")) | length) high, \(map(select(. == "low")) | length) low"'
}
until_workloads() { for _ in $(seq 600); do [ "$(workloads)" = "$1" ] && return 0; sleep 0.1; done; return 1; }
# cull CGROUPNS PORT ARGS... - the image as a service, labelled as a
# tempting victim (managed, high) of this run; its id in $cull
cull() {
	local ns=$1 port=$2; shift 2
	cull=$(/usr/bin/docker run -d --cgroupns "$ns" --network host \
		--label "$RUN_LABEL" --label cull.managed=true --label cull.class=high \
		-v /proc:/host/proc:ro -v "$DOCKER_SOCK:/var/run/docker.sock" \
		"$img" --select "$RUN_LABEL" --listen "127.0.0.1:$port" --interval 0.5 "$@" 2>"$T_TMP/run.err")
	[ -n "$cull" ] || { t_diag "$T_TMP/run.err"; t_bail "cannot start the image"; }
	t_cleanup "docker_api DELETE '/containers/$cull?force=true'"
}
running() { docker_api GET "/containers/$1/json" | jq -r .State.Running; }
logs_of() { curl -s --max-time 5 "http://127.0.0.1:$1/logs?tail=100000"; }

# --- a private cgroup namespace --------------------------------------------------
spawn -n 2 --image cull-high-cpu
spawn -n 3 --image cull-low-idle
t_is "$(workloads)" "2 high, 3 low" "five workload containers run"
port=$(t_free_port)
cull private "$port" --keep-high 0 --keep-low 2
/usr/bin/docker exec "$cull" cat /proc/self/cgroup >"$T_TMP/cg" 2>&1
t_ok "in a private cgroup namespace: each of its own cgroups reads \"/\"" \
	awk 'END { exit !(NR > 0 && ok == NR) } /^[0-9]+:[^:]*:\/$/ { ok++ }' "$T_TMP/cg"
t_diag "$T_TMP/cg"
t_ok "the surplus is killed: 0 high, 2 low left" until_workloads "0 high, 2 low"
t_is "$(running "$cull")" true "  the cull container runs on"
logs_of "$port" >"$T_TMP/log1"
t_is "$(jq -s '[.[] | select(.type == "killed" and .ok == true)] | length' "$T_TMP/log1")" 3 \
	"  three killed lines in its log, served over HTTP"
printf '{"type":"kill","seq":1,"id":"%s"}\n' "$cull" >"$T_TMP/self.kill"
/usr/bin/docker exec -i "$cull" cull-reaper <"$T_TMP/self.kill" >"$T_TMP/self.out" 2>"$T_TMP/self.err"
t_is "$(jq -r '"\(.ok) \(.error)"' "$T_TMP/self.out")" "false refused: it is the container cull-reaper runs in" \
	"a kill line naming the cull container is refused by its reaper"
t_is "$(running "$cull")" true "  and it runs on"
/usr/bin/docker stop -t 30 "$cull" >/dev/null
t_is "$(docker_api GET "/containers/$cull/json" | jq -r '"\(.State.Running) \(.State.ExitCode)"')" "false 0" \
	"docker stop ends it with 0"

# --- the host's cgroup namespace: the ranker sentences the cull container ------
spawn -n 1 --image cull-high-cpu
t_is "$(workloads)" "1 high, 2 low" "one more high workload"
port=$(t_free_port)
cull host "$port" --keep-high 0 --keep-low 2
t_ok "the surplus is killed: 0 high, 2 low left" until_workloads "0 high, 2 low"
for _ in $(seq 100); do
	logs_of "$port" | jq -e --arg id "$cull" 'select(.type == "killed" and .id == $id)' >/dev/null && break
	sleep 0.2
done
logs_of "$port" >"$T_TMP/log2"
t_is "$(jq -r --arg id "$cull" 'select(.type == "killed" and .id == $id) | "\(.ok) \(.error)"' "$T_TMP/log2" | sort -u)" \
	"false refused: it is the container cull-reaper runs in" "the ranker sentenced the cull container; its reaper refused"
t_is "$(running "$cull")" true "  and it runs on"
/usr/bin/docker stop -t 30 "$cull" >/dev/null
t_is "$(docker_api GET "/containers/$cull/json" | jq -r .State.ExitCode)" 0 "docker stop ends it with 0"
t_done
