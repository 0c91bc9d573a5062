#!/bin/bash
# The engine goes away in the middle of a run and comes back: the reaper
# retries with backoff, never exits for it, reports what it could not do,
# and later kills succeed. This test stops and starts an engine, so it runs
# its own private dockerd (own socket, data root, exec root, pidfile and
# containerd namespace, no bridge, no iptables) and never touches the
# shared one on /var/run/docker.sock.
. "${0%/*}/lib.sh"
. "${0%/*}/docker.sh"
R=$CULL_REAPER

[ "$(id -u)" -eq 0 ] || t_skip_all "root is needed to run a private dockerd"
command -v dockerd >/dev/null || t_skip_all "dockerd is not installed"

E=$T_TMP/engine
mkdir -p "$E"
echo '{}' >"$E/daemon.json"
DOCKER_SOCK=$E/docker.sock
PRIV_PID=

# In a network namespace of its own: with --bridge=none dockerd deletes the
# host's docker0 at start, which broke the shared engine for every later
# container with a network (seen: "could not find bridge docker0").
priv_start() {
	unshare --net dockerd --config-file "$E/daemon.json" -H "unix://$DOCKER_SOCK" \
		--data-root "$E/data" --exec-root "$E/exec" --pidfile "$E/dockerd.pid" \
		--containerd-namespace "cull-test-$$" --containerd-plugins-namespace "cull-test-$$-plugins" \
		--cgroup-parent "cull-test-$$" --bridge=none --iptables=false --ip6tables=false \
		--ip-masq=false --log-level warn >>"$E/dockerd.log" 2>&1 3>&- &
	PRIV_PID=$!
	for _ in $(seq 1 300); do
		docker_ping && return 0
		kill -0 "$PRIV_PID" 2>/dev/null || break
		sleep 0.1
	done
	t_diag "$E/dockerd.log"
	return 1
}
priv_stop() {
	[ -n "$PRIV_PID" ] || return 0
	kill -TERM "$PRIV_PID" 2>/dev/null
	for _ in $(seq 1 300); do kill -0 "$PRIV_PID" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$PRIV_PID" 2>/dev/null; then
		kill -KILL "$PRIV_PID"
		[ -s "$E/exec/containerd/containerd.pid" ] && kill -KILL "$(cat "$E/exec/containerd/containerd.pid")"
	fi
	wait "$PRIV_PID" 2>/dev/null
	PRIV_PID=
}
priv_cleanup() {
	priv_stop
	# anything the private engine left mounted under its directories
	awk -v e="$E" 'index($5, e) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m"; done
}
t_cleanup priv_cleanup
had_bridge=$(ip -br link show docker0 2>/dev/null)
priv_start || t_bail "cannot start a private dockerd"
img=$(docker_test_image)

# wait_line SEQ - until the killed line for SEQ is out (bounded, not a timing check)
wait_line() {
	for _ in $(seq 1 600); do
		[ -n "$(line "$1" .seq 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	return 1
}
line() { jq -r --argjson s "$1" "select(.type==\"killed\" and .seq==\$s) | $2" "$T_TMP/out"; }
kl() { printf '{"type":"kill","seq":%s,"id":"%s"}\n' "$2" "$1"; }

a=$(docker_run --label cull.managed=true -- "$img")
c=$(docker_api POST /containers/create "{\"Image\":\"$img\",\"Labels\":{\"cull.managed\":\"true\",\"cull.test\":\"$CULL_TEST_RUN\"},\"HostConfig\":{\"NetworkMode\":\"none\",\"RestartPolicy\":{\"Name\":\"always\"}}}" | jq -r .Id)
docker_api POST "/containers/$c/start" >/dev/null
d=$(docker_run --label cull.managed=true -- "$img")
[ -n "$a" ] && [ -n "$c" ] && [ -n "$d" ] || t_bail "cannot start containers in the private engine"

mkfifo "$T_TMP/in"
"$R" --socket "$DOCKER_SOCK" --retry 60 <"$T_TMP/in" >"$T_TMP/out" 2>"$T_TMP/err" &
rpid=$!
exec 3>"$T_TMP/in"
t_cleanup "kill $rpid"

kl "$a" 1 >&3
wait_line 1
t_is "$(line 1 '[.ok,.status]|@csv')" "true,204" "engine up: the first kill succeeds"

priv_stop
docker_ping && t_bail "the private engine did not stop"
t_pass "the private engine is stopped"
kl "$c" 2 >&3
echo '{"type":"mem","note":"while the engine is down"}' >&3
sleep 1
if kill -0 "$rpid" 2>/dev/null; then t_pass "engine down: the reaper keeps running"
else t_fail "engine down: the reaper keeps running"; t_diag "$T_TMP/err"; fi
t_grep '"note":"while the engine is down"' "$T_TMP/out" "engine down: other lines still pass through at once"
# an empty answer below means "no killed line yet" only if the output reads
t_ok "engine down: the output so far is JSON lines" jq -e 'has("type")' "$T_TMP/out"
t_is "$(line 2 .ok)" "" "engine down: the kill waits (retrying), not reported as failed"

# A second reaper with a short --retry gives up on the same outage and goes on.
printf '%s\n' "$(kl "$d" 3)" '{"type":"mem"}' |
	"$R" --socket "$DOCKER_SOCK" --retry 1 >"$T_TMP/out2" 2>"$T_TMP/err2"
t_is "$?" 0 "--retry 1 with the engine down: exit 0"
t_is "$(jq -r 'select(.seq==3) | [.ok,.status,.error]|@csv' "$T_TMP/out2")" \
	'false,0,"engine unreachable"' "--retry 1 with the engine down: ok:false engine unreachable"
t_grep '^\{"type":"mem"\}$' "$T_TMP/out2" "--retry 1 with the engine down: goes on with the next line"

priv_start || t_bail "cannot restart the private dockerd"
t_pass "the private engine is back"
wait_line 2
# The engine stopped c on its way down and (restart policy) started it
# again: the retried kill finds it running (204) or not yet (409).
st=$(line 2 .status)
case $st in
204|409) t_pass "after the restart the retried kill got an answer ($st: $(line 2 .error))" ;;
*) t_fail "after the restart the retried kill got an answer" "$(grep '"seq":2' "$T_TMP/out")" ;;
esac

e=$(docker_run --label cull.managed=true -- "$img")
kl "$e" 4 >&3
wait_line 4
t_is "$(line 4 '[.ok,.status,.running]|@csv')" "true,204,false" "after the restart: later kills succeed"
t_is "$(docker_api GET "/containers/$e/json" | jq -r .State.Running)" false "after the restart: the engine says it is dead"

exec 3>&-
wait "$rpid"
t_is "$?" 0 "end of input: the reaper exits 0"
t_nogrep 'fatal' "$T_TMP/err" "no fatal message"
[ -z "$had_bridge" ] || t_ok "the host's docker0 is still there (the private engine left it alone)" ip link show docker0
t_done
