#!/bin/bash
# 61-pipeline.t - the whole system on the real engine.
#
# A fixed mix of this run's containers (4 high, 6 low, all labelled
# cull.managed=true, plus one without that label) and pipeline.sh with its
# defaults (keep 2 high and 3 low): exactly 2 high and 3 low managed
# containers are left running, the unlabelled one runs on, the log holds mem
# lines and one killed ok:true line per kill, both graphs are valid PNGs (from
# the logger on exit and from its HTTP service), and SIGINT ends it with 0,
# with no process, FIFO or run directory left.
#
# The engine is shared: the pipeline runs with --select cull.test=<this run>,
# so it ranks and kills only the containers this test started.
. "${0%/*}/lib.sh"
. "${0%/*}/docker.sh"
. "${0%/*}/pipeline-lib.sh"
t_need_stages
engine_run
spawn() { "$SPAWN" --label "$RUN_LABEL" --network none "$@" >>"$T_TMP/spawned" || t_bail "spawn.sh failed"; }
spawn -n 2 --image cull-high-cpu
spawn -n 2 --image cull-high-mem
spawn -n 3 --image cull-low-idle
spawn -n 3 --image cull-low-http
stray=$(docker_run --name "cull-stray-$$" -- "$(docker_test_image)")
t_is "$(wc -l <"$T_TMP/spawned")" 10 "10 managed containers started (4 high, 6 low) and one unlabelled"

# Only this run's managed containers, running, counted by class.
managed_running() {
	docker_api GET "/containers/json?filters=$(jq -rn --arg l "$RUN_LABEL" '{label:[$l,"cull.managed=true"], status:["running"]}|tojson|@uri')" |
		jq -r '[.[] | .Labels["cull.class"]] | "\(map(select(. == "high")) | length) high, \(map(select(. == "low")) | length) low"'
}
t_is "$(managed_running)" "4 high, 6 low" "all of them run before the pipeline starts"

port=$(t_free_port)
# A central logger the pipeline forwards its log to (--forward, --host): at
# the end it must hold every line of the local log, each with the host.
cport=$(t_free_port)
central=$T_TMP/central.log
"$CULL_LOGGER" serve --listen "127.0.0.1:$cport" --log "$central" 2>"$T_TMP/central.err" &
cpid=$!
t_cleanup "kill $cpid"
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$cport/healthz" && break; sleep 0.05; done
out=$T_TMP/out
log=$out/cull.log
# TMPDIR: the run directory lands in $T_TMP, so a process still naming it
# afterwards is a leftover. set -m: its own process group; T_SIGDEFAULT
# (lib.sh) lets it trap SIGINT.
set -m
TMPDIR=$T_TMP "${T_SIGDEFAULT[@]}" "$PIPELINE" --select "$RUN_LABEL" --out "$out" --listen "127.0.0.1:$port" --quiet \
	--forward "http://127.0.0.1:$cport/logs" --host "node-$CULL_TEST_RUN" \
	>"$T_TMP/p.out" 2>"$T_TMP/p.err" </dev/null &
ppid=$!
set +m
t_cleanup "kill -KILL -- -$ppid"

# Wait (bounded, generous: the engine is shared) for the five kills, then a
# few more snapshots, in which nothing else may be killed.
count() { local n; n=$(grep -c "\"type\":\"$1\"" "$log" 2>/dev/null); echo "${n:-0}"; }
killed() { count killed; }
mems() { count mem; }
for _ in $(seq 900); do
	[ "$(killed)" -ge 5 ] && break
	kill -0 "$ppid" 2>/dev/null || break
	sleep 0.1
done
m=$(mems)
for _ in $(seq 300); do [ "$(mems)" -ge $((m + 4)) ] && break; sleep 0.1; done

# the HTTP service, while it runs
code=$(curl -s -o "$T_TMP/health" -w '%{http_code}' --max-time 10 "http://127.0.0.1:$port/healthz")
t_is "$code" 200 "GET /healthz on the pipeline's HTTP service"
code=$(curl -s -o "$T_TMP/graph.png" -w '%{http_code} %{content_type}' --max-time 30 "http://127.0.0.1:$port/graph")
t_is "$code" "200 image/png" "GET /graph answers a PNG"
t_is "$(head -c 8 "$T_TMP/graph.png" | od -An -tx1 | tr -d ' \n')" 89504e470d0a1a0a "  with the PNG signature"
rundir=$(sed -n 's|.* through \([^;]*\);.*|\1|p' "$T_TMP/p.err" | head -n 1)
t_ok "the run directory holds the FIFOs while it runs" test -p "$rundir/snap" -a -p "$rundir/log.fifo"

kill -INT "$ppid"
rc=0; wait "$ppid" || rc=$?
t_is "$rc" 0 "SIGINT: pipeline.sh ends with 0"
t_diag "$T_TMP/p.err"

t_is "$(managed_running)" "2 high, 3 low" "exactly 2 high and 3 low managed containers still run"
t_ok "the unlabelled container still runs" docker_running "$stray"
t_grep '"type":"mem"' "$log" "the log holds mem lines"
t_is "$(jq -r 'select(.type == "killed") | [.ok, .class] | join(" ")' "$log" | sort | paste -sd,)" \
	"true high,true high,true low,true low,true low" "one killed line per kill, ok:true: 2 high, 3 low"
ours=$(docker_api GET "/containers/json?all=true&filters=$(jq -rn --arg l "$RUN_LABEL" '{label:[$l]}|tojson|@uri')" | jq -c '[.[].Id]')
t_is "$(jq -r --argjson ours "$ours" 'select(.type == "killed") | .id as $i | $ours | index($i) != null' "$log" | sort -u)" true \
	"every container killed is one of this test's"
t_nogrep "\"id\":\"$stray\"" <(grep '"type":"kill' "$log") "the unlabelled container was never sentenced"
t_grep '^cull: [0-9]+ snapshots; killed 2 high, 3 low; 0 kills failed$' "$T_TMP/p.out" "the summary counts the kills by class"
t_grep "^cull: graphs $out/ram_usage.png $out/vsz_rss.png\$" "$T_TMP/p.out" "  and names both graphs"
for g in ram_usage vsz_rss; do
	if [ -s "$out/$g.png" ] && [ "$(head -c 16 "$out/$g.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a0000000d49484452 ]; then
		t_pass "$g.png is a valid PNG ($(od -An -tu1 -j16 -N8 "$out/$g.png" | awk '{print $3*256+$4 "x" $7*256+$8}'))"
	else
		t_fail "$g.png is a valid PNG"; ls -l "$out" | sed 's/^/#   /'
	fi
done
t_is "$(grep -v '"type":"forward"' "$central" | sed "s/^{\"host\":\"node-$CULL_TEST_RUN\",/{/" | cmp - "$log" && echo same)" same \
	"--forward: the central log holds every line of the local log, in order, each with --host"
t_is "$(jq -r 'select(.type == "forward") | .event' "$central" | head -n 1)" start \
	"  after the forwarder's start line"
kill "$cpid"
t_ok "the run directory and its FIFOs are gone" test ! -e "$rundir"
left=""
for p in /proc/[0-9]*; do
	[ "${p#/proc/}" = $$ ] && continue
	st=$(awk '{print $3}' "$p/stat" 2>/dev/null) || continue
	[ "$st" = Z ] && continue
	if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -F -e "$T_TMP" -e "127.0.0.1:$port" >/dev/null; then
		left="$left ${p#/proc/}:$(tr '\0' ' ' <"$p/cmdline")"
	fi
done
t_is "$left" "" "no process of the pipeline is left"
t_done
