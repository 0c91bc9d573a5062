#!/bin/bash
# tests/swarm/node2.sh up|down|status - a second Docker node on this machine.
#
# Node 2 is a second dockerd with its own everything that matters to a swarm:
#
#   network   the netns $CULL_N2_NETNS (default cullsw2), joined to the host by a
#             veth pair: $CULL_N2_VETH (default cullsw0) 10.231.0.1/24 on the
#             host, eth-n2 10.231.0.2/24 inside; its bridges (docker0,
#             docker_gwbridge) live in that netns and never touch the host's
#   hostname  its own UTS namespace, hostname $CULL_N2_HOSTNAME (default
#             cull-node2), so {{.Node.Hostname}} and the agents' "host" differ
#   mounts    its own mount namespace, in which /var/run/docker.sock is bind-
#             mounted from node 2's socket: a task on node 2 that mounts
#             /var/run/docker.sock reaches node 2's engine, not the host's
#   state     --data-root, --exec-root, --pidfile under $CULL_N2_DIR (default
#             /var/lib/cull-node2 and /run/cull-node2)
#   socket    unix:///run/cull-node2.sock (DOCKER_HOST for the CLI)
#
# Both nodes share one kernel (one /proc, one cgroup tree): what keeps each
# agent to its own containers is the ranker's rule that a container its
# engine does not list is never a candidate.
#
# Why nsenter and not "ip netns exec": the latter remounts /sys, which hides
# the cgroup mounts from dockerd ("Devices cgroup isn't mounted").
#
# up: start it and wait until it answers /_ping (exit 1 if it does not, with
# its log on stderr). down: stop it and remove the netns, the veth, the state
# directories; safe to run when nothing is up. status: exit 0 when it answers.
set -u
NETNS=${CULL_N2_NETNS:-cullsw2}
VETH=${CULL_N2_VETH:-cullsw0}
HOSTNAME2=${CULL_N2_HOSTNAME:-cull-node2}
DATA=${CULL_N2_DIR:-/var/lib/cull-node2}
EXEC=/run/cull-node2
SOCK=/run/cull-node2.sock
HOST_IP=10.231.0.1 NODE_IP=10.231.0.2
prog=node2.sh
die() { echo "$prog: $*" >&2; exit 1; }

ping2() { [ "$(curl -s --max-time 2 --unix-socket "$SOCK" http://localhost/_ping 2>/dev/null)" = OK ]; }

up() {
	[ "$(id -u)" -eq 0 ] || die "needs root (netns, veth, dockerd)"
	ping2 && { echo "$prog: node 2 already answers on $SOCK" >&2; return 0; }
	mkdir -p "$DATA" "$EXEC"
	ip netns add "$NETNS" || die "cannot add netns $NETNS"
	ip link add "$VETH" type veth peer name eth-n2 || die "cannot add veth $VETH"
	ip link set eth-n2 netns "$NETNS"
	ip addr add "$HOST_IP/24" dev "$VETH"
	ip link set "$VETH" up
	ip -n "$NETNS" addr add "$NODE_IP/24" dev eth-n2
	ip -n "$NETNS" link set eth-n2 up
	ip -n "$NETNS" link set lo up
	ip -n "$NETNS" route add default via "$HOST_IP"
	# The wrapper runs in the new UTS and mount namespaces: it names the
	# node, starts dockerd, and once the socket exists binds it over
	# /run/docker.sock (= /var/run/docker.sock) in this mount namespace
	# only; containerd and runc, dockerd's children, share the namespace.
	nsenter --net="/run/netns/$NETNS" unshare --uts --mount --propagation private \
		bash -c '
		hostname "$1"
		dockerd --data-root "$2" --exec-root "$3" --pidfile "$3/dockerd.pid" \
			-H "unix://$4" --iptables=true >"$2/dockerd.log" 2>&1 &
		d=$!
		for _ in $(seq 300); do [ -S "$4" ] && break; sleep 0.1; done
		mount --bind "$4" /run/docker.sock
		trap "kill -TERM $d" TERM INT
		wait $d; wait $d' node2 "$HOSTNAME2" "$DATA" "$EXEC" "$SOCK" \
		</dev/null >/dev/null 2>"$EXEC.wrapper.err" &
	echo $! >"$EXEC.wrapper.pid"
	for _ in $(seq 300); do ping2 && return 0; sleep 0.2; done
	echo "$prog: node 2's dockerd did not answer on $SOCK:" >&2
	tail -n 30 "$DATA/dockerd.log" "$EXEC.wrapper.err" >&2
	return 1
}

down() {
	local p _
	if [ -s "$EXEC/dockerd.pid" ]; then
		p=$(cat "$EXEC/dockerd.pid")
		kill -TERM "$p" 2>/dev/null
		for _ in $(seq 150); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$p" 2>/dev/null
	fi
	if [ -s "$EXEC.wrapper.pid" ]; then
		p=$(cat "$EXEC.wrapper.pid")
		kill -TERM "$p" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	fi
	# a container's shim left behind outlives dockerd: end those of node 2
	for p in $(pgrep -f "containerd-shim.*-address $EXEC/" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	ip link del "$VETH" 2>/dev/null
	ip netns del "$NETNS" 2>/dev/null
	# overlay mounts of node 2's containers live in its (now gone) mount
	# namespace; what is left on disk is plain files
	rm -rf "$DATA" "$EXEC" "$EXEC.wrapper.pid" "$EXEC.wrapper.err" "$SOCK"
	return 0
}

case ${1:-} in
up) up ;;
down) down ;;
status) ping2 ;;
*) echo "usage: tests/swarm/node2.sh up|down|status" >&2; exit 2 ;;
esac
