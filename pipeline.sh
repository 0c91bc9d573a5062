#!/bin/bash
# pipeline.sh - run cull: read, rank, reap, log.
#
#   ./pipeline.sh [--interval S] [--keep-high N] [--keep-low M] [--sort-by KEY]
#                 [--dry-run] [--spawn] [--duration S] [--out DIR] [--log FILE]
#                 [--listen ADDR | --no-http] [--select KEY=VALUE] [--quiet]
#
# Wires the four stages through FIFOs in a private run directory (mktemp -d):
#
#   cull-reader > snap | cull-ranker > kills | cull-reaper > log.fifo
#   cull-logger --fifo log.fifo --log out/cull.log --plots out/
#   cull-logger serve --listen 127.0.0.1:8000   (GET /graph, POST /logs, ...)
#   workloads/spawn.sh -n 10 --every 60         (with --spawn)
#
# Each stage is a child of this script in its own process group, so Ctrl-C
# reaches only this script, which then stops things in order: the spawner and
# the reader first, then waits for the ranker and the reaper to drain what is
# in flight, then has the logger flush and draw its graphs into --out, prints a
# summary, removes the run directory and its FIFOs, and leaves no process
# behind. The same happens on SIGTERM, SIGHUP and when --duration runs out.
#
# A stage that ends on its own is named with its exit status (128+N for a
# death by signal N); the rest are stopped the same way and the pipeline exits
# 1. Stages come from bin/ beside this script (built with make when a source
# changed), or from $CULL_READER, $CULL_RANKER, $CULL_REAPER, $CULL_LOGGER.
#
# Exit status: 0 stopped as asked; 1 a stage failed, or something it needs is
# missing; 2 usage error.
set -u
prog=pipeline.sh
top=$(cd "$(dirname "$0")" && pwd)
usage="usage: ./pipeline.sh [--interval S] [--keep-high N] [--keep-low M] [--sort-by ram|cpu|vsz|rss]
                     [--dry-run] [--spawn] [--duration S] [--out DIR] [--log FILE]
                     [--listen ADDR | --no-http] [--select KEY=VALUE] [--quiet]"
help="$usage

Run cull: cull-reader | cull-ranker | cull-reaper into cull-logger, through
FIFOs in a private run directory. Ctrl-C, SIGTERM or --duration stop it
cleanly: reader first, the rest drain, graphs drawn, summary printed.

  --interval S     seconds between snapshots (default 1)
  --keep-high N    high-consumption containers to keep (default 2)
  --keep-low M     low-consumption containers to keep (default 3)
  --sort-by KEY    who is heaviest: ram, cpu, vsz or rss (default ram)
  --dry-run        the reaper checks and reports, kills nothing
  --spawn          start 10 workload containers now and every minute
                   (labelled K=V too with --select)
  --duration S     stop after S seconds (default 0: until Ctrl-C)
  --out DIR        where the log and the graphs go (default out)
  --log FILE       the NDJSON log, appended to (default DIR/cull.log)
  --listen ADDR    the logger's HTTP service (default 127.0.0.1:8000)
  --no-http        no HTTP service
  --select K=V     only containers labelled K=V take part (a jq filter
                   between reader and ranker; others are not even ranked)
  -q, --quiet      no tables and no per-record lines on the terminal

EXIT STATUS: 0 stopped as asked; 1 a stage failed or something is missing;
2 bad usage."

exec 3>&2	# our messages; stderr itself is muted once the stages run
say() { echo "$prog: $*" >&3; }
bad() { say "$*"; echo "$usage" >&2; exit 2; }
need() { [ $# -ge 2 ] || bad "$1 needs a value"; }
number() { [[ $2 =~ ^[0-9]+(\.[0-9]+)?$ ]] || bad "$1: \"$2\" is not a number"; }
whole() { [[ $2 =~ ^[0-9]{1,9}$ ]] || bad "$1: \"$2\" is not a whole number"; }

interval=1 keep_high=2 keep_low=3 sort_by=ram dry_run=0 spawn=0 duration=0
out=out log="" listen=127.0.0.1:8000 select="" quiet=0
while [ $# -gt 0 ]; do
	case $1 in
	--interval) need "$@"; number "$1" "$2"; [[ $2 =~ ^0*(\.0*)?$ ]] && bad "--interval: must be more than 0"
		interval=$2; shift 2 ;;
	--keep-high) need "$@"; whole "$1" "$2"; keep_high=$2; shift 2 ;;
	--keep-low) need "$@"; whole "$1" "$2"; keep_low=$2; shift 2 ;;
	--sort-by) need "$@"; case $2 in ram|cpu|vsz|rss) ;; *) bad "--sort-by: \"$2\" is not ram, cpu, vsz or rss" ;; esac
		sort_by=$2; shift 2 ;;
	--dry-run) dry_run=1; shift ;;
	--spawn) spawn=1; shift ;;
	--duration) need "$@"; number "$1" "$2"; duration=$2; shift 2 ;;
	--out) need "$@"; [ -n "$2" ] || bad "--out: empty"; out=$2; shift 2 ;;
	--log) need "$@"; [ -n "$2" ] || bad "--log: empty"; log=$2; shift 2 ;;
	--listen) need "$@"; [[ $2 =~ ^[A-Za-z0-9.-]+:[0-9]{1,5}$ ]] || bad "--listen: \"$2\" is not HOST:PORT (a name or an IPv4 address)"
		listen=$2; shift 2 ;;
	--no-http) listen=""; shift ;;
	--select) need "$@"; [[ $2 =~ ^[^=]+=.*$ ]] || bad "--select: \"$2\" is not KEY=VALUE"; select=$2; shift 2 ;;
	-q|--quiet) quiet=1; shift ;;
	-h|--help) echo "$help"; exit 0 ;;
	*) bad "unknown option \"$1\"" ;;
	esac
done
[ -n "$log" ] || log=$out/cull.log

# --- what it needs -------------------------------------------------------
# Build when the stages come from this tree (make is quiet when nothing
# changed), then check every program and the engine, and say all that is
# missing at once.
bin=${CULL_BIN:-$top/bin}
if [ -z "${CULL_BIN:-}" ] && [ -f "$top/Makefile" ] && command -v make >/dev/null; then
	make -s -C "$top" all >&2 || { say "the build failed (make -C $top)"; exit 1; }
fi
reader=${CULL_READER:-$bin/cull-reader}
ranker=${CULL_RANKER:-$bin/cull-ranker}
reaper=${CULL_REAPER:-$bin/cull-reaper}
logger=${CULL_LOGGER:-$bin/cull-logger}
missing=()
for p in "$reader" "$ranker" "$reaper" "$logger"; do
	[ -x "$p" ] || missing+=("$p (make)")
done
for p in curl jq socat gnuplot; do
	command -v "$p" >/dev/null || missing+=("$p (make deps)")
done
sock=/var/run/docker.sock
case ${DOCKER_HOST:-} in unix://*) sock=${DOCKER_HOST#unix://} ;; esac
if command -v curl >/dev/null &&
   [ "$(curl -s --max-time 3 --unix-socket "$sock" http://localhost/_ping 2>/dev/null)" != OK ]; then
	missing+=("a Docker engine answering on $sock (start dockerd; make run does)")
fi
if [ ${#missing[@]} -gt 0 ]; then
	say "cannot start; missing:"
	printf '  %s\n' "${missing[@]}" >&2
	exit 1
fi
if [ -r /proc/cull_sysinfo ]; then
	source=kmod; say "source: kmod (/proc/cull_sysinfo, the kernel module's report)"
else
	source=procfs; say "source: procfs (no /proc/cull_sysinfo: the kernel module is not loaded)"
fi
mkdir -p "$out" "$(dirname "$log")" || exit 1
touch "$log" || exit 1
log_start=$(stat -c %s "$log")

# --- the run directory and the stages ---------------------------------------
run=$(mktemp -d "${TMPDIR:-/tmp}/cull-run.XXXXXX") || exit 1
mkfifo "$run/snap" "$run/kills" "$run/log.fifo" || exit 1
[ -n "$select" ] && { mkfifo "$run/raw" || exit 1; }

declare -A name_of=()	# pid -> what it is, for messages
# From here on a signal only sets $stop: the stop below is done in order.
# Whatever happens, the run directory goes and no process group of ours stays.
stop=""
trap 'stop=SIGINT' INT
trap 'stop=SIGTERM' TERM
trap 'stop=SIGHUP' HUP
# alive_in_group PGID - a process that is not a zombie is in the group
alive_in_group() { ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { f = 1 } END { exit !f }'; }
leftovers() {
	local pid t
	for pid in "${!name_of[@]}"; do
		# a group's last orphans may take a moment to be reaped
		for ((t = 0; t < 20; t++)); do
			alive_in_group "$pid" || break
			sleep 0.1
		done
		if alive_in_group "$pid"; then
			say "processes of ${name_of[$pid]} (group $pid) were still there: killed"
			kill -KILL -- "-$pid" 2>/dev/null; failed=1
		fi
	done
	[ -s "$run/sh.err" ] && grep -Ev '^[^:]*: line [0-9]+: +[0-9]+ [A-Z]' "$run/sh.err" >&3
	rm -rf "$run"
}
failed=0
trap 'leftovers' EXIT
stages=()		# pids of the data path, upstream first
reader_pid="" spawner_pid="" serve_pid="" logger_pid="" timer_pid=""

# start NAME IN OUT CMD... - CMD in the background in its own process group
# (set -m), stdin from IN, stdout to OUT (- for stderr); the redirections happen in the
# child, so opening a FIFO never blocks this script.
start() {
	local what=$1 in=$2 outf=$3
	shift 3
	set -m
	if [ "$outf" = - ]; then
		"$@" <"$in" >&2 &	# our stderr itself: /dev/stderr would be a new offset
	else
		"$@" <"$in" >"$outf" &
	fi
	set +m
	name_of[$!]=$what
	last=$!
}

ranker_v=(-v); logger_q=()
[ "$quiet" = 1 ] && { ranker_v=(); logger_q=(--quiet); }
reaper_args=(); [ "$dry_run" = 1 ] && reaper_args+=(--dry-run)

start cull-logger /dev/null /dev/null "$logger" --fifo "$run/log.fifo" --log "$log" --plots "$out" "${logger_q[@]}"
logger_pid=$last
if [ -n "$listen" ]; then
	start "cull-logger serve" /dev/null /dev/null "$logger" serve --listen "$listen" --log "$log"
	serve_pid=$last
fi
start cull-reaper "$run/kills" "$run/log.fifo" "$reaper" "${reaper_args[@]}"
stages=("$last")
start cull-ranker "$run/snap" "$run/kills" "$ranker" --keep-high "$keep_high" --keep-low "$keep_low" \
	--sort-by "$sort_by" "${ranker_v[@]}"
stages=("$last" "${stages[@]}")
if [ -n "$select" ]; then
	# Keep the containers labelled K=V and their processes; without labels
	# in a snapshot (no engine) nothing is known to match, so nothing is kept.
	start "select (jq)" "$run/raw" "$run/snap" jq -c --unbuffered \
		--arg k "${select%%=*}" --arg v "${select#*=}" '
		if .type == "snapshot" then
			(.containers // {} | with_entries(select(.value.labels[$k] == $v))) as $keep
			| .procs |= map(select(.container as $c | $keep | has($c)))
			| if has("containers") then .containers = $keep else . end
		else . end'
	stages=("$last" "${stages[@]}")
	reader_out=$run/raw
else
	reader_out=$run/snap
fi
start cull-reader /dev/null "$reader_out" "$reader" --source "$source" --interval "$interval"
reader_pid=$last
stages=("$last" "${stages[@]}")
if [ "$spawn" = 1 ]; then
	spawn_args=(-n 10 --every 60)
	[ -n "$select" ] && spawn_args+=(--label "$select")	# so that they take part
	start spawn.sh /dev/null - "$top/workloads/spawn.sh" "${spawn_args[@]}"
	spawner_pid=$last
fi
if [ "$duration" != 0 ]; then
	start timer /dev/null /dev/null sleep "$duration"
	timer_pid=$last
fi
watched=("${stages[@]}" "$logger_pid" ${serve_pid:+"$serve_pid"} ${spawner_pid:+"$spawner_pid"} ${timer_pid:+"$timer_pid"})
say "running: ${#stages[@]} stages through $run; log $log${listen:+; http://$listen/graph}"

# explain STATUS - "status 137 (SIGKILL)"
explain() {
	if [ "$1" -gt 128 ] && [ "$1" -lt 160 ]; then
		echo "status $1 ($(kill -l "$1" 2>/dev/null | sed 's/^/SIG/'))"
	else
		echo "status $1"
	fi
}

if [ -n "$serve_pid" ]; then
	for _ in $(seq 30); do
		curl -sf --max-time 1 "http://$listen/healthz" >/dev/null 2>&1 && break
		kill -0 "$serve_pid" 2>/dev/null || break
		sleep 0.1
	done
fi

# --- wait for a signal, the timer, or something ending on its own ------------
# bash would add its own "Killed" line for a stage it reaps: we name it
# better. Its other complaints are shown at the end.
exec 2>"$run/sh.err"
declare -A status_of=() reported=()
while [ -z "$stop" ]; do
	ended=""
	wait -n -p ended "${watched[@]}" 2>/dev/null
	rc=$?
	[ -n "${ended:-}" ] || continue	# a signal (bash unsets $ended): the trap set $stop
	status_of[$ended]=$rc
	if [ "$ended" = "$timer_pid" ]; then
		timer_pid=""; stop="the --duration of $duration s"
		break
	fi
	# Its neighbours follow it down (EOF, EPIPE) a moment later, and the one
	# reaped first need not be the cause: name what failed, else the first.
	sleep 0.5
	for pid in "${watched[@]}"; do
		[ -n "${status_of[$pid]+x}" ] || kill -0 "$pid" 2>/dev/null && continue
		wait "$pid" 2>/dev/null; status_of[$pid]=$?
	done
	culprits=()
	for pid in "${watched[@]}"; do
		[ "$pid" != "$timer_pid" ] && [ "${status_of[$pid]:-0}" != 0 ] && culprits+=("$pid")
	done
	[ ${#culprits[@]} -gt 0 ] || culprits=("$ended")
	for pid in "${culprits[@]}"; do
		say "${name_of[$pid]} (pid $pid) ended on its own with $(explain "${status_of[$pid]}")"
		reported[$pid]=1
	done
	failed=1; stop="a failure"
	break
done
[ -n "$timer_pid" ] && kill "$timer_pid" 2>/dev/null

# --- stop in order -----------------------------------------------------------
say "stopping ($stop)"
running() { [ -z "${status_of[$1]+x}" ]; }
# reap PID SECONDS - wait up to SECONDS for PID to end; its status in status_of
reap() {
	local pid=$1 t=$(( $2 * 10 ))
	while running "$pid"; do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null; status_of[$pid]=$?
			return 0
		fi
		[ "$t" -gt 0 ] || return 1
		sleep 0.1; t=$((t - 1))
	done
	return 0
}
# halt PID SIG SECONDS - signal its process group, wait; then SIGKILL
halt() {
	local pid=$1 sig=$2 secs=$3
	running "$pid" || return 0
	kill "-$sig" -- "-$pid" 2>/dev/null || kill "-$sig" "$pid" 2>/dev/null
	reap "$pid" "$secs" && return 0
	say "${name_of[$pid]} (pid $pid) did not end within $secs s of SIG$sig: killing it"
	kill -KILL -- "-$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	status_of[$pid]=137; reported[$pid]=1; failed=1
}
[ -n "$spawner_pid" ] && halt "$spawner_pid" TERM 35
halt "$reader_pid" TERM 5
# The rest of the data path ends on its own once its input closes.
for pid in "${stages[@]}"; do
	[ "$pid" = "$reader_pid" ] && continue
	reap "$pid" 10 || halt "$pid" TERM 5
done
halt "$logger_pid" TERM 60
[ -n "$serve_pid" ] && halt "$serve_pid" TERM 5

# Name every other part that failed, even as a consequence of the first
# failure, so nothing is hidden. The spawner and socat may end by our SIGTERM.
for pid in "${stages[@]}" "$logger_pid" ${serve_pid:+"$serve_pid"} ${spawner_pid:+"$spawner_pid"}; do
	rc=${status_of[$pid]:-0}
	[ -n "${reported[$pid]+x}" ] || [ "$rc" = 0 ] && continue
	[ "$rc" = 143 ] && { [ "$pid" = "$serve_pid" ] || [ "$pid" = "$spawner_pid" ]; } && continue
	say "${name_of[$pid]} ended with $(explain "$rc")"
	failed=1
done

# --- summary -------------------------------------------------------------------
summary=$(tail -c +"$((log_start + 1))" "$log" | jq -rn '
	reduce (inputs | objects) as $l ({snap: 0, high: 0, low: 0, other: 0, failed: 0, would: 0};
		if $l.type == "mem" then .snap += 1
		elif $l.type == "killed" then
			if $l.ok == true and ($l.dry_run // false) then .would += 1
			elif $l.ok == true then
				(if $l.class == "high" then .high += 1 elif $l.class == "low" then .low += 1 else .other += 1 end)
			else .failed += 1 end
		else . end)
	| "\(.snap) snapshots; killed \(.high) high, \(.low) low" +
	  (if .other > 0 then ", \(.other) unclassed" else "" end) +
	  "; \(.failed) kills failed" + (if .would > 0 then "; \(.would) dry-run" else "" end)' 2>/dev/null)
echo "cull: ${summary:-the log could not be read}"
echo "cull: log $log"
graphs=""
for g in ram_usage.png vsz_rss.png; do [ -s "$out/$g" ] && graphs="$graphs $out/$g"; done
echo "cull: graphs${graphs:- none drawn}"

leftovers
trap - EXIT
exit "$failed"
