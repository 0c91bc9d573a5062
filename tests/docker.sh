# tests/docker.sh - a real Docker engine for the tests. Source after lib.sh:
#
#	. "${0%/*}/docker.sh"
#	docker_up                      # engine answers, or the test is skipped
#	img=$(docker_test_image)       # a tiny FROM scratch image, built once
#	id=$(docker_run --label cull.managed=true -- "$img" sleeper)
#
# When no engine answers, docker_up starts dockerd and stops it when the test
# script ends; an engine that was already running is left alone. Containers
# started with docker_run carry the label cull.test=<this run> and are removed
# at exit (docker_remove_ours), so tests never touch anything that is not theirs.
DOCKER_SOCK=${DOCKER_SOCK:-/var/run/docker.sock}
CULL_TEST_RUN=${CULL_TEST_RUN:-$$-$(date +%s)}

docker_api() {	# docker_api METHOD PATH [JSON] - body on stdout; fails on no answer
	local m=$1 p=$2
	if [ $# -ge 3 ]; then
		curl -sS --max-time 30 --unix-socket "$DOCKER_SOCK" -X "$m" \
			-H 'Content-Type: application/json' -d "$3" "http://localhost$p"
	else
		curl -sS --max-time 30 --unix-socket "$DOCKER_SOCK" -X "$m" "http://localhost$p"
	fi
}

docker_ping() { [ "$(curl -s --max-time 2 --unix-socket "$DOCKER_SOCK" http://localhost/_ping 2>/dev/null)" = OK ]; }

# docker_remove_ours - remove every container this test run started (by its
# cull.test label). docker_run is called inside $(...), where a cleanup it
# registered would be lost with the subshell: this one is registered here.
docker_remove_ours() {
	local f id
	f=$(jq -rn --arg l "cull.test=$CULL_TEST_RUN" '{label:[$l]}|tojson|@uri')
	for id in $(docker_api GET "/containers/json?all=1&filters=$f" | jq -r '.[].Id' 2>/dev/null); do
		docker_api DELETE "/containers/$id?force=true" >/dev/null 2>&1
	done
}

docker_up() {
	local i
	if ! docker_ping; then
		[ "$(id -u)" -eq 0 ] || t_skip_all "no Docker engine answers on $DOCKER_SOCK and not root to start one"
		command -v dockerd >/dev/null || t_bail "dockerd is not installed (make deps)"
		dockerd >"$T_TMP/dockerd.log" 2>&1 &
		DOCKERD_PID=$!
		t_cleanup "docker_down"
		for i in $(seq 1 150); do
			docker_ping && break
			kill -0 "$DOCKERD_PID" 2>/dev/null || break
			sleep 0.2
		done
		if ! docker_ping; then
			echo "# dockerd did not come up:"; t_diag "$T_TMP/dockerd.log"
			t_bail "cannot start dockerd"
		fi
	fi
	t_cleanup "docker_remove_ours"	# runs before docker_down: cleanups run last first
}

docker_down() {
	[ -n "${DOCKERD_PID:-}" ] || return 0
	kill "$DOCKERD_PID" 2>/dev/null
	for _ in $(seq 1 100); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.1; done
	DOCKERD_PID=
}

# docker_test_image - build (once per engine) cull-test-sleeper:latest, a FROM
# scratch image holding tests/fixtures/sleeper (static). Prints its name.
docker_test_image() {
	local ctx="$T_TMP/img" name=cull-test-sleeper:latest
	if [ "$(docker_api GET "/images/$name/json" | jq -r '.Id // empty' 2>/dev/null)" = "" ] ||
	   [ "$TOP/tests/fixtures/sleeper.c" -nt "$TOP/build/.sleeper-image" ]; then
		mkdir -p "$ctx" "$TOP/build"
		cc -O2 -static -o "$ctx/sleeper" "$TOP/tests/fixtures/sleeper.c" >&2 || t_bail "cannot build the sleeper"
		printf 'FROM scratch\nCOPY sleeper /sleeper\nENTRYPOINT ["/sleeper"]\n' >"$ctx/Dockerfile"
		DOCKER_BUILDKIT=0 DOCKER_HOST="unix://$DOCKER_SOCK" /usr/bin/docker build -q -t "$name" "$ctx" \
			>"$T_TMP/image-build.log" 2>&1 || { t_diag "$T_TMP/image-build.log"; t_bail "cannot build $name"; }
		touch "$TOP/build/.sleeper-image"
	fi
	echo "$name"
}

# docker_run [--name N] [--label K=V]... [--memory BYTES] -- IMAGE [ARG...] -
# create and start a container through the API (no CLI needed); prints its
# full id.
docker_run() {
	local name="" labels="\"cull.test\":\"$CULL_TEST_RUN\"" img args="" q id memory=0
	while [ $# -gt 0 ]; do
		case $1 in
		--name) name=$2; shift 2 ;;
		--memory) memory=$2; shift 2 ;;
		--label) labels="$labels,$(jq -cn --arg kv "$2" '$kv|split("=")|{(.[0]):(.[1:]|join("="))}' | sed 's/^{//;s/}$//')"; shift 2 ;;
		--) shift; break ;;
		*) t_bail "docker_run: unknown option $1" ;;
		esac
	done
	img=$1; shift
	args=$(jq -cn '$ARGS.positional' --args -- "$@")
	q=""; [ -n "$name" ] && q="?name=$(jq -rn --arg n "$name" '$n|@uri')"
	id=$(docker_api POST "/containers/create$q" \
		"{\"Image\":\"$img\",\"Cmd\":$args,\"Labels\":{$labels},\"HostConfig\":{\"NetworkMode\":\"none\",\"Memory\":$memory}}" |
		jq -r '.Id // empty')
	[ -n "$id" ] || { echo "# docker_run: create failed" >&2; return 1; }
	docker_api POST "/containers/$id/start" >/dev/null || return 1
	echo "$id"
}

# docker_running ID - the engine says the container is running
docker_running() { [ "$(docker_api GET "/containers/$1/json" | jq -r .State.Running 2>/dev/null)" = true ]; }

# docker_pids ID - the host pids of the container's processes
docker_pids() { docker_api GET "/containers/$1/top?ps_args=-o%20pid" | jq -r '.Processes[][0]'; }

# docker_select_run - a filter between reader and ranker, as pipeline.sh
# --select does it: only this run's containers (labelled cull.test=<run>)
# and their processes stay in each snapshot
docker_select_run() {
	jq -c --unbuffered --arg run "$CULL_TEST_RUN" 'if .type == "snapshot" then
		(.containers // {} | with_entries(select(.value.labels["cull.test"] == $run))) as $keep
		| .procs |= map(select(.container as $c | $keep | has($c)))
		| .containers = $keep
	else . end'
}
