#!/bin/bash
# cull-reaper never kills the container it runs in: run the real binary
# inside a managed container (host libraries bind-mounted, the engine's
# socket too) and ask it to kill itself, a neighbour, and (where there is
# one) the decoy whose network it shares. Four ways to run it, each giving
# it different evidence of itself (as docker 20.10 on a cgroup v1 host does):
#
#   plain                      /proc/self/cgroup names it; so do the bind
#                              mounts of /etc/hostname, hosts, resolv.conf
#   --network container:X      the cgroup names it; those three files are X's
#   --cgroupns private         the cgroup file says only "/"; the files are its own
#   both                       nothing names it but its root's overlay upperdir;
#                              the files are X's
#
# X is managed: it may be killed (it is not the reaper), the reaper never.
. "${0%/*}/lib.sh"
. "${0%/*}/docker.sh"
R=$CULL_REAPER
docker_up
img=$(docker_test_image)
[ -x /usr/bin/docker ] || t_skip_all "the docker CLI is needed to attach stdin"
export DOCKER_HOST=unix://$DOCKER_SOCK

bindir=$(cd "$(dirname "$R")" && pwd)
opts=(-i --label "cull.test=$CULL_TEST_RUN" --label cull.managed=true
      -v "$bindir:/cull:ro" -v /usr/lib:/usr/lib:ro -v /usr/lib:/lib:ro
      -v "$DOCKER_SOCK:/var/run/docker.sock" --entrypoint "/cull/${R##*/}")
[ -d /usr/lib64 ] && opts+=(-v /usr/lib64:/lib64:ro)
# LeakSanitizer cannot stop the world under the default seccomp profile
[ -n "${CULL_SANITIZED:-}" ] && opts+=(-e ASAN_OPTIONS=detect_leaks=0)

REFUSED='false,"refused: it is the container cull-reaper runs in"'

# scenario NAME DECOY DOCKER-OPTION... - run the reaper in a container made
# with these options (DECOY=yes: --network container:<a managed decoy>)
scenario() {
	local name=$1 decoy=$2 self neighbour x="" extra rc
	shift 2
	extra=("$@")
	neighbour=$(docker_run --label cull.managed=true -- "$img")
	if [ "$decoy" = yes ]; then
		x=$(docker_run --label cull.managed=true -- "$img")
		extra+=(--network "container:$x")
	fi
	[ -n "$neighbour" ] && { [ "$decoy" = no ] || [ -n "$x" ]; } || t_bail "$name: cannot start the neighbours"
	self=$(/usr/bin/docker create "${opts[@]}" "${extra[@]}" "$img" 2>"$T_TMP/create.err")
	[ -n "$self" ] || { t_diag "$T_TMP/create.err"; t_bail "$name: cannot create the reaper's container"; }
	self=$(docker_api GET "/containers/$self/json" | jq -r .Id)
	{
		printf '{"type":"kill","seq":1,"id":"%s"}\n' "$self"
		printf '{"type":"kill","seq":2,"id":"%s"}\n' "${self:0:12}"
		printf '{"type":"kill","seq":3,"id":"%s"}\n' "$neighbour"
		[ -n "$x" ] && printf '{"type":"kill","seq":4,"id":"%s"}\n' "$x"
	} >"$T_TMP/in"
	timeout 60 /usr/bin/docker start -ai "$self" <"$T_TMP/in" >"$T_TMP/out" 2>"$T_TMP/err"
	rc=$?
	t_is "$rc" 0 "$name: the reaper ran inside a container and ended with 0"
	t_diag "$T_TMP/err"
	t_is "$(jq -r 'select(.seq==1) | [.ok,.error]|@csv' "$T_TMP/out")" "$REFUSED" "$name: refuses to kill its own container (full id)"
	t_is "$(jq -r 'select(.seq==2) | [.ok,.error]|@csv' "$T_TMP/out")" "$REFUSED" "$name: refuses to kill its own container (short id)"
	t_is "$(jq -r 'select(.seq==3) | [.ok,.status]|@csv' "$T_TMP/out")" "true,204" "$name: kills a managed neighbour from inside a container"
	if [ -n "$x" ]; then
		t_is "$(jq -r 'select(.seq==4) | [.ok,.status]|@csv' "$T_TMP/out")" "true,204" \
			"$name: the decoy whose network it shares is not taken for itself (killed)"
	fi
	t_is "$(docker_api GET "/containers/$self/json" | jq -r .State.ExitCode)" 0 "$name: its own container ended by itself, not by a kill"
	t_nogrep 'cannot tell' "$T_TMP/err" "$name: it could tell which container it runs in"
}

scenario plain no --network none
scenario "--network container:X" yes
scenario "--cgroupns private" no --network none --cgroupns private
scenario "--cgroupns private --network container:X" yes --cgroupns private

# When it cannot tell it says so: a private cgroup namespace (no id in the
# cgroup file) and no engine to match its upperdir with (no socket mounted).
lone=(-i --label "cull.test=$CULL_TEST_RUN" --network none --cgroupns private
      -v "$bindir:/cull:ro" -v /usr/lib:/usr/lib:ro -v /usr/lib:/lib:ro --entrypoint "/cull/${R##*/}")
[ -d /usr/lib64 ] && lone+=(-v /usr/lib64:/lib64:ro)
[ -n "${CULL_SANITIZED:-}" ] && lone+=(-e ASAN_OPTIONS=detect_leaks=0)
c=$(/usr/bin/docker create "${lone[@]}" "$img" --retry 0 2>"$T_TMP/create.err")
[ -n "$c" ] || { t_diag "$T_TMP/create.err"; t_bail "cannot create the lone reaper's container"; }
echo '{"type":"mem"}' >"$T_TMP/in"
timeout 60 /usr/bin/docker start -ai "$c" <"$T_TMP/in" >"$T_TMP/out" 2>"$T_TMP/err"
t_is "$?" 0 "no engine, private cgroupns: the reaper ran and ended with 0"
t_grep '^\{"type":"mem"\}$' "$T_TMP/out" "no engine, private cgroupns: lines still pass"
t_is "$(grep -c 'cannot tell which container it runs in' "$T_TMP/err")" 1 \
	"no engine, private cgroupns: it says once that it cannot tell"
t_grep 'refuses any container whose root is /.*/diff' "$T_TMP/err" \
	"no engine, private cgroupns: and what it does instead (compares upperdirs)"
t_done
