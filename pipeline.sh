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
prog=${0##*/}
top=$(cd "$(dirname "$0")" && pwd)
shown=$prog; [ "$prog" = pipeline.sh ] && shown=./pipeline.sh
usage="usage: $shown [--interval S] [--keep-high N] [--keep-low M] [--sort-by ram|cpu|vsz|rss|ws]
                     [--dry-run] [--spawn] [--duration S] [--out DIR] [--log FILE]
                     [--listen ADDR | --no-http] [--select KEY=VALUE] [--quiet]
                     [--source auto|kmod|procfs] [--proc-root DIR] [--plot-every S]
                     [--forward URL [--host NAME]] [--config FILE] [--service]"
help="$usage

Run cull: cull-reader | cull-ranker | cull-reaper into cull-logger, through
FIFOs in a private run directory. Ctrl-C, SIGTERM or --duration stop it
cleanly: reader first, the rest drain, graphs drawn, summary printed.

  --interval S     seconds between snapshots (default 1)
  --keep-high N    high-consumption containers to keep (default 2)
  --keep-low M     low-consumption containers to keep (default 3)
  --sort-by KEY    who is heaviest: ram, cpu, vsz, rss or ws (default ram)
  --dry-run        the reaper checks and reports, kills nothing
  --spawn          start 10 workload containers now and every minute
                   (labelled K=V too with --select)
  --duration S     stop after S seconds (default 0: until Ctrl-C)
  --out DIR        where the log and the graphs go (default out; with
                   --service /var/lib/cull)
  --log FILE       the NDJSON log, appended to (default DIR/cull.log)
  --listen ADDR    the logger's HTTP service (default 127.0.0.1:8000)
  --no-http        no HTTP service
  --select K=V     only containers labelled K=V take part (a jq filter
                   between reader and ranker; others are not even ranked)
  --source SRC     auto (the module's report when loaded, else /proc), kmod
                   or procfs (default auto)
  --proc-root DIR  the host's /proc (default /proc; /host/proc in the image)
  --plot-every S   redraw the graphs in DIR every S seconds (default 0:
                   at the end only)
  --forward URL    also send the log's lines to a central cull-logger's
                   /logs (cull-logger forward: batched, resent while it is
                   away, resumed after a restart; the local log stays)
  --host NAME      this host's name in the central log (default: hostname)
  --version        say the version and exit
  -q, --quiet      no tables and no per-record lines on the terminal
                   (on a terminal the tables are one screen redrawn in
                   place, like top: press s for the next order; piped,
                   every snapshot's tables follow the last)
  --config FILE    settings from FILE (key = value lines: cull.conf(5),
                   deploy/cull.conf); the command line wins
  --service        run as a service: quiet, no --spawn; a stage that ends is
                   restarted with backoff instead of stopping everything;
                   SIGHUP re-reads --config and restarts the stages with it

EXIT STATUS: 0 stopped as asked; 1 a stage failed or something is missing;
2 bad usage or a bad config file."

exec 3>&2	# our messages; stderr itself is muted once the stages run
say() { echo "$prog: $*" >&3; }
bad() { say "$*"; echo "$usage" >&2; exit 2; }

# --- settings --------------------------------------------------------------
# One check per setting, shared by the command line and the config file:
# setting KEY VALUE sets it, or puts the reason in $why and returns 1.
defaults() {
	interval=1 keep_high=2 keep_low=3 sort_by=ram dry_run=0 out="" log=""
	listen=127.0.0.1:8000 select="" source=auto plot_every=0 proc_root=/proc
	reader_args="" ranker_args="" reaper_args="" logger_args="" forward="" host=""
}
setting() {
	local k=$1 v=$2
	why=""
	case $k in
	interval)
		[[ $v =~ ^[0-9]+(\.[0-9]+)?$ ]] || { why="\"$v\" is not a number"; return 1; }
		[[ $v =~ ^0*(\.0*)?$ ]] && { why="must be more than 0"; return 1; }
		interval=$v ;;
	keep_high|keep_low)
		[[ $v =~ ^[0-9]{1,9}$ ]] || { why="\"$v\" is not a whole number"; return 1; }
		printf -v "$k" %s "$v" ;;
	sort_by)
		case $v in ram|cpu|vsz|rss|ws) ;; *) why="\"$v\" is not ram, cpu, vsz, rss or ws"; return 1 ;; esac
		sort_by=$v ;;
	dry_run)
		case $v in yes|true|1) dry_run=1 ;; no|false|0) dry_run=0 ;;
		*) why="\"$v\" is not yes or no"; return 1 ;; esac ;;
	state_dir|out)
		[ -n "$v" ] || { why="empty"; return 1; }
		out=$v ;;
	log)	log=$v ;;	# empty: DIR/cull.log
	listen)
		if [ "$v" = off ] || [ -z "$v" ]; then listen=""
		elif [[ $v =~ ^[A-Za-z0-9.-]+:[0-9]{1,5}$ ]]; then listen=$v
		else why="\"$v\" is not HOST:PORT (a name or an IPv4 address) or off"; return 1; fi ;;
	select)
		[ -z "$v" ] || [[ $v =~ ^[^=]+=.*$ ]] || { why="\"$v\" is not KEY=VALUE"; return 1; }
		select=$v ;;
	source)
		case $v in auto|kmod|procfs) ;; *) why="\"$v\" is not auto, kmod or procfs"; return 1 ;; esac
		source=$v ;;
	proc_root)
		[ -n "$v" ] || { why="empty"; return 1; }
		proc_root=$v ;;
	plot_every)
		[[ $v =~ ^[0-9]{1,9}$ ]] || { why="\"$v\" is not a whole number of seconds"; return 1; }
		plot_every=$v ;;
	reader_args|ranker_args|reaper_args|logger_args)
		printf -v "$k" %s "$v" ;;
	forward)
		[ -z "$v" ] || [[ $v =~ ^https?://[^[:space:]]+$ ]] ||
			{ why="\"$v\" is not an http:// or https:// URL"; return 1; }
		forward=$v ;;
	host)
		[ -z "$v" ] || [[ $v =~ ^[A-Za-z0-9._-]{1,64}$ ]] ||
			{ why="\"$v\" is not 1 to 64 of A-Z a-z 0-9 . _ -"; return 1; }
		host=$v ;;
	*)	why="unknown setting \"$k\""; return 1 ;;
	esac
	return 0
}

# read_config FILE - "key = value" lines; says FILE:LINE: why and returns 2
# on the first bad one. Nothing in it is run: values are data.
read_config() {
	local f=$1 n=0 line k v
	[ -r "$f" ] || { say "$f: cannot read the config file"; return 2; }
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		line=${line%$'\r'}
		[[ $line =~ ^[[:space:]]*(#.*)?$ ]] && continue
		if [[ ! $line =~ ^[[:space:]]*([a-z_]+)[[:space:]]*=[[:space:]]*(.*[^[:space:]])?[[:space:]]*$ ]]; then
			say "$f:$n: not \"key = value\""; return 2
		fi
		k=${BASH_REMATCH[1]} v=${BASH_REMATCH[2]}
		setting "$k" "$v" || { say "$f:$n: $k: $why"; return 2; }
	done <"$f"
	return 0
}

# parse_args ARG... - the command line over what is set already
parse_args() {
	local o
	while [ $# -gt 0 ]; do
		o=$1
		case $o in
		--interval|--keep-high|--keep-low|--sort-by|--out|--log|--listen|--select|--source|--plot-every|--proc-root|--forward|--host)
			[ $# -ge 2 ] || bad "$o needs a value"
			[ "$o" = --log ] && [ -z "$2" ] && bad "--log: empty"
			k=${o#--}; k=${k//-/_}
			setting "$k" "$2" || bad "$o: $why"
			shift 2 ;;
		--dry-run) dry_run=1; shift ;;
		--no-http) listen=""; shift ;;
		--spawn) spawn=1; shift ;;
		--duration) [ $# -ge 2 ] || bad "$o needs a value"
			[[ $2 =~ ^[0-9]+(\.[0-9]+)?$ ]] || bad "$o: \"$2\" is not a number"
			duration=$2; shift 2 ;;
		--config) [ $# -ge 2 ] || bad "$o needs a value"; config=$2; shift 2 ;;
		--service) service=1; shift ;;
		-q|--quiet) quiet=1; shift ;;
		-h|--help) echo "$help"; exit 0 ;;
		--version) version=1; shift ;;
		*) bad "unknown option \"$o\"" ;;
		esac
	done
}

# load_settings - defaults, then the config file, then the command line
load_settings() {
	defaults
	if [ -n "$config" ]; then read_config "$config" || return 2; fi
	parse_args "${cli[@]}"
	[ -n "$out" ] || { out=out; [ "$service" = 1 ] && out=/var/lib/cull; }
	[ -n "$log" ] || log=$out/cull.log
	return 0
}

cli=("$@")
spawn=0 duration=0 config="" service=0 quiet=0 version=0
parse_args "$@"		# the shape of the command line, and --config
load_settings || exit 2
if [ "$service" = 1 ]; then
	[ "$spawn" = 1 ] && bad "--spawn is for the demo, not for --service"
	quiet=1
fi
# On a terminal the ranker draws one screen in place (--top) and the key s
# shows the next order; piped, the tables scroll as they always did.
screen=0
[ "$quiet" = 0 ] && [ -t 1 ] && [ -t 2 ] && screen=1

# --- what it needs -------------------------------------------------------
# The stages: $CULL_BIN; else bin/ of the source tree beside this script
# (built with make, quiet when nothing changed); else, installed, the
# cull-* programs on PATH. Then check every program and the engine, and say
# all that is missing at once.
if [ -n "${CULL_BIN:-}" ]; then
	bin=$CULL_BIN
elif [ -f "$top/Makefile" ]; then
	bin=$top/bin
	if command -v make >/dev/null; then
		make -s -C "$top" all >&2 || { say "the build failed (make -C $top)"; exit 1; }
	fi
else
	bin=$(dirname "$(command -v cull-reader || echo /usr/bin/cull-reader)")
fi
reader=${CULL_READER:-$bin/cull-reader}
ranker=${CULL_RANKER:-$bin/cull-ranker}
reaper=${CULL_REAPER:-$bin/cull-reaper}
logger=${CULL_LOGGER:-$bin/cull-logger}
# One version for all: the stages', which the build gave them.
if [ "$version" = 1 ]; then
	v=$("$reader" --version) || { say "cannot tell the version: $reader --version failed"; exit 1; }
	echo "cull ${v#* }"
	exit 0
fi
missing=()
for p in "$reader" "$ranker" "$reaper" "$logger"; do
	[ -x "$p" ] || missing+=("$p (make)")
done
for p in curl jq socat gnuplot; do
	command -v "$p" >/dev/null || missing+=("$p (make deps)")
done
[ "$spawn" = 1 ] && [ ! -x "$top/workloads/spawn.sh" ] && missing+=("workloads/spawn.sh (--spawn runs from the source tree)")
sock=/var/run/docker.sock
case ${DOCKER_HOST:-} in unix://*) sock=${DOCKER_HOST#unix://} ;; esac
if [ "$service" = 0 ] && command -v curl >/dev/null &&
   [ "$(curl -s --max-time 3 --unix-socket "$sock" http://localhost/_ping 2>/dev/null)" != OK ]; then
	missing+=("a Docker engine answering on $sock (start dockerd; make run does)")
fi
if [ ${#missing[@]} -gt 0 ]; then
	say "cannot start; missing:"
	printf '  %s\n' "${missing[@]}" >&2
	exit 1
fi
# A service starts without the engine (it may come up later): the reader
# and the reaper report the outage and go on.
if [ "$service" = 1 ] && [ "$(curl -s --max-time 3 --unix-socket "$sock" http://localhost/_ping 2>/dev/null)" != OK ]; then
	say "no Docker engine answers on $sock yet: running without it until it does"
fi

# pick_source - the module's report when asked, or (auto) when it can be
# read: it is there in a container too, but refuses a reader outside the
# host's pid namespace
pick_source() {
	local f=$proc_root/cull_sysinfo
	case $source in
	kmod) src=kmod; say "source: kmod ($f, the kernel module's report)" ;;
	procfs) src=procfs; say "source: procfs (a $proc_root scan, as configured)" ;;
	auto) if head -c 1 "$f" >/dev/null 2>&1; then
		src=kmod; say "source: kmod ($f, the kernel module's report)"
	      elif [ -e "$f" ]; then
		src=procfs; say "source: procfs ($f is there but cannot be read from here)"
	      else
		src=procfs; say "source: procfs (no $f: the kernel module is not loaded)"
	      fi ;;
	esac
}
pick_source
mkdir -p "$out" "$(dirname "$log")" || exit 1
touch "$log" || exit 1
log_start=$(stat -c %s "$log")

# --- the run directory and the stages ---------------------------------------
run=$(mktemp -d "${TMPDIR:-/tmp}/cull-run.XXXXXX") || exit 1
mkfifo "$run/snap" "$run/kills" "$run/log.fifo" "$run/raw" || exit 1
# A service holds the log FIFO open itself: a logger restarted (after a
# failure, or on SIGHUP to reopen a rotated log) finds what the reaper wrote
# meanwhile still in the pipe, and the reaper never writes to a FIFO
# without a reader (EPIPE).
[ "$service" = 1 ] && exec 5<>"$run/log.fifo"

declare -A name_of=()	# pid -> what it is, for messages
# From here on a signal only sets $stop: the stop below is done in order.
# Whatever happens, the run directory goes and no process group of ours stays.
stop=""
trap 'stop=SIGINT' INT
trap 'stop=SIGTERM' TERM
trap 'stop=SIGHUP' HUP
# bash cannot trap a signal ignored when it started (nohup ignores SIGHUP)
[ "$service" = 1 ] && [ "$(trap -p HUP)" = "trap -- '' SIGHUP" ] &&
	say "SIGHUP was ignored when this started (nohup?): it will not re-read the config; restart the service instead"
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
reader_pid="" spawner_pid="" serve_pid="" logger_pid="" timer_pid="" forward_pid=""
declare -A status_of=() reported=()
declare -A fails_of=() since_of=()	# per part: restarts in a row, last start

# start NAME IN OUT CMD... - CMD in the background in its own process group
# (set -m), stdin from IN, stdout to OUT (- for stderr); the redirections
# happen in the child, so opening a FIFO never blocks this script. Its pid
# is in $last.
start() {
	local what=$1 in=$2 outf=$3
	shift 3
	set -m
	if [ "$outf" = - ]; then
		"$@" <"$in" >&2 5>&- &	# our stderr itself: /dev/stderr would be a new offset
	else
		"$@" <"$in" >"$outf" 5>&- &
	fi
	set +m
	name_of[$!]=$what
	last=$!
}
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
	[ -n "$pid" ] || return 0
	running "$pid" || return 0
	kill "-$sig" -- "-$pid" 2>/dev/null || kill "-$sig" "$pid" 2>/dev/null
	reap "$pid" "$secs" && return 0
	say "${name_of[$pid]} (pid $pid) did not end within $secs s of SIG$sig: killing it"
	kill -KILL -- "-$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	status_of[$pid]=137; reported[$pid]=1; failed=1
}
# explain STATUS - "status 137 (SIGKILL)"
explain() {
	if [ "$1" -gt 128 ] && [ "$1" -lt 160 ]; then
		echo "status $1 ($(kill -l "$1" 2>/dev/null | sed 's/^/SIG/'))"
	else
		echo "status $1"
	fi
}

# Extra flags of each stage from the settings, split at spaces (no shell).
split_args() { read -r -a reader_x <<<"$reader_args"; read -r -a ranker_x <<<"$ranker_args"
	read -r -a reaper_x <<<"$reaper_args"; read -r -a logger_x <<<"$logger_args"; }

start_logger() {
	local a=(--fifo "$run/log.fifo" --log "$log" --plots "$out")
	[ "$plot_every" != 0 ] && a+=(--plot-every "$plot_every")
	[ "$quiet" = 1 ] || [ "$screen" = 1 ] && a+=(--quiet)	# no lines under the screen
	start cull-logger /dev/null /dev/null "$logger" "${a[@]}" "${logger_x[@]}"
	logger_pid=$last
}
# start_forward - with --forward, the log's lines to the central logger
start_forward() {
	forward_pid=""
	[ -n "$forward" ] || return 0
	start "cull-logger forward" /dev/null /dev/null "$logger" forward --log "$log" \
		--url "$forward" ${host:+--host "$host"} --quiet
	forward_pid=$last
}
start_serve() {
	serve_pid=""
	[ -n "$listen" ] || return 0
	start "cull-logger serve" /dev/null /dev/null "$logger" serve --listen "$listen" --log "$log"
	serve_pid=$last
	for _ in $(seq 30); do
		curl -sf --max-time 1 "http://$listen/healthz" >/dev/null 2>&1 && break
		kill -0 "$serve_pid" 2>/dev/null || break
		sleep 0.1
	done
}
# millis S - a number of seconds as checked by setting (digits, maybe a dot
# and digits) in whole milliseconds, with bash alone (the image has no awk)
millis() {
	local whole=${1%%.*} frac=000
	[ "$1" != "$whole" ] && frac=${1#*.}000
	echo $((10#$whole * 1000 + 10#${frac:0:3}))
}
# start_path - reaper, ranker, the --select filter, reader (downstream
# first, so each FIFO has its reader), and the spawner
start_path() {
	local a=() reader_out=$run/snap
	[ "$dry_run" = 1 ] && a+=(--dry-run)
	start cull-reaper "$run/kills" "$run/log.fifo" "$reaper" "${a[@]}" "${reaper_x[@]}"
	stages=("$last")
	a=(--keep-high "$keep_high" --keep-low "$keep_low" --sort-by "$sort_by")
	# A sentenced container is in flight for the ranker's cooldown, 3
	# intervals by default: at 0.2 s that is 0.6 s, shorter than a kill under
	# load (make soak: up to seconds), and a container still dying was
	# sentenced again (the second kill: 409 not running). At least 2 s here;
	# ranker_args may still say otherwise (the last --cooldown counts).
	if [ $((3 * $(millis "$interval"))) -lt 2000 ]; then a+=(--cooldown 2); fi
	if [ "$screen" = 1 ]; then a+=(--top); elif [ "$quiet" = 0 ]; then a+=(-v); fi
	start cull-ranker "$run/snap" "$run/kills" "$ranker" "${a[@]}" "${ranker_x[@]}"
	ranker_pid=$last
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
	fi
	start cull-reader /dev/null "$reader_out" "$reader" --source "$src" --proc-root "$proc_root" \
		--interval "$interval" "${reader_x[@]}"
	reader_pid=$last
	stages=("$last" "${stages[@]}")
	if [ "$spawn" = 1 ]; then
		a=(-n 10 --every 60)
		[ -n "$select" ] && a+=(--label "$select")	# so that they take part
		start spawn.sh /dev/null - "$top/workloads/spawn.sh" "${a[@]}"
		spawner_pid=$last
	fi
}
# stop_path - the spawner and the reader first; the rest of the data path
# ends on its own once its input closes
stop_path() {
	local pid
	halt "$spawner_pid" TERM 35
	halt "$reader_pid" TERM 5
	for pid in "${stages[@]}"; do
		[ "$pid" = "$reader_pid" ] && continue
		reap "$pid" 10 || halt "$pid" TERM 5
	done
}
# settle PID - the part that ended first need not be the cause: give its
# neighbours a moment to follow it down (EOF, EPIPE), collect their
# statuses, and set $culprits to those that failed (else the first).
settle() {
	local pid
	sleep 0.5
	for pid in "${watched[@]}"; do
		[ -n "${status_of[$pid]+x}" ] || kill -0 "$pid" 2>/dev/null && continue
		wait "$pid" 2>/dev/null; status_of[$pid]=$?
	done
	culprits=()
	for pid in "${watched[@]}"; do
		[ "$pid" != "$timer_pid" ] && running "$pid" && continue
		[ "$pid" != "$timer_pid" ] && [ "${status_of[$pid]:-0}" != 0 ] && culprits+=("$pid")
	done
	[ ${#culprits[@]} -gt 0 ] || culprits=("$1")
}

split_args
start_logger
start_serve
start_forward
start_path
since_of=([cull-logger]=$SECONDS ["cull-logger serve"]=$SECONDS ["cull-logger forward"]=$SECONDS
	["the data path"]=$SECONDS)
if [ "$duration" != 0 ]; then
	start timer /dev/null /dev/null sleep "$duration"
	timer_pid=$last
fi
say "running: ${#stages[@]} stages through $run; log $log${listen:+; http://$listen/graph}${forward:+; forwarded to $forward}"
# --top: a key reader in our own process group (the terminal's foreground:
# the stages are in groups of their own); s shows the ranker's next order
keys_pid=""
if [ "$screen" = 1 ]; then
	tty_mode=$(stty -g </dev/tty 2>/dev/null)
	( while read -rsn1 k </dev/tty; do
		[ "$k" = s ] && kill -USR1 "$ranker_pid" 2>/dev/null
	done ) 2>/dev/null &
	keys_pid=$!
fi

# --- a service: restart what ended, re-read the config on SIGHUP -------------
restarts=0 reloads=0
# backoff N - seconds to wait before the Nth restart in a row: 1, 2, 4 .. 60
backoff() { local d=1 i; for ((i = 1; i < $1 && d < 60; i++)); do d=$((d * 2)); done; [ $d -gt 60 ] && d=60; echo $d; }
# pause S - sleep, but a signal ends it (its trap sets $stop)
pause() { sleep "$1" & local p=$!; wait "$p" 2>/dev/null; kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; return 0; }

# reload - the config file again (refused as a whole if bad: the old
# settings stay), then the stages with the new settings. The logger is
# restarted too, so that a rotated log is reopened; the FIFO we hold keeps
# what comes meanwhile.
reload() {
	local old_listen=$listen old_log=$log err
	if [ -n "$config" ] && ! err=$( (load_settings) 3>&1 1>/dev/null 2>/dev/null ); then
		say "SIGHUP: ${err#"$prog: "}; the old settings stay"
		return 0
	fi
	load_settings; split_args
	reloads=$((reloads + 1))
	say "SIGHUP: settings re-read${config:+ from $config}; restarting the stages"
	stop_path
	halt "$logger_pid" TERM 60
	{ mkdir -p "$out" "$(dirname "$log")" && touch "$log"; } || say "cannot make $log"
	start_logger
	if [ "$listen" != "$old_listen" ] || [ "$log" != "$old_log" ]; then
		halt "$serve_pid" TERM 5; start_serve
	fi
	halt "$forward_pid" TERM 5; start_forward	# it resumes where it was
	pick_source
	start_path
}

# again PART - restart the logger or the HTTP service after a backoff that
# grows while it keeps failing within a minute of its start
again() {
	local part=$1 n d
	if [ $((SECONDS - ${since_of[$part]:-0})) -ge 60 ]; then n=1; else n=$(( ${fails_of[$part]:-0} + 1 )); fi
	fails_of[$part]=$n
	d=$(backoff "$n")
	say "restarting $part in $d s (restart $((restarts + 1)))"
	pause "$d"
	[ -z "$stop" ] || [ "$stop" = SIGHUP ] || return 0
	case $part in
	cull-logger) start_logger ;;
	"cull-logger serve") start_serve ;;
	"cull-logger forward") start_forward ;;
	"the data path") start_path ;;
	esac
	since_of[$part]=$SECONDS
	restarts=$((restarts + 1))
}
# restart - after $culprits ended: the logger and the HTTP service alone,
# the data path as one (its stages feed each other)
restart() {
	local pid s path=0
	for pid in "${watched[@]}"; do
		running "$pid" && continue
		case $pid in
		"$logger_pid") again cull-logger ;;
		"$serve_pid") again "cull-logger serve" ;;
		"$forward_pid") again "cull-logger forward" ;;
		*) for s in "${stages[@]}" "$spawner_pid"; do [ "$pid" = "$s" ] && path=1; done ;;
		esac
	done
	[ "$path" = 1 ] || return 0
	stop_path
	again "the data path"
}

# --- wait for a signal, the timer, or something ending on its own ------------
# bash would add its own "Killed" line for a stage it reaps: we name it
# better. Its other complaints are shown at the end.
exec 2>"$run/sh.err"
while :; do
	watched=("${stages[@]}" "$logger_pid" ${serve_pid:+"$serve_pid"} ${forward_pid:+"$forward_pid"}
		${spawner_pid:+"$spawner_pid"} ${timer_pid:+"$timer_pid"})
	if [ -n "$stop" ]; then
		[ "$stop" = SIGHUP ] && [ "$service" = 1 ] || break
		stop=""; reload; continue
	fi
	ended=""
	wait -n -p ended "${watched[@]}" 2>/dev/null
	rc=$?
	[ -n "${ended:-}" ] || continue	# a signal (bash unsets $ended): the trap set $stop
	status_of[$ended]=$rc
	if [ "$ended" = "$timer_pid" ]; then
		timer_pid=""; stop="the --duration of $duration s"
		break
	fi
	settle "$ended"
	if [ "$service" = 1 ]; then
		for pid in "${culprits[@]}"; do
			say "${name_of[$pid]} (pid $pid) ended on its own with $(explain "${status_of[$pid]}")"
			reported[$pid]=1
		done
		restart
		continue
	fi
	for pid in "${culprits[@]}"; do
		say "${name_of[$pid]} (pid $pid) ended on its own with $(explain "${status_of[$pid]}")"
		reported[$pid]=1
	done
	failed=1; stop="a failure"
	break
done
[ -n "$timer_pid" ] && kill "$timer_pid" 2>/dev/null

# --- stop in order -----------------------------------------------------------
if [ -n "$keys_pid" ]; then
	kill "$keys_pid" 2>/dev/null; wait "$keys_pid" 2>/dev/null
	[ -n "$tty_mode" ] && stty "$tty_mode" </dev/tty 2>/dev/null
	printf '\n'
fi
say "stopping ($stop)"
stop_path
exec 5>&-	# the logger sees the end of the FIFO once it has read it all
halt "$logger_pid" TERM 60
halt "$forward_pid" TERM 20	# after the logger: the last lines, one last try
halt "$serve_pid" TERM 5

# Name every other part that failed, even as a consequence of the first
# failure, so nothing is hidden. The spawner and socat may end by our SIGTERM.
# (A service names and restarts its failures as they come.)
if [ "$service" = 0 ]; then
	for pid in "${stages[@]}" "$logger_pid" ${serve_pid:+"$serve_pid"} ${forward_pid:+"$forward_pid"} ${spawner_pid:+"$spawner_pid"}; do
		rc=${status_of[$pid]:-0}
		[ -n "${reported[$pid]+x}" ] || [ "$rc" = 0 ] && continue
		[ "$rc" = 143 ] && { [ "$pid" = "$serve_pid" ] || [ "$pid" = "$spawner_pid" ]; } && continue
		say "${name_of[$pid]} ended with $(explain "$rc")"
		failed=1
	done
fi
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
[ "$service" = 1 ] && echo "cull: $restarts restarts, $reloads reloads"

leftovers
trap - EXIT
exit "$failed"
