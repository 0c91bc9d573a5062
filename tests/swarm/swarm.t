#!/bin/bash
# tests/swarm/swarm.t - deploy/swarm.yml on a real two-node swarm on this
# machine (make test-swarm; slow, about 4 minutes; not in make test).
#
# Node 1 is the host's engine (the manager, 10.231.0.1), node 2 a second
# dockerd in its own network, UTS and mount namespaces (tests/swarm/node2.sh,
# the worker, 10.231.0.2). The cull image and the workload images are built
# here and loaded into node 2 (no registry). The stack runs an agent on each
# node, selecting this run's workload containers, keeping 1 high and 1 low.
#
#   - the global service runs one agent per node, each named after its node
#   - each node gets its own surplus (its own engine's containers) and is
#     brought back to the keep counts by its own agent: both nodes share one
#     kernel, so an agent that acted on the other engine's containers shows
#     up as a kill of the wrong host or a node below its counts
#   - the central log holds both hosts' lines, every line with its host
#   - an agent's container killed: swarm restarts it; the log shows the gap
#     and the return
#   - the logger stopped for 30 s: the agents keep killing; once it is back
#     the central log holds every line of each agent's local log
#   - docker stack rm, swarm leave, node 2 down: no container, network,
#     volume, netns or veth left (checked, not assumed)
#
# CULL_SWARM_STACK=FILE deploys another stack file (e.g. one whose agents do
# not forward, to see the central-log checks fail). Needs root, docker.io,
# and a host engine not already in a swarm (it is made a manager and left).
. "${0%/*}/../lib.sh"
TOP=$(cd "${0%/*}/../.." && pwd)
. "$TOP/tests/docker.sh"
[ -n "${CULL_SANITIZED:-}" ] && t_skip_all "the image holds the plain build"
[ "$(id -u)" -eq 0 ] || t_skip_all "needs root (netns, veth, a second dockerd)"
docker_up
[ -x /usr/bin/docker ] || t_bail "the docker CLI (docker.io) is needed for docker stack"
command -v nsenter >/dev/null && command -v unshare >/dev/null || t_bail "nsenter/unshare (util-linux) needed"

D1=unix://$DOCKER_SOCK
D2=unix:///run/cull-node2.sock
N2=$TOP/tests/swarm/node2.sh
STACK=cullsw
STACK_FILE=${CULL_SWARM_STACK:-$TOP/deploy/swarm.yml}
IMG=cull:swarm-test
RUN_LABEL=cull.test=$CULL_TEST_RUN
SPAWN=$TOP/workloads/spawn.sh
d1() { DOCKER_HOST=$D1 /usr/bin/docker "$@"; }
d2() { DOCKER_HOST=$D2 /usr/bin/docker "$@"; }

[ "$(d1 info -f '{{.Swarm.LocalNodeState}}')" = inactive ] ||
	t_bail "the host's engine is already in a swarm: this test makes it a manager and leaves, not someone else's"
[ -e /run/netns/cullsw2 ] && t_bail "netns cullsw2 exists: a run left it (tests/swarm/node2.sh down)"
gwbridge_before=$(d1 network ls -q -f name=^docker_gwbridge$)

# --- teardown: on every exit path; also done step by step (and checked) below
teardown() {
	d1 stack rm "$STACK"
	for _ in $(seq 60); do
		[ -z "$(d1 ps -aq -f label=com.docker.stack.namespace=$STACK)$(d2 ps -aq -f label=com.docker.stack.namespace=$STACK 2>/dev/null)" ] && break
		sleep 0.5
	done
	"$SPAWN" --clean --label "$RUN_LABEL" --socket "${D1#unix://}"
	"$SPAWN" --clean --label "$RUN_LABEL" --socket "${D2#unix://}"
	d1 volume rm "${STACK}_agent-log" "${STACK}_logs"
	d2 volume rm "${STACK}_agent-log" "${STACK}_logs"
	d2 swarm leave --force
	d1 swarm leave --force
	d1 network rm "${STACK}_cull"
	[ -z "$gwbridge_before" ] && d1 network rm docker_gwbridge
	"$N2" down
}
t_cleanup teardown

make_quiet() { env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$TOP" "$@" >"$T_TMP/make" 2>&1 || { cat "$T_TMP/make"; t_bail "make $* failed"; }; }
make_quiet images
make_quiet image IMAGE_TAG=swarm-test

# until_ SECONDS CMD... - CMD succeeds within SECONDS (CMD runs each time: a
# function, never a test of a value expanded once)
until_() { local n=$(($1 * 2)); shift; for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done; return 1; }

# --- two nodes, one swarm --------------------------------------------------------
"$N2" up 2>"$T_TMP/n2.err" || { t_diag "$T_TMP/n2.err"; t_bail "node 2 does not start"; }
t_is "$(d2 info -f '{{.Name}}')" cull-node2 "node 2: a second engine, its own hostname"
t_is "$(ip -n cullsw2 -br link show docker0 2>/dev/null | wc -l) $(d1 info -f '{{.DockerRootDir}}') $(d2 info -f '{{.DockerRootDir}}')" \
	"1 $(d1 info -f '{{.DockerRootDir}}') /var/lib/cull-node2" "  its bridge in its netns, its own data root"
H1=$(d1 info -f '{{.Name}}')
d1 swarm init --advertise-addr 10.231.0.1 --listen-addr 10.231.0.1:2377 \
	--default-addr-pool 10.232.0.0/16 >"$T_TMP/init" 2>&1 || { t_diag "$T_TMP/init"; t_bail "swarm init failed"; }
d2 swarm join --advertise-addr 10.231.0.2 --listen-addr 10.231.0.2:2377 \
	--token "$(d1 swarm join-token -q worker)" 10.231.0.1:2377 >"$T_TMP/join" 2>&1 || { t_diag "$T_TMP/join"; t_bail "swarm join failed"; }
nodes() { d1 node ls --format '{{.Hostname}} {{.Status}} {{.ManagerStatus}}' | sort | tr '\n' ';'; }
want_nodes=$(printf '%s\n' "cull-node2 Ready " "$H1 Ready Leader" | sort | tr '\n' ';')
nodes_ready() { [ "$(nodes)" = "$want_nodes" ]; }
until_ 30 nodes_ready
t_is "$(nodes)" "$want_nodes" \
	"a swarm of two: the host's engine the manager, node 2 a worker"
# no registry: the images reach node 2 the way a user without one would move them
d1 save "$IMG" cull-high-cpu cull-low-idle | d2 load -q >"$T_TMP/load" 2>&1
t_is "$(d2 image inspect -f '{{.Id}}' "$IMG" 2>/dev/null)" "$(d1 image inspect -f '{{.Id}}' "$IMG")" "the image loaded into node 2"

# --- the stack ---------------------------------------------------------------------
PORT=$(t_free_port)
CULL_IMAGE=$IMG CULL_SELECT=$RUN_LABEL CULL_KEEP_HIGH=1 CULL_KEEP_LOW=1 CULL_INTERVAL=1 CULL_LOGGER_PORT=$PORT \
	d1 stack deploy --resolve-image never -c "$STACK_FILE" "$STACK" >"$T_TMP/deploy" 2>&1
t_grep "Creating service ${STACK}_agent" "$T_TMP/deploy" "docker stack deploy -c ${STACK_FILE#$TOP/} $STACK"
# "NODE CONTAINER" of each running agent task, by node
agents() {
	local t
	for t in $(d1 service ps -q -f desired-state=running "${STACK}_agent"); do
		d1 inspect -f '{{if eq .Status.State "running"}}{{.NodeID}} {{.Status.ContainerStatus.ContainerID}}{{end}}' "$t"
	done | sort
}
agent_nodes() { agents | awk 'NF == 2 { print $1 }' | sort -u | wc -l; }
two_agents() { [ "$(agent_nodes)" = 2 ]; }
until_ 120 two_agents
t_is "$(agents | awk 'NF == 2' | wc -l) on $(agent_nodes) nodes" "2 on 2 nodes" "the global service runs one agent per node"
logger_up() { curl -sf --max-time 2 "http://127.0.0.1:$PORT/healthz"; }
until_ 90 logger_up
t_ok "the logger answers on its published port (host mode, the manager)" logger_up
c1=$(d1 ps -q -f label=com.docker.swarm.service.name=${STACK}_agent)
c2=$(d2 ps -q -f label=com.docker.swarm.service.name=${STACK}_agent)
t_is "$(d1 exec "$c1" cat /proc/sys/kernel/hostname) $(d2 exec "$c2" cat /proc/sys/kernel/hostname)" "$H1 cull-node2" \
	"  each agent's hostname is its node's ({{.Node.Hostname}})"
t_is "$(d2 exec "$c2" curl -s --max-time 5 --unix-socket /var/run/docker.sock http://localhost/info | jq -r .Name)" cull-node2 \
	"  node 2's agent reaches node 2's engine at /var/run/docker.sock"

# --- each node its own surplus, each agent its own engine ---------------------------
# workloads SOCK - this run's workload containers running there: "H high, L low"
workloads() {
	DOCKER_HOST=unix://$1 /usr/bin/docker ps -f "label=$RUN_LABEL" -f label=cull.spawned=true --format '{{.Label "cull.class"}}' |
		awk '{ n[$1]++ } END { printf "%d high, %d low\n", n["high"], n["low"] }'
}
spawn() { local s=$1; shift; "$SPAWN" --socket "$s" --label "$RUN_LABEL" --label cull.managed=true --memory 32 "$@" >>"$T_TMP/spawn.out" || t_bail "spawn.sh failed on $s"; }
S1=${D1#unix://} S2=${D2#unix://}
spawned() { d1 ps -aq --no-trunc -f "label=$RUN_LABEL" >"$T_TMP/ids.1"; d2 ps -aq --no-trunc -f "label=$RUN_LABEL" >"$T_TMP/ids.2"; }
spawn "$S1" -n 2 --image cull-high-cpu
spawn "$S1" -n 3 --image cull-low-idle
spawn "$S2" -n 3 --image cull-high-cpu
spawn "$S2" -n 2 --image cull-low-idle
spawned
t_is "$(wc -l <"$T_TMP/ids.1") $(wc -l <"$T_TMP/ids.2")" "5 5" "five workload containers on each node (each engine its own set)"
at_keep() { [ "$(workloads "$S1")/$(workloads "$S2")" = "1 high, 1 low/1 high, 1 low" ]; }
until_ 90 at_keep
t_is "$(workloads "$S1")" "1 high, 1 low" "node 1 brought back to its keep counts"
t_is "$(workloads "$S2")" "1 high, 1 low" "node 2 brought back to its keep counts"

# the central log: every line, by host
central() { curl -sf --max-time 10 "http://127.0.0.1:$PORT/logs?tail=1000000${1:+&host=$1}"; }
# kills HOST - the ids this host's agent killed, per the central log
kills() { jq -r --arg h "$1" 'select(.type == "killed" and .ok == true and .host == $h) | .id' "$T_TMP/central" | sort -u; }
central_has_kills() { central >"$T_TMP/central" && [ "$(kills "$H1" | wc -l)" -ge 3 ] && [ "$(kills cull-node2 | wc -l)" -ge 3 ]; }
until_ 30 central_has_kills
central >"$T_TMP/central"
t_is "$(jq -r '.host // "(none)"' "$T_TMP/central" | sort -u | tr '\n' ' ')" "$(printf '%s\n' "$H1" cull-node2 | sort | tr '\n' ' ')" \
	"the central log holds both hosts' lines, and every line has its host"
t_is "$(kills "$H1" | wc -l) $(kills cull-node2 | wc -l)" "3 3" "  three kills by each agent"
# "own foreign": kills of this node's containers, kills of any other
t_is "$(kills "$H1" | grep -cxFf "$T_TMP/ids.1") $(kills "$H1" | grep -cvxFf "$T_TMP/ids.1")" "3 0" \
	"  node 1's agent killed node 1's containers only"
t_is "$(kills cull-node2 | grep -cxFf "$T_TMP/ids.2") $(kills cull-node2 | grep -cvxFf "$T_TMP/ids.2")" "3 0" \
	"  node 2's agent killed node 2's containers only"
central cull-node2 >"$T_TMP/central.2" 2>/dev/null
t_is "$(jq -r '.host' "$T_TMP/central.2" 2>/dev/null | sort -u | tr '\n' ' ')" "cull-node2 " \
	"GET /logs?host=cull-node2: that host's lines only"
curl -sf --max-time 60 -o "$T_TMP/graph.png" "http://127.0.0.1:$PORT/graph" 2>/dev/null
t_is "$(head -c 8 "$T_TMP/graph.png" | od -An -c | tr -d ' \n')" '211PNG\r\n032\n' "GET /graph draws the central log (a PNG)"
# what gnuplot is given for the central log: a RAM line and a kill count a
# host, and "name @ host" labels (the logger in the service draws the same
# from the same code; its PNG's legend cannot be read back here)
cat >"$T_TMP/gpkeep" <<'EOS'
#!/bin/sh
cat mem.dat >"$CULL_GP_KEEP.mem"; cat high.lab low.lab other.lab >"$CULL_GP_KEEP.lab" 2>/dev/null
exec gnuplot "$@"
EOS
chmod +x "$T_TMP/gpkeep"
CULL_GNUPLOT=$T_TMP/gpkeep CULL_GP_KEEP=$T_TMP/gp "$CULL_BIN/cull-logger" plot --log "$T_TMP/central" \
	--out "$T_TMP/graphs" 2>"$T_TMP/plot.err"
t_is "$(grep '^"' "$T_TMP/gp.mem" | sort | tr '\n' '|')" "$(printf '"%s RAM used (%%)"\n' "$H1" cull-node2 | sort | tr '\n' '|')" \
	"the RAM graph has one line a host, named"
t_grep ' @ cull-node2"' "$T_TMP/gp.lab" "  the scatter names node 2's killed containers with their host"

# --- an agent killed: swarm restarts it, the log shows the gap and the return ------------
kill_ts=$(date +%s.%N)
d2 kill "$c2" >/dev/null
new_agent2() { c=$(d2 ps -q -f label=com.docker.swarm.service.name=${STACK}_agent); [ -n "$c" ] && [ "$c" != "$c2" ]; }
until_ 60 new_agent2
c2new=$(d2 ps -q -f label=com.docker.swarm.service.name=${STACK}_agent)
t_ok "node 2's agent killed: swarm starts a new one ($c2 -> $c2new)" new_agent2
# node 2's mem lines around the kill: the widest gap between two of them
# straddles the kill, and lines come again after it
back() { central >"$T_TMP/central" && jq -e -s --arg h cull-node2 --argjson k "$kill_ts" \
	'[.[] | select(.type == "mem" and .host == $h and .ts > $k + 3)] | length >= 3' "$T_TMP/central"; }
until_ 60 back
gap=$(jq -r -s --arg h cull-node2 '[.[] | select(.type == "mem" and .host == $h) | .ts] | sort |
	[range(1; length) as $i | {gap: (.[$i] - .[$i-1]), from: .[$i-1], to: .[$i]}] | max_by(.gap) | "\(.from) \(.to) \(.gap * 10 | round / 10)"' "$T_TMP/central")
read -r g_from g_to g_len <<<"$gap"
t_ok "  the central log shows the gap (${g_len}s without node 2) around the kill, and the return" \
	awk -v f="$g_from" -v t="$g_to" -v k="$kill_ts" -v l="$g_len" 'BEGIN { exit !(f <= k + 1 && t >= k && l >= 2) }'
t_ok "  and the new agent's forwarder told the central log it started again" jq -e -s --argjson k "$kill_ts" \
	'[.[] | select(.type == "forward" and .host == "cull-node2" and .event == "start" and .ts > $k)] | length >= 1' "$T_TMP/central"
t_ok "  node 1's agent went on meanwhile" jq -e -s --arg h "$H1" --argjson f "${g_from:-0}" --argjson t "${g_to:-0}" \
	'[.[] | select(.type == "mem" and .host == $h and .ts > $f and .ts < $t)] | length >= 1' "$T_TMP/central"

# --- the logger away for 30 s: the agents keep killing, nothing is lost -------------------
d1 service scale "${STACK}_logger=0" >/dev/null 2>&1
until_ 30 sh -c "! curl -sf --max-time 1 http://127.0.0.1:$PORT/healthz"
t_ok "the logger service scaled to 0" sh -c "! curl -sf --max-time 1 http://127.0.0.1:$PORT/healthz"
down_ts=$(date +%s)
spawn "$S1" -n 2 --image cull-high-cpu
spawn "$S2" -n 2 --image cull-low-idle
spawned
until_ 25 at_keep
t_is "$(workloads "$S1")/$(workloads "$S2")" "1 high, 1 low/1 high, 1 low" "  with the logger away the agents keep killing (2 more on each node)"
left=$((down_ts + 30 - $(date +%s))); [ "$left" -gt 0 ] && sleep "$left"
d1 service scale "${STACK}_logger=1" >/dev/null 2>&1
until_ 90 logger_up
t_ok "the logger back after 30 s (its volume kept the log)" logger_up
# every line of each agent's local log is in the central one (as type, ts, seq)
local_log() { "$1" exec "$2" cat /var/lib/cull/cull.log | jq -c '[.type, .ts, .seq]' | sort -u; }
caught_up() {
	central >"$T_TMP/central" || return 1
	local_log d1 "$c1" >"$T_TMP/local.1"; local_log d2 "$c2new" >"$T_TMP/local.2"
	jq -c --arg h "$H1" 'select(.host == $h) | [.type, .ts, .seq]' "$T_TMP/central" | sort -u >"$T_TMP/central.1"
	jq -c --arg h cull-node2 'select(.host == $h) | [.type, .ts, .seq]' "$T_TMP/central" | sort -u >"$T_TMP/central.2"
	[ -z "$(comm -23 "$T_TMP/local.1" "$T_TMP/central.1")$(comm -23 "$T_TMP/local.2" "$T_TMP/central.2")" ]
}
until_ 60 caught_up
# what each forwarder counts as lost for good (FILE.fwd: "cull-forward 1 dev ino off sent lost")
lost1=$(d1 exec "$c1" cat /var/lib/cull/cull.log.fwd | awk '$1 == "cull-forward" { print $7 }')
lost2=$(d2 exec "$c2new" cat /var/lib/cull/cull.log.fwd | awk '$1 == "cull-forward" { print $7 }')
for n in 1 2; do
	miss=$(comm -23 "$T_TMP/local.$n" "$T_TMP/central.$n" | wc -l)
	lost=lost$n
	t_is "$miss" "${!lost:-no .fwd}" "node $n: the central log has every line of its local log ($(wc -l <"$T_TMP/local.$n")) but the counted lost (${!lost:-?})"
	[ "$miss" = 0 ] || comm -23 "$T_TMP/local.$n" "$T_TMP/central.$n" | head -5 | sed 's/^/#   missing: /'
done
t_is "$(jq -r -s --argjson a "$down_ts" '[.[] | select(.type == "forward" and .event == "resume" and .ts > $a and .away_s >= 25) | .host] | unique | join(" ")' "$T_TMP/central")" \
	"$(printf '%s\n' "$H1" cull-node2 | sort | paste -sd' ')" "  each forwarder told the central log it was back after the outage"
t_is "$(jq -r -s --argjson a "$down_ts" --argjson b "$((down_ts + 30))" \
	'[.[] | select(.type == "killed" and .ok == true and .ts >= $a and .ts < $b) | .host] | group_by(.) | map("\(.[0]) \(length)") | join(", ")' "$T_TMP/central")" \
	"$(printf '%s\n' "$H1 2" "cull-node2 2" | sort | paste -sd, | sed 's/,/, /')" "  the kills made while it was away reached it, with their hosts"

# --- nothing left behind ------------------------------------------------------------------
d1 stack rm "$STACK" >/dev/null 2>&1
gone() { [ -z "$(d1 ps -aq -f label=com.docker.stack.namespace=$STACK)$(d2 ps -aq -f label=com.docker.stack.namespace=$STACK)" ]; }
until_ 60 gone
t_ok "docker stack rm: no task container left on either node" gone
"$SPAWN" --clean --label "$RUN_LABEL" --socket "$S1" >/dev/null
"$SPAWN" --clean --label "$RUN_LABEL" --socket "$S2" >/dev/null
for v in agent-log logs; do d1 volume rm "${STACK}_$v" >/dev/null 2>&1; d2 volume rm "${STACK}_$v" >/dev/null 2>&1; done
t_is "$(d1 volume ls -q -f name=${STACK}_ | wc -l) $(d2 volume ls -q -f name=${STACK}_ | wc -l)" "0 0" "  the stack's volumes removed on both nodes"
d2 swarm leave --force >/dev/null 2>&1
d1 swarm leave --force >/dev/null 2>&1
t_is "$(d1 info -f '{{.Swarm.LocalNodeState}}') $(d2 info -f '{{.Swarm.LocalNodeState}}')" "inactive inactive" "both nodes left the swarm"
d1 network rm "${STACK}_cull" >/dev/null 2>&1
[ -z "$gwbridge_before" ] && d1 network rm docker_gwbridge >/dev/null 2>&1
"$N2" down
t_is "$(d1 network ls -q -f name=${STACK}_ | wc -l) $(d1 network ls -q -f name=^ingress$ | wc -l) $(d1 network ls -q -f name=^docker_gwbridge$ | wc -l)" \
	"0 0 $([ -n "$gwbridge_before" ] && echo 1 || echo 0)" "no stack, ingress or gateway network left on the host"
t_is "$(d1 ps -aq -f "label=$RUN_LABEL" | wc -l) $(d1 ps -aq -f label=com.docker.stack.namespace=$STACK | wc -l)" "0 0" \
	"no container of this run left on the host"
t_is "$(ip netns list | grep -c '^cullsw2\b'; ip -br link show cullsw0 2>/dev/null | wc -l)" "$(printf '0\n0')" "no netns, no veth left"
t_is "$(pgrep -fc -- '--exec-root /run/cull-node2'; [ -e /run/cull-node2.sock ] && echo sock; [ -d /var/lib/cull-node2 ] && echo data)" "0" \
	"node 2's dockerd stopped, its socket and data root gone"
t_done
