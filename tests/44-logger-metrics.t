#!/bin/bash
# 44-logger-metrics.t - GET /metrics (checked by promtool) and GET /api/state
# through real socat and curl: the figures of a log of two hosts, a hostile
# host name escaped in both formats, and the state beside the log: read
# forward from where it stopped (an early line changed in place afterwards
# is not read again), rebuilt when the log is replaced, truncated or the
# state is spoiled, and the same after a restart of the server. A real
# Prometheus scrapes it.
. "${0%/*}/lib.sh"
. "${0%/*}/logger-lib.sh"
set -o pipefail
L=$CULL_LOGGER
[ -x "$L" ] || t_bail "no logger at $L"
for c in socat curl jq promtool; do
	command -v $c >/dev/null || t_bail "$c is not installed (sh mk/deps.sh test)"
done

log=$T_TMP/m.log
evil='ev"il\host
two'
{
	echo '{"type":"mem","ts":1000,"seq":1,"total_kb":1000000,"used_kb":400000,"used_pct":40,"psi":{"some_avg10":1.5,"some_avg60":1,"full_avg10":0,"full_avg60":0}}'
	echo '{"type":"rank","ts":1000,"seq":1,"by":"ram","containers":[{"id":"h1","name":"web-1","image":"i","class":"high","managed":true,"procs":1,"rss_kb":900,"vsz_kb":9000,"mem_pct":0.09,"cpu_pct":1},{"id":"h2","name":"web-2","image":"i","class":"high","managed":true,"procs":1,"rss_kb":800,"vsz_kb":8000,"mem_pct":0.08,"cpu_pct":2},{"id":"l1","name":"db-1","image":"i","class":"low","managed":true,"procs":1,"rss_kb":10,"vsz_kb":100,"mem_pct":0,"cpu_pct":0},{"id":"s1","name":"stray","image":"i","class":"low","managed":false,"procs":1,"rss_kb":10,"vsz_kb":100,"mem_pct":0,"cpu_pct":0}]}'
	echo '{"type":"kill","ts":1000,"seq":1,"id":"h1","name":"web-1","class":"high","reason":"over --keep-high"}'
	echo '{"type":"killed","ts":1000.1,"seq":1,"id":"h1","name":"web-1","class":"high","reason":"over --keep-high","ok":true,"status":204,"ms":3,"rss_kb":900,"vsz_kb":9000}'
	echo '{"type":"killed","ts":1000.2,"seq":1,"id":"x9","name":"gone","class":"low","reason":"memory guard","ok":false,"status":404,"error":"no such container","ms":700}'
	jq -cn --arg h "$evil" '{type:"mem",ts:1001,host:$h,total_kb:100,used_kb:50,used_pct:50}'
	echo 'not a record'
} >"$log"

serve_bg serve -- --log "$log"
U=http://127.0.0.1:$sport

# get NAME PATH - the body into $T_TMP/NAME, the status printed
get() { curl -s -o "$T_TMP/$1" -w '%{http_code}' "$U$2"; }

t_is "$(get m1 /metrics)" 200 "GET /metrics"
t_ok "promtool check metrics takes it" promtool check metrics <"$T_TMP/m1"
t_grep '^cull_memory_used_bytes{host=""} 409600000$' "$T_TMP/m1" "memory used in bytes, the local host labelled \"\""
t_grep '^cull_memory_used_bytes{host="ev\\"il\\\\host\\ntwo"} 51200$' "$T_TMP/m1" \
	"a hostile host name: quote, backslash and newline escaped in the label"
t_grep '^cull_containers{host="",class="high",fate="sentenced"} 1$' "$T_TMP/m1" "the kill line sentenced web-1"
t_grep '^cull_containers{host="",class="high",fate="kept"} 1$' "$T_TMP/m1" "web-2 kept"
t_grep '^cull_containers{host="",class="low",fate="unmanaged"} 1$' "$T_TMP/m1" "the unmanaged one counted apart"
t_grep '^cull_kills_total{host="",class="high",outcome="ok"} 1$' "$T_TMP/m1" "a kill by class and outcome"
t_grep '^cull_kills_total{host="",class="low",outcome="failed"} 1$' "$T_TMP/m1" "  and a failed one"
t_grep '^cull_kill_latency_seconds_bucket{le="0.005"} 1$' "$T_TMP/m1" "3 ms in the 5 ms bucket"
t_grep '^cull_kill_latency_seconds_bucket{le="1"} 2$' "$T_TMP/m1" "700 ms in the 1 s bucket (cumulative)"
t_grep '^cull_kill_latency_seconds_count 2$' "$T_TMP/m1" "two latencies"
t_grep '^cull_log_records_total 6$' "$T_TMP/m1" "six records"
t_grep '^cull_log_unreadable_total 1$' "$T_TMP/m1" "one line that is not one"
t_grep '^cull_last_snapshot_age_seconds{host=""} ' "$T_TMP/m1" "the age of the last snapshot per host"
t_grep '^Content-Type: text/plain; version=0.0.4' <(curl -sI "$U/metrics") "the exposition format's content type"

t_is "$(get s1 /api/state)" 200 "GET /api/state"
t_is "$(jq -r '.hosts | map(.host) | @json' "$T_TMP/s1")" "$(jq -cn --arg h "$evil" '["",$h]')" \
	"two hosts, the hostile name intact as a JSON string"
t_is "$(jq -r '.hosts[0].rank.containers | map("\(.name)=\(.fate)") | join(" ")' "$T_TMP/s1")" \
	"web-1=sentenced web-2=kept db-1=kept stray=unmanaged" "the last rank with each container's fate"
t_is "$(jq -r '.recent | map("\(.name):\(.ok):\(.reason)") | join(" ")' "$T_TMP/s1")" \
	"gone:false:memory guard web-1:true:over --keep-high" "recent kills, newest first, with reasons and outcomes"
t_is "$(jq -r '.hosts[0].mem.psi.some_avg10' "$T_TMP/s1")" 1.5 "memory pressure"
t_ok "the state is kept beside the log" test -s "$log.state/state.json"
t_is "$(jq -r .offset "$log.state/state.json")" "$(stat -c %s "$log")" "  read up to the log's end"

# Forward only: change an early line in place (same size, same inode);
# the next request folds only what was appended, so it never sees it.
sed -i.bak 's/"class":"high","reason":"over --keep-high","ok":true/"class":"HIGH","reason":"over --keep-high","ok":true/' "$log"
# sed -i makes a new inode; put the bytes back into the first one
cp "$log" "$T_TMP/changed" && mv "$log.bak" "$log" && cat "$T_TMP/changed" >"$log"
echo '{"type":"killed","ts":1002,"seq":2,"id":"h2","name":"web-2","class":"high","reason":"r","ok":true,"status":204,"ms":20}' >>"$log"
get m2 /metrics >/dev/null
t_grep '^cull_kills_total{host="",class="high",outcome="ok"} 2$' "$T_TMP/m2" \
	"an appended kill is counted, the changed early line is not read again"
t_grep '^cull_log_records_total 7$' "$T_TMP/m2" "seven records"

# restart: the counters are the log's, not the process's
kill "$spid"; wait "$spid" 2>/dev/null
serve_bg serve2 -- --log "$log"
U=http://127.0.0.1:$sport
get m3 /metrics >/dev/null
t_is "$(grep -c '^cull_kills_total.* [1-9]' "$T_TMP/m3")" 2 "after a restart the kill counters are where they were"
t_grep '^cull_kills_total{host="",class="high",outcome="ok"} 2$' "$T_TMP/m3" "  2 high ok"

# the state spoiled: rebuilt from the whole log (now with the changed line)
echo '{"v":1,"dev":' >"$log.state/state.json"
get m4 /metrics >/dev/null
t_grep '^cull_kills_total{host="",class="other",outcome="ok"} 1$' "$T_TMP/m4" \
	"a spoiled state is rebuilt from the log (which now says HIGH)"
t_grep 'state.json: not JSON.*rebuilt from the log' "$T_TMP/serve2.err" "  and the server says so"

# the log replaced (another inode) and truncated: counted again from its start
echo '{"type":"killed","ts":5,"id":"z","name":"z","class":"low","ok":true,"status":204,"ms":1}' >"$T_TMP/new.log"
mv "$T_TMP/new.log" "$log"
get m5 /metrics >/dev/null
t_grep '^cull_log_records_total 1$' "$T_TMP/m5" "a replaced log is counted from its start"
t_grep '^cull_kills_total{host="",class="high",outcome="ok"} 0$' "$T_TMP/m5" "  nothing of the old one left"
: >"$log"
get m6 /metrics >/dev/null
t_grep '^cull_log_records_total 0$' "$T_TMP/m6" "a truncated log is counted again"
t_ok "an empty log's metrics pass promtool" promtool check metrics <"$T_TMP/m6"

# refused: POST bodies that were not stored are counted
curl -s -o /dev/null -d '{"type":"a"}' "$U/logs"
get m7 /metrics >/dev/null
t_grep '^cull_log_refused_total 1$' "$T_TMP/m7" "a refused POST body is counted"
printf 'not json\n{"type":"note","ts":1}\n{"ts":2}\n' | "$L" --quiet --log "$log" 2>/dev/null
get m7b /metrics >/dev/null
t_grep '^cull_log_refused_total 3$' "$T_TMP/m7b" "  and so are the lines intake refused"
t_grep '^cull_log_records_total 1$' "$T_TMP/m7b" "  the good one stored"

# a torn last line is left for later, then read once it is whole
printf '{"type":"mem","ts":7,"total_kb":10,"used_kb":5,' >>"$log"
get m8 /metrics >/dev/null
t_grep '^cull_log_records_total 1$' "$T_TMP/m8" "a torn last line is not read"
printf '"used_pct":50}\n' >>"$log"
get m9 /metrics >/dev/null
t_grep '^cull_log_records_total 2$' "$T_TMP/m9" "  and read once it is whole"

# concurrent requests share one state, none of them corrupts it
pids=""
for i in $(seq 8); do curl -s -o "$T_TMP/c$i" "$U/api/state" & pids="$pids $!"; done
wait $pids
for i in $(seq 8); do jq -e '.log.records == 2' "$T_TMP/c$i" >/dev/null || echo "$i" >>"$T_TMP/cbad"; done
t_ok "8 concurrent requests all answered the same" test ! -e "$T_TMP/cbad"
t_ok "  and the state is whole" jq -e '.offset > 0' "$log.state/state.json"

t_is "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x "$U/metrics")" 405 "POST /metrics: 405"

# a real Prometheus scrapes it (Debian's prometheus package, as promtool)
ppt=$(t_free_port)
cat >"$T_TMP/prom.yml" <<EOS
global: { scrape_interval: 1s }
scrape_configs:
  - job_name: cull
    static_configs: [ { targets: ["127.0.0.1:$sport"] } ]
EOS
prometheus --config.file="$T_TMP/prom.yml" --storage.tsdb.path="$T_TMP/tsdb" \
	--web.listen-address="127.0.0.1:$ppt" >"$T_TMP/prom.log" 2>&1 &
prom=$!
t_cleanup "kill $prom"
q() { curl -s "http://127.0.0.1:$ppt/api/v1/query" --data-urlencode "query=$1" | jq -r '.data.result[0].value[1] // empty' 2>/dev/null; }
for _ in $(seq 300); do [ "$(q 'up{job="cull"}')" = 1 ] && [ -n "$(q cull_log_records_total)" ] && break; sleep 0.1; done
t_is "$(q 'up{job="cull"}')" 1 "Prometheus scrapes /metrics (up is 1)"
t_is "$(q cull_log_records_total)" 2 "  and has cull_log_records_total"
kill "$prom"; wait "$prom" 2>/dev/null
t_done
