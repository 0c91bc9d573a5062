#!/bin/bash
# cull-reader with a real Docker engine: a container's processes appear with
# the container's full id, and the snapshot carries its name, image and labels.
. "${0%/*}/lib.sh"
. "$TOP/tests/docker.sh"
docker_up
img=$(docker_test_image)
name="cull-test-reader-$$"
id=$(docker_run --name "$name" --label cull.managed=true --label cull.class=low \
	--label 'odd"label=va\lue' -- "$img" --comm 'work"er' --fork 2) || t_bail "cannot start a container"
sleep 0.5
pids=$(docker_pids "$id" | sort -n | tr '\n' ' ')

t_run 0 "a snapshot with the engine" "$CULL_READER" --source procfs --count 1
t_ok "valid JSON" jq -e '.type=="snapshot"' "$T_TMP/out"
cp "$T_TMP/out" "$T_TMP/snap"
got=$(jq -r --arg id "$id" '.procs[]|select(.container==$id)|.pid' "$T_TMP/snap" | sort -n | tr '\n' ' ')
t_is "$got" "$pids" "the container's processes, and only those, carry its full id"
t_is "$(jq -r --arg id "$id" '[.procs[]|select(.container==$id)|.comm]|unique|join(",")' "$T_TMP/snap")" 'work"er' \
	"their names, quote included"
t_is "$(jq -r --arg id "$id" '.containers[$id].name' "$T_TMP/snap")" "$name" "the container's name"
t_is "$(jq -r --arg id "$id" '.containers[$id].image' "$T_TMP/snap")" "$img" "its image"
t_is "$(jq -r --arg id "$id" '.containers[$id].labels["cull.managed"]+","+.containers[$id].labels["cull.class"]' "$T_TMP/snap")" \
	"true,low" "its cull labels"
t_is "$(jq -r --arg id "$id" '.containers[$id].labels["odd\"label"]' "$T_TMP/snap")" 'va\lue' "an odd label survives"
t_ok "created is a Unix time" jq -e --arg id "$id" '.containers[$id].created > 1500000000' "$T_TMP/snap"
t_nogrep 'docker' "$T_TMP/err" "no complaint about the engine"

# DOCKER_HOST is honoured like the docker CLI does.
DOCKER_HOST="unix://$DOCKER_SOCK" "$CULL_READER" --source procfs --count 1 >"$T_TMP/dh" 2>/dev/null
t_ok "DOCKER_HOST=unix://... works" jq -e --arg id "$id" '.containers[$id].name' "$T_TMP/dh"

# --no-docker: same processes, no containers object.
t_run 0 "--no-docker" "$CULL_READER" --source procfs --count 1 --no-docker
t_is "$(jq -r --arg id "$id" '[.procs[]|select(.container==$id)]|length' "$T_TMP/out")" "3" "processes still found by cgroup"
t_is "$(jq -r 'has("containers")' "$T_TMP/out")" false "no containers object"

# The engine's events: with a 60 s interval, a container that starts is in
# a snapshot at once, with its name and labels (the reader asks for it alone).
"$CULL_READER" --source procfs --interval 60 >"$T_TMP/ev" 2>"$T_TMP/ev.err" &
rpid=$!
t_cleanup "kill $rpid 2>/dev/null"
for _ in $(seq 100); do [ -s "$T_TMP/ev" ] && break; sleep 0.1; done
late=$(docker_run --name "$name-late" --label cull.managed=true -- "$img") || t_bail "cannot start a container"
for _ in $(seq 100); do
	jq -e --arg id "$late" 'select(.procs | any(.container == $id)) | .containers[$id].name' "$T_TMP/ev" >/dev/null 2>&1 && break
	sleep 0.1
done
kill -TERM $rpid; wait $rpid
t_ok "a container started: in a snapshot long before the next tick, named" \
	jq -se --arg id "$late" --arg n "$name-late" \
	'map(select(.seq > 1 and (.procs | any(.container == $id)) and .containers[$id].name == $n)) | length > 0' "$T_TMP/ev"
t_done
