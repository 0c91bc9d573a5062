#!/bin/bash
# cull-reaper never kills the container it runs in: run the real binary
# inside a managed container (host libraries bind-mounted, the engine's
# socket too) and ask it to kill itself and a neighbour.
. "${0%/*}/lib.sh"
. "${0%/*}/docker.sh"
R=$CULL_REAPER
docker_up
img=$(docker_test_image)
[ -x /usr/bin/docker ] || t_skip_all "the docker CLI is needed to attach stdin"
export DOCKER_HOST=unix://$DOCKER_SOCK

bindir=$(cd "$(dirname "$R")" && pwd)
neighbour=$(docker_run --label cull.managed=true -- "$img")
opts=(-i --network none --label "cull.test=$CULL_TEST_RUN" --label cull.managed=true
      -v "$bindir:/cull:ro" -v /usr/lib:/usr/lib:ro -v /usr/lib:/lib:ro
      -v "$DOCKER_SOCK:/var/run/docker.sock" --entrypoint "/cull/${R##*/}")
[ -d /usr/lib64 ] && opts+=(-v /usr/lib64:/lib64:ro)
# LeakSanitizer cannot stop the world under the default seccomp profile
[ -n "${CULL_SANITIZED:-}" ] && opts+=(-e ASAN_OPTIONS=detect_leaks=0)

self=$(/usr/bin/docker create "${opts[@]}" "$img" 2>"$T_TMP/create.err")
[ -n "$self" ] || { t_diag "$T_TMP/create.err"; t_bail "cannot create the reaper's container"; }
self=$(docker_api GET "/containers/$self/json" | jq -r .Id)
printf '%s\n' "{\"type\":\"kill\",\"seq\":1,\"id\":\"$self\"}" \
	"{\"type\":\"kill\",\"seq\":2,\"id\":\"${self:0:12}\"}" \
	"{\"type\":\"kill\",\"seq\":3,\"id\":\"$neighbour\"}" >"$T_TMP/in"
timeout 60 /usr/bin/docker start -ai "$self" <"$T_TMP/in" >"$T_TMP/out" 2>"$T_TMP/err"
rc=$?
t_is "$rc" 0 "the reaper ran inside a container and ended with 0"
t_diag "$T_TMP/err"
t_is "$(jq -r 'select(.seq==1) | [.ok,.error]|@csv' "$T_TMP/out")" \
	'false,"refused: it is the container cull-reaper runs in"' "refuses to kill its own container (full id)"
t_is "$(jq -r 'select(.seq==2) | [.ok,.error]|@csv' "$T_TMP/out")" \
	'false,"refused: it is the container cull-reaper runs in"' "refuses to kill its own container (short id)"
t_is "$(jq -r 'select(.seq==3) | [.ok,.status]|@csv' "$T_TMP/out")" "true,204" "kills a managed neighbour from inside a container"
t_is "$(docker_api GET "/containers/$self/json" | jq -r .State.ExitCode)" 0 "its own container ended by itself, not by a kill"
t_done
