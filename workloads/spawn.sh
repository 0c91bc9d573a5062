#!/bin/bash
# spawn.sh - start workload containers for cull to manage.
#
#   workloads/spawn.sh [-n N] [--every SECONDS] [--seed S] [--image IMAGE]...
#                      [--label KEY=VALUE]... [--network MODE] [--memory MIB]
#                      [--socket PATH]
#   workloads/spawn.sh --clean [--label KEY=VALUE]... [--socket PATH]
#
# Starts N containers (default 10), each from an image chosen at random among
# the four workload images (or the --image ones), named cull-<class>-<6 hex>,
# where <class> is the image's cull.class label. With --every it starts N more
# every SECONDS until SIGTERM or SIGINT (the original design's cron loop), and
# before each round removes the exited containers it started earlier, so a long
# run does not pile them up. --seed makes the choice of images repeatable (the
# names stay random, so a second run never collides with the first).
#
# Every container gets the label cull.spawned=true plus the --label ones, a
# memory limit (--memory, default 256 MiB: the host is shared), and the
# network MODE (default none, the engine's default network for cull-low-http,
# none again when the engine cannot attach that). --clean force-removes
# every container labelled cull.spawned=true (and the --label ones) and exits.
#
# It talks to the Docker Engine API on its unix socket with curl; every value
# goes into JSON through jq --arg and every id that comes back is checked to be
# 64 hex digits: nothing from the engine is ever evaluated by the shell.
#
# Prints one line per container started (or removed) on stdout. Exit status:
# 0 done (or stopped by a signal), 1 the engine failed or an image is missing,
# 2 usage error.
set -u
prog=spawn.sh
usage="usage: workloads/spawn.sh [-n N] [--every SECONDS] [--seed S] [--image IMAGE]...
                          [--label KEY=VALUE]... [--network MODE] [--memory MIB]
                          [--socket PATH]
       workloads/spawn.sh --clean [--label KEY=VALUE]... [--socket PATH]"

n=10 every="" seed="" network="" memory=256 clean=0
sock=/var/run/docker.sock
case ${DOCKER_HOST:-} in unix://*) sock=${DOCKER_HOST#unix://} ;; esac
images=() labels=()

die() { echo "$prog: $*" >&2; exit 1; }
bad() { echo "$prog: $*" >&2; echo "$usage" >&2; exit 2; }
need() { [ $# -ge 2 ] || bad "$1 needs a value"; }
posint() { [[ $2 =~ ^[0-9]{1,9}$ ]] && [ "$2" -ge "${3:-1}" ] || bad "$1: \"$2\" is not a whole number >= ${3:-1}"; }

while [ $# -gt 0 ]; do
	case $1 in
	-n) need "$@"; posint -n "$2"; n=$2; shift 2 ;;
	--every) need "$@"; posint --every "$2"; every=$2; shift 2 ;;
	--seed) need "$@"; posint --seed "$2" 0; seed=$2; shift 2 ;;
	--image) need "$@"; [[ $2 =~ ^[a-zA-Z0-9][a-zA-Z0-9_./:-]*$ ]] || bad "--image: \"$2\" is not an image name"
		images+=("$2"); shift 2 ;;
	--label) need "$@"; [[ $2 =~ ^[a-zA-Z0-9._-]+=.*$ ]] || bad "--label: \"$2\" is not KEY=VALUE"
		labels+=("$2"); shift 2 ;;
	--network) need "$@"; [[ $2 =~ ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$ ]] || bad "--network: \"$2\" is not a network mode"
		network=$2; shift 2 ;;
	--memory) need "$@"; posint --memory "$2" 6; memory=$2; shift 2 ;;
	--socket) need "$@"; sock=$2; shift 2 ;;
	--clean) clean=1; shift ;;
	-h|--help) sed -n '2,/^set -u/{/^set -u/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*) bad "unknown option \"$1\"" ;;
	esac
done
command -v curl >/dev/null && command -v jq >/dev/null || die "needs curl and jq (make deps)"
[ ${#images[@]} -gt 0 ] || images=(cull-high-cpu cull-high-mem cull-low-http cull-low-idle)

# api METHOD PATH [JSON] - the answer's body on stdout, "HTTP status" on the
# last line; fails when the engine does not answer at all.
api() {
	local args=(-sS --max-time 30 --unix-socket "$sock" -X "$1" -w '\n%{http_code}')
	[ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
	curl "${args[@]}" "http://localhost/v1.41$2"
}
# split api output: $body and $status
call() {
	local out
	out=$(api "$@") || return 1
	status=${out##*$'\n'}
	body=${out%$'\n'*}
	[ "$status" = "$out" ] && body=""
	return 0
}

# The label filter, as the engine's filters= query (URI-encoded JSON).
filters() {	# filters [STATUS]
	jq -rn --arg st "${1:-}" '$ARGS.positional | {label: (["cull.spawned=true"] + .)}
		+ (if $st == "" then {} else {status: [$st]} end) | tojson | @uri' --args -- "${labels[@]}"
}

# remove [STATUS] - force-remove our containers (in that state).
remove() {
	local id name
	call GET "/containers/json?all=true&filters=$(filters "${1:-}")" || { echo "$prog: the engine does not answer on $sock" >&2; return 1; }
	[ "$status" = 200 ] || { echo "$prog: listing containers: HTTP $status: $body" >&2; return 1; }
	while IFS=$'\t' read -r id name; do
		[[ $id =~ ^[0-9a-f]{64}$ ]] || continue
		call DELETE "/containers/$id?force=true" || return 1
		case $status in
		204|404) printf 'removed %s %s\n' "${name#/}" "${id:0:12}" ;;
		*) echo "$prog: removing ${id:0:12}: HTTP $status: $body" >&2 ;;
		esac
	done < <(jq -r '.[] | [.Id, (.Names[0] // "")] | @tsv' <<<"$body")
}

if [ "$clean" = 1 ]; then
	remove; exit
fi

# The class of each image, from its cull.class label; a missing image is an
# error now rather than a failure every round.
classes=()
for img in "${images[@]}"; do
	call GET "/images/$(jq -rn --arg i "$img" '$i|@uri')/json" || die "the engine does not answer on $sock"
	[ "$status" = 200 ] || die "image $img: HTTP $status (build the workload images with: make images)"
	c=$(jq -r '.Config.Labels["cull.class"] // "x"' <<<"$body")
	[[ $c =~ ^[a-z0-9]{1,16}$ ]] || c=x
	classes+=("$c")
done

[ -n "$seed" ] && RANDOM=$seed

# The network: --network MODE for all, else none (faster to kill, and all a
# workload needs) except for cull-low-http, which gets the engine's default
# network, falling back to none (once said) where the engine cannot give one.
net_for() {
	if [ -n "$network" ]; then echo "$network"
	elif [ "$1" = cull-low-http ] && [ "$bridge_ok" = 1 ]; then echo ""
	else echo none; fi
}
bridge_ok=1

# start IMAGE CLASS - create and start one container; prints a line.
start() {
	local img=$1 class=$2 suffix name spec id net
	suffix=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
	name="cull-$class-$suffix"
	net=$(net_for "$img")
	spec=$(jq -cn --arg img "$img" --arg net "$net" --argjson mem $((memory << 20)) '
		{Image: $img,
		 Labels: ({"cull.spawned": "true"} + ($ARGS.positional | map(capture("^(?<k>[^=]+)=(?<v>.*)$") | {(.k): .v}) | add // {})),
		 HostConfig: ({Memory: $mem, MemorySwap: $mem} + (if $net == "" then {} else {NetworkMode: $net} end))}' \
		--args -- "${labels[@]}")
	call POST "/containers/create?name=$name" "$spec" || { echo "$prog: the engine does not answer on $sock" >&2; return 1; }
	[ "$status" = 201 ] || { echo "$prog: creating $name: HTTP $status: $(jq -r '.message // .' <<<"$body" 2>/dev/null)" >&2; return 1; }
	id=$(jq -r '.Id // ""' <<<"$body")
	[[ $id =~ ^[0-9a-f]{64}$ ]] || { echo "$prog: creating $name: no id in the answer" >&2; return 1; }
	call POST "/containers/$id/start" || { echo "$prog: the engine does not answer on $sock" >&2; return 1; }
	case $status in
	204|304) printf 'started %s %s %s\n' "$name" "$img" "${id:0:12}" ;;
	*) local msg
	   msg=$(jq -r '.message // .' <<<"$body" 2>/dev/null)
	   api DELETE "/containers/$id?force=true" >/dev/null
	   if [ -z "$net" ] && [ -z "$network" ]; then
		echo "$prog: the engine cannot attach its default network ($msg); using --network none" >&2
		bridge_ok=0
		start "$img" "$class"; return
	   fi
	   echo "$prog: starting $name: HTTP $status: $msg" >&2
	   return 1 ;;
	esac
}

round() {
	local i k rc=0
	for ((i = 0; i < n; i++)); do
		k=$((RANDOM % ${#images[@]}))
		start "${images[k]}" "${classes[k]}" || rc=1
	done
	return $rc
}

if [ -z "$every" ]; then
	round; exit
fi
sleeper=""
trap '[ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null; exit 0' TERM INT
while :; do
	remove exited >/dev/null
	round
	sleep "$every" & sleeper=$!
	wait "$sleeper"; sleeper=""
done
