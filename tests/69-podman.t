#!/bin/bash
# Podman through its Docker-compatible API: cull-reader and cull-reaper work
# unchanged against `podman system service`. Four podman containers of this
# run, labelled cull.managed=true; the stages keep one low and kill the
# surplus. On cgroup v1 with podman's cgroupfs manager their processes sit in
# /libpod_parent/libpod-<id>, which the reader must see as containers.
# Podman keeps its own images: the test image comes over from the Docker
# engine by docker save | podman load.
. "${0%/*}/lib.sh"
. "${0%/*}/docker.sh"
t_need_stages
[ "$(id -u)" -eq 0 ] || t_skip_all "root is needed for rootful podman"
command -v podman >/dev/null || sh "$TOP/mk/deps.sh" podman >&2 || t_bail "cannot install podman"
docker_up
img=$(docker_test_image)

# This machine's default ulimits exceed what the sandbox allows: podman
# starts no container without this (NOTES.md).
P=$T_TMP/podman
mkdir -p "$P"
printf '[containers]\ndefault_ulimits = []\n' >"$P/containers.conf"
export CONTAINERS_CONF=$P/containers.conf
SOCK=$P/podman.sock
podman system service --time=0 "unix://$SOCK" >"$P/service.log" 2>&1 &
svc=$!
t_cleanup "kill $svc"
for _ in $(seq 100); do
	[ "$(curl -s --max-time 2 --unix-socket "$SOCK" http://d/_ping)" = OK ] && break
	sleep 0.1
done
[ "$(curl -s --max-time 2 --unix-socket "$SOCK" http://d/_ping)" = OK ] ||
	{ t_diag "$P/service.log"; t_bail "podman's API service does not answer"; }

DOCKER_HOST="unix://$DOCKER_SOCK" /usr/bin/docker save "$img" | podman load >"$P/load.log" 2>&1 ||
	{ t_diag "$P/load.log"; t_bail "cannot load $img into podman"; }
t_cleanup "podman rm -f --filter label=cull.test=$CULL_TEST_RUN >/dev/null"
ids=()
for i in 1 2 3 4; do
	ids+=("$(podman run -d --network none --label cull.managed=true \
		--label "cull.test=$CULL_TEST_RUN" --name "cull-pm-$i-$$" "$img" 2>"$P/run.err")") ||
		{ t_diag "$P/run.err"; t_bail "podman cannot start a container"; }
done
running() { podman ps -q --no-trunc --filter "label=cull.test=$CULL_TEST_RUN" | sort; }
t_is "$(running | wc -l)" 4 "four podman containers run"

# One snapshot first: the reader sees them through the podman socket.
"$CULL_READER" --docker "unix://$SOCK" --source procfs --count 1 >"$T_TMP/snap" 2>"$T_TMP/reader.err" ||
	t_bail "the reader failed against podman"
for id in "${ids[@]}"; do
	t_is "$(jq -r --arg id "$id" '[.procs[] | select(.container == $id)] | length' "$T_TMP/snap")" 1 \
		"the reader finds ${id:0:12}'s process (/libpod_parent/libpod-<id>)"
	t_is "$(jq -r --arg id "$id" '.containers[$id].labels["cull.managed"]' "$T_TMP/snap")" true \
		"  and its labels, from podman's API"
done

set -m
{ "$CULL_READER" --docker "unix://$SOCK" --source procfs --interval 0.5 2>>"$T_TMP/reader.err" |
	docker_select_run |
	"$CULL_RANKER" --keep-high 1 --keep-low 1 2>"$T_TMP/ranker.err" |
	"$CULL_REAPER" --socket "$SOCK" >"$T_TMP/killed" 2>"$T_TMP/reaper.err"; } &
path=$!
set +m
t_cleanup "kill -TERM -- -$path"
# killed ok, each container once (a kill slower than the cooldown on a
# loaded machine may sentence one again: its second line says 409 or 404)
killed_ok() { jq -r 'select(.type == "killed" and .ok) | .id' "$T_TMP/killed" 2>/dev/null | sort -u; }
for _ in $(seq 600); do
	[ "$(killed_ok | wc -l)" -ge 3 ] && break
	sleep 0.2
done
sleep 1	# a fourth killed line, if one were coming, would be out by now
kill -TERM -- -"$path" 2>/dev/null
wait "$path" 2>/dev/null

t_is "$(killed_ok | wc -l)" 3 "the reaper killed three through podman's API" ||
	t_diag "$T_TMP/killed" "$T_TMP/reaper.err"
t_is "$(running | wc -l)" 1 "podman says one still runs"
t_is "$(killed_ok | comm -12 - <(running) | wc -l)" 0 \
	"  and it is not one the reaper reported killed"
t_done
