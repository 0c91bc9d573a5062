#!/bin/sh
# engine.sh - make sure a Docker engine answers, for `make images` and
# `make run`. When none answers on the socket and we are root, start dockerd
# in the background (its log in LOGDIR/dockerd.log, default out/), say so,
# and leave it running: the containers it runs outlive this script.
#
#   workloads/engine.sh [LOGDIR]
#
# Exit status: 0 an engine answers, 1 none does and none could be started.
set -u
sock=/var/run/docker.sock
case ${DOCKER_HOST:-} in unix://*) sock=${DOCKER_HOST#unix://} ;; esac
ping() { [ "$(curl -s --max-time 2 --unix-socket "$sock" http://localhost/_ping 2>/dev/null)" = OK ]; }

ping && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "engine.sh: no Docker engine answers on $sock, and only root can start dockerd" >&2
	exit 1
fi
command -v dockerd >/dev/null || { echo "engine.sh: dockerd is not installed (make deps)" >&2; exit 1; }
logdir=${1:-out}
mkdir -p "$logdir"
echo "engine.sh: no Docker engine answered on $sock: starting dockerd (log: $logdir/dockerd.log); it keeps running afterwards" >&2
setsid dockerd >>"$logdir/dockerd.log" 2>&1 </dev/null &
pid=$!
i=0
while [ $i -lt 150 ]; do
	ping && { echo "engine.sh: dockerd (pid $pid) answers" >&2; exit 0; }
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.2; i=$((i + 1))
done
echo "engine.sh: dockerd did not come up; the end of $logdir/dockerd.log:" >&2
tail -n 15 "$logdir/dockerd.log" >&2
exit 1
