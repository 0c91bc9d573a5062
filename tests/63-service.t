#!/bin/bash
# 63-service.t - pipeline.sh --service --config: what a systemd service needs.
#
# The config file is read strictly (a bad key or value is named by file and
# line, exit 2) and the command line wins over it; the shipped
# deploy/cull.conf is valid as it is. In service mode a stage that dies is
# restarted with a backoff and counted, and the service stays up: the ranker
# killed (the data path restarts), the logger killed (the FIFO the service
# holds keeps the lines for the next one). SIGHUP re-reads the config and
# restarts the stages with it; a bad config is refused and the old stages
# run on; a rotated log is reopened. No record is lost across a SIGHUP: every
# data path stopped by one has all its mem and rank lines. SIGTERM ends it
# with 0 and nothing left. The unit file passes systemd-analyze verify.
#
# The service runs with --select cull.test=<this run> and --dry-run, so no
# container on the engine takes part, whatever runs there.
. "${0%/*}/lib.sh"
for s in "$CULL_READER" "$CULL_RANKER" "$CULL_REAPER" "$CULL_LOGGER"; do
	[ -x "$s" ] || t_bail "the service needs every stage: no $s (make first)"
done
PIPELINE=${CULL_PIPELINE:-$TOP/pipeline.sh}
export CULL_BIN CULL_READER CULL_RANKER CULL_REAPER CULL_LOGGER
. "${0%/*}/pipeline-lib.sh"
conf=$T_TMP/cull.conf
svc=$T_TMP/svc

# --- the config file ---------------------------------------------------------
cfg() { printf '%s\n' "$@" >"$conf"; }
cfg "# comment" "" "interval = 0.5" "frob = 1"
t_run 2 "an unknown key: exit 2" "$PIPELINE" --config "$conf"
t_is "$(cat "$T_TMP/err")" "pipeline.sh: $conf:4: frob: unknown setting \"frob\"" "  named by file and line"
cfg "keep_high = two"
t_run 2 "a bad value: exit 2" "$PIPELINE" --config "$conf"
t_is "$(cat "$T_TMP/err")" "pipeline.sh: $conf:1: keep_high: \"two\" is not a whole number" "  says why"
cfg "keep_high 2"
t_run 2 "a line that is not key = value: exit 2" "$PIPELINE" --config "$conf"
t_grep ":1: not \"key = value\"" "$T_TMP/err" "  says so"
cfg 'listen = 127.0.0.1:80$(touch '"$T_TMP"'/pwned)'
t_run 2 "a value is data, never run" "$PIPELINE" --config "$conf"
t_ok "  (nothing ran)" test ! -e "$T_TMP/pwned"
t_run 2 "a config file that is not there: exit 2" "$PIPELINE" --config "$T_TMP/none.conf"
t_grep "none.conf: cannot read the config file" "$T_TMP/err" "  says so"
t_run 2 "--service with --spawn: exit 2" "$PIPELINE" --service --spawn
# the shipped file, and the command line over it: --out wins over state_dir
t_run 0 "deploy/cull.conf as shipped runs (1 s)" "$PIPELINE" --config "$TOP/deploy/cull.conf" --service \
	--out "$T_TMP/shipped" --no-http --dry-run --select "cull.test=none-$$" --duration 1
t_ok "  and the command line's --out wins over its state_dir" test -s "$T_TMP/shipped/cull.log"
# started with SIGHUP ignored (under nohup), a reload cannot work: it says so
t_run 0 "a service started with SIGHUP ignored runs" perl -e '$SIG{HUP} = "IGNORE"; exec @ARGV or die "$ARGV[0]: $!\n"' -- \
	"$PIPELINE" --service --out "$T_TMP/nohup" --no-http --dry-run --select "cull.test=none-$$" --duration 1
t_grep 'SIGHUP was ignored when this started \(nohup\?\): it will not re-read the config' "$T_TMP/err" "  and says SIGHUP will not reload it"

# --- a service run -------------------------------------------------------------
cfg "interval = 0.1" "state_dir = $svc" "keep_high = 2" "listen = off" \
	"select = cull.test=none-$$" "dry_run = yes" "plot_every = 1"
run_bg --service --config "$conf"
log=$svc/cull.log
# until N more mem lines than now are in FILE (bounded)
grows() { local f=${2:-$log} n; n=$(mems "$f"); for _ in $(seq 300); do [ "$(mems "$f")" -ge $((n + $1)) ] && return 0; sleep 0.1; done; return 1; }
# until a line matching RE is in the service's messages (bounded)
says() { for _ in $(seq 300); do grep -Eq -- "$1" "$T_TMP/p.err" && return 0; sleep 0.1; done; return 1; }
# until pipeline.sh has a child NAME other than OLD (bounded); its pid
newchild() { local c; for _ in $(seq 300); do c=$(child "$1"); [ -n "$c" ] && [ "$c" != "$2" ] && { echo "$c"; return 0; }; sleep 0.1; done; return 1; }
t_ok "the service writes its log in state_dir" grows 3

lg=$(child cull-logger)
kill -KILL "$lg"
t_ok "the logger killed: it is named" says "cull-logger \\(pid $lg\\) ended on its own with status 137"
t_ok "  restarted" newchild cull-logger "$lg"
t_ok "  and the log goes on" grows 5
rk=$(child cull-ranker)
kill -KILL "$rk"
t_ok "the ranker killed: it is named" says "cull-ranker \\(pid $rk\\) ended on its own with status 137 \\(SIGKILL\\)"
t_ok "  the data path is restarted after a backoff" says "restarting the data path in 1 s"
rk2=$(newchild cull-ranker "$rk")
t_ok "  a new ranker runs" test -n "$rk2"
t_ok "  the log goes on" grows 5
t_ok "  the service is still up" kill -0 "$ppid"

# SIGHUP with a new setting: the stages are restarted with it
cfg "interval = 0.1" "state_dir = $svc" "keep_high = 7" "listen = off" \
	"select = cull.test=none-$$" "dry_run = yes" "plot_every = 1"
kill -HUP "$ppid"
rk3=$(newchild cull-ranker "$rk2")
t_ok "SIGHUP: a new ranker" test -n "$rk3"
t_grep '--keep-high 7 ' <(tr '\0' ' ' <"/proc/$rk3/cmdline") "  runs with the new keep_high"
t_ok "  and the log goes on" grows 5
# SIGHUP with a bad config: refused, the old stages run on
cfg "keep_high = seven"
kill -HUP "$ppid"
t_ok "SIGHUP with a bad config: refused" says "SIGHUP: $conf:1: keep_high: \"seven\" is not a whole number; the old settings stay"
t_is "$(child cull-ranker)" "$rk3" "  the ranker runs on"
t_ok "  and the log goes on" grows 5
# a rotated log is reopened on SIGHUP (logrotate's postrotate)
cfg "interval = 0.1" "state_dir = $svc" "keep_high = 7" "listen = off" \
	"select = cull.test=none-$$" "dry_run = yes" "plot_every = 1"
mv "$log" "$log.1"
kill -HUP "$ppid"
for _ in $(seq 300); do [ -s "$log" ] && break; sleep 0.1; done
t_ok "a rotated log: SIGHUP reopens it" grows 5 "$log"
kill -TERM "$ppid"
rc=0; wait "$ppid" || rc=$?
t_is "$rc" 0 "SIGTERM ends the service with 0"
t_grep '^cull: 2 restarts, 2 reloads$' "$T_TMP/p.out" "  counting 2 restarts and 2 reloads"
t_is "$(leftovers)" "" "  and leaves no process behind"
t_is "$(find "$T_TMP" -maxdepth 1 -name 'cull-run.*' | wc -l)" 0 "  nor its run directory"
t_ok "  the graphs are in state_dir" test -s "$svc/ram_usage.png" -a -s "$svc/vsz_rss.png"

# Every line whole, and no record lost where nothing was killed: each data
# path ended by a SIGHUP or SIGTERM (the last three) has mem and rank lines
# for seq 1..N, in both files of the rotated log together.
t_ok "every line of both logs is JSON" jq -e . "$log.1" "$log"
t_is "$(unpaired -2 "$log.1" "$log")" "" "no mem or rank line lost across the SIGHUPs and the rotation"

# --- the unit file -------------------------------------------------------------
if command -v systemd-analyze >/dev/null; then
	t_grep '^ExecStart=/usr/sbin/cull --service --config /etc/cull/cull.conf$' "$TOP/deploy/cull.service" "the unit runs the service with its config"
	# the tree's script in its place, quoted: the checkout's path may hold a space
	sed "s|^ExecStart=/usr/sbin/cull |ExecStart=\"$PIPELINE\" |" "$TOP/deploy/cull.service" >"$T_TMP/cull.service"
	t_ok "systemd-analyze verify: the unit is clean" systemd-analyze verify --man=no "$T_TMP/cull.service"
	t_diag "$T_TMP/ok.err"
else
	t_fail "systemd-analyze is not installed (sh mk/deps.sh test)"
fi
t_done
