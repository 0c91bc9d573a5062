#!/bin/bash
# 65-upgrade.t - stopping, upgrading and starting the service again in the
# middle of a run loses no accepted record and leaves the log whole.
#
# A client POSTs numbered records to the service's HTTP intake all along,
# and the data path writes its own lines. Midway the service is stopped
# (SIGTERM, as systemd and docker stop do) and started again from another
# copy of the programs, on the same log. Every record answered 200 is in
# the log exactly once; every line is whole JSON; each data path (one per
# run, both stopped by SIGTERM) has all its mem and rank lines.
. "${0%/*}/lib.sh"
for s in "$CULL_READER" "$CULL_RANKER" "$CULL_REAPER" "$CULL_LOGGER"; do
	[ -x "$s" ] || t_bail "the service needs every stage: no $s (make first)"
done
PIPELINE=${CULL_PIPELINE:-$TOP/pipeline.sh}
. "${0%/*}/pipeline-lib.sh"
svc=$T_TMP/svc
log=$svc/cull.log
port=$(t_free_port)
printf '%s\n' "interval = 0.1" "state_dir = $svc" "listen = 127.0.0.1:$port" \
	"select = cull.test=none-$$" "dry_run = yes" >"$T_TMP/cull.conf"
# the "new version": the same programs from another directory
mkdir -p "$T_TMP/v2"
cp "$CULL_READER" "$CULL_RANKER" "$CULL_REAPER" "$CULL_LOGGER" "$T_TMP/v2/"

# service BIN - the service from the programs in BIN; $ppid
service() {
	CULL_BIN=$1 CULL_READER=$1/cull-reader CULL_RANKER=$1/cull-ranker CULL_REAPER=$1/cull-reaper \
		CULL_LOGGER=$1/cull-logger run_bg --service --config "$T_TMP/cull.conf" --listen "127.0.0.1:$port"
	for _ in $(seq 300); do
		curl -sf --max-time 1 "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
accepted() { awk '$2 == 200' "$T_TMP/codes" | wc -l; }
until_accepted() { for _ in $(seq 600); do [ "$(accepted)" -ge "$1" ] && return 0; sleep 0.1; done; return 1; }

t_ok "the service starts" service "$(cd "$(dirname "$CULL_READER")" && pwd)"
first=$ppid
# The client: numbered records, one request each, until told to stop
# (bounded: 3000 requests); the answer's status beside each number.
: >"$T_TMP/codes"
(
	for ((i = 1; i <= 3000; i++)); do
		[ -e "$T_TMP/stop" ] && break
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
			--data-binary "{\"type\":\"probe\",\"ts\":$i,\"n\":$i}" "http://127.0.0.1:$port/logs")
		echo "$i $code" >>"$T_TMP/codes"
	done
) &
client=$!
t_cleanup "kill $client"
t_ok "records are accepted" until_accepted 40
kill -TERM "$first"
rc=0; wait "$first" || rc=$?
t_is "$rc" 0 "SIGTERM in the middle of the run: exit 0"
before=$(accepted)
t_ok "the new version starts on the same log" service "$T_TMP/v2"
t_ok "records are accepted again" until_accepted $((before + 40))
touch "$T_TMP/stop"
wait "$client"
kill -TERM "$ppid"
rc=0; wait "$ppid" || rc=$?
t_is "$rc" 0 "and it stops with 0"
t_is "$(leftovers)" "" "no process left"

t_ok "the log is whole: every line JSON" jq -e . "$log"
jq -r 'select(.type == "probe") | .n' "$log" | sort -n >"$T_TMP/stored"
awk '$2 == 200 { print $1 }' "$T_TMP/codes" | sort -n >"$T_TMP/ok"
t_is "$(comm -23 "$T_TMP/ok" "$T_TMP/stored" | wc -l)" 0 "every record answered 200 is in the log ($(wc -l <"$T_TMP/ok") of $(wc -l <"$T_TMP/codes") requests)"
t_is "$(uniq -d "$T_TMP/stored" | wc -l)" 0 "  and none twice"
t_ok "  every answer was 200, or none at all (no service then)" \
	awk '$2 != 200 && $2 != "000" { bad = 1 } END { exit bad }' "$T_TMP/codes"
t_is "$(unpaired 1 "$log")" "" "both runs' data paths have all their mem and rank lines"
t_is "$(jq -r 'select(.type == "mem" and .seq == 1) | .seq' "$log" | wc -l)" 2 "  (two of them: one a run)"
t_done
