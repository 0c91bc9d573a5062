#!/bin/bash
# cull-reaper against a real engine: managed containers die and are reported;
# unmanaged and --protect'ed ones survive the same lines; 404 and 409; dry-run;
# --remove, --stop-timeout, a signal that does not kill; a burst of kills;
# --exec gets the right environment from hostile data; --log-url.
. "${0%/*}/lib.sh"
. "${0%/*}/docker.sh"
R=$CULL_REAPER
docker_up
img=$(docker_test_image)
S=(--socket "$DOCKER_SOCK")

# socat_listen ADDRESS - socat on a free loopback port, forking ADDRESS for
# each connection; sets PORT. Listening is checked with ss (by socat's pid),
# not by connecting, so someone else's listener is never mistaken for ours.
socat_listen() {
	local pid
	for _ in $(seq 1 20); do
		PORT=$((20000 + RANDOM % 12000))
		socat TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr,fork "$1" 2>>"$T_TMP/socat.err" &
		pid=$!
		for _ in $(seq 50); do
			if ss -ltnpH "sport = :$PORT" 2>/dev/null | grep "pid=$pid," >/dev/null; then
				t_cleanup "kill $pid"
				return 0
			fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill "$pid" 2>/dev/null
	done
	t_diag "$T_TMP/socat.err"
	return 1
}

# kl ID SEQ [CLASS] - a kill line as cull-ranker writes it
kl() {
	jq -cn --arg id "$1" --argjson seq "$2" --arg class "${3:-high}" \
		'{type:"kill",ts:1700000000.5,seq:$seq,id:$id,name:"from-the-line",class:$class,
		  reason:"test",rss_kb:204800,vsz_kb:409600,mem_pct:20.5,cpu_pct:3.25}'
}
# got ID JQ - evaluate JQ on the killed line for ID
got() { jq -r --arg id "$1" "select(.type==\"killed\" and .id==\$id) | $2" "$T_TMP/out"; }
state() { docker_api GET "/containers/$1/json" | jq -r 'if .State then .State.Status else "gone" end'; }

run=r$$
managed=$(docker_run --name "cull-m-$run" --label cull.managed=true -- "$img")
unmanaged=$(docker_run --name "cull-u-$run" -- "$img")
labelled_false=$(docker_run --label cull.managed=TRUE -- "$img")
protected=$(docker_run --name "cull-p-$run" --label cull.managed=true -- "$img")
protected2=$(docker_run --label cull.managed=true -- "$img")
protected3=$(docker_run --label cull.managed=true -- "$img")
stopped=$(docker_run --label cull.managed=true -- "$img")
docker_api POST "/containers/$stopped/kill" >/dev/null
[ "$(state "$stopped")" = exited ] || t_bail "could not stop the 409 container"
missing=0000000000000000000000000000000000000000000000000000000000000000
for id in "$managed" "$unmanaged" "$labelled_false" "$protected" "$protected2" "$protected3" "$stopped"; do
	[ -n "$id" ] || t_bail "cannot start the test containers"
done

{
	echo '{"type":"mem","ts":1,"seq":1,"total_kb":1,"used_kb":1,"used_pct":100.0,"containers":6,"procs":6}'
	kl "$managed" 1
	kl "$unmanaged" 2
	kl "$labelled_false" 3
	kl "$protected" 4
	kl "$protected2" 5
	kl "$protected3" 16
	kl "$stopped" 6
	kl "$missing" 7
	echo '{"type":"rank","ts":1,"seq":1,"by":"ram","containers":[]}'
} >"$T_TMP/in"
T_IN=$T_TMP/in t_run 0 "a mixed batch: exit 0" "$R" "${S[@]}" --protect "cull-p-$run" --protect "${protected2:0:12}" \
	--protect "$(printf '%s' "${protected3:0:16}" | tr a-f A-F)"
t_is "$(grep -c '"type":"killed"' "$T_TMP/out")" 8 "one killed line per kill line"
t_cmp <(grep -v '"type":"kill"' "$T_TMP/in") <(grep -v '"type":"killed"' "$T_TMP/out") "other lines pass through byte for byte"

t_is "$(got "$managed" '[.ok,.status,.running,.name,.seq]|@csv')" "true,204,false,\"cull-m-$run\",1" "managed: ok, 204, verified not running, the engine's name"
t_is "$(state "$managed")" exited "managed: the engine says it exited"
t_is "$(got "$managed" '[.class,.reason,.rss_kb,.vsz_kb,.mem_pct,.cpu_pct]|@csv')" '"high","test",204800,409600,20.5,3.25' "managed: class, reason and figures copied from the kill line"
t_is "$(got "$unmanaged" '.reason')" test "  the reason goes with a refusal too"
t_is "$(got "$managed" '.ms|type')" number "managed: latency in ms"

t_is "$(got "$unmanaged" '[.ok,.error]|@csv')" 'false,"refused: not labelled cull.managed=true"' "unmanaged: refused"
t_is "$(state "$unmanaged")" running "unmanaged: still running"
t_is "$(got "$labelled_false" '.error')" "refused: not labelled cull.managed=true" "cull.managed=TRUE is not true: refused"
t_is "$(state "$labelled_false")" running "cull.managed=TRUE: still running"
t_is "$(got "$protected" '[.ok,.error]|@csv')" 'false,"refused: protected (--protect)"' "--protect NAME: refused"
t_is "$(state "$protected")" running "--protect NAME: still running"
t_is "$(got "$protected2" '.error')" "refused: protected (--protect)" "--protect SHORT-ID: refused"
t_is "$(state "$protected2")" running "--protect SHORT-ID: still running"
t_is "$(got "$protected3" '.error')" "refused: protected (--protect)" "--protect SHORT-ID in capitals: refused"
t_is "$(state "$protected3")" running "--protect SHORT-ID in capitals: still running"
t_is "$(got "$stopped" '[.ok,.status,.error]|@csv')" 'false,409,"not running"' "a stopped container: 409 not running"
t_is "$(got "$missing" '[.ok,.status,.error]|@csv')" 'false,404,"no such container"' "no such container: 404"
t_is "$(got "$missing" '.message')" "No such container: $missing" "404: the engine's message"

# A name in the line is resolved by the engine; the full id is reported.
byname=$(docker_run --name "cull-n-$run" --label cull.managed=true -- "$img")
kl "cull-n-$run" 8 >"$T_TMP/in"; T_IN=$T_TMP/in t_run 0 "kill by name: exit 0" "$R" "${S[@]}"
t_is "$(got "$byname" '[.ok,.status]|@csv')" "true,204" "kill by name: reported with the full id"
t_is "$(state "$byname")" exited "kill by name: exited"

# --any: the label is not needed, --protect still holds.
kl "$unmanaged" 9 >"$T_TMP/in"; T_IN=$T_TMP/in t_run 0 "--any --protect: exit 0" "$R" "${S[@]}" --any --protect "cull-u-$run"
t_is "$(state "$unmanaged")" running "--any does not override --protect"
kl "$unmanaged" 9 >"$T_TMP/in"; T_IN=$T_TMP/in t_run 0 "--any: exit 0" "$R" "${S[@]}" --any
t_is "$(got "$unmanaged" '.ok')" true "--any: an unlabelled container is killed"
t_is "$(state "$unmanaged")" exited "--any: exited"

# --dry-run does every check and kills nothing.
dry=$(docker_run --label cull.managed=true -- "$img")
{ kl "$dry" 10; kl "$labelled_false" 11; kl "$missing" 12; } >"$T_TMP/in"
T_IN=$T_TMP/in t_run 0 "--dry-run: exit 0" "$R" "${S[@]}" --dry-run
t_is "$(got "$dry" '[.ok,.dry_run,.message]|@csv')" 'true,true,"would kill"' "--dry-run: says it would kill"
t_is "$(state "$dry")" running "--dry-run: nothing killed"
t_is "$(got "$labelled_false" '[.ok,.error]|@csv')" 'false,"refused: not labelled cull.managed=true"' "--dry-run: still refuses"
t_is "$(got "$missing" '.status')" 404 "--dry-run: still checks existence"

# --remove: killed, then removed.
rm1=$(docker_run --label cull.managed=true -- "$img")
kl "$rm1" 13 >"$T_TMP/in"; T_IN=$T_TMP/in t_run 0 "--remove: exit 0" "$R" "${S[@]}" --remove
t_is "$(got "$rm1" '[.ok,.status,.running]|@csv')" "true,204,false" "--remove: ok"
t_is "$(state "$rm1")" gone "--remove: the container is gone"

# --stop-timeout: SIGTERM (the sleeper exits on it), graceful.
st1=$(docker_run --label cull.managed=true -- "$img")
kl "$st1" 14 >"$T_TMP/in"; T_IN=$T_TMP/in t_run 0 "--stop-timeout: exit 0" "$R" "${S[@]}" --stop-timeout 5
t_is "$(got "$st1" '[.ok,.status]|@csv')" "true,204" "--stop-timeout: ok, 204"
t_is "$(docker_api GET "/containers/$st1/json" | jq -r .State.ExitCode)" 0 "--stop-timeout: the container ended itself (exit 0 on SIGTERM)"

# A signal that does not end the container: the check after the kill says so.
cont=$(docker_run --label cull.managed=true -- "$img")
kl "$cont" 15 >"$T_TMP/in"; T_IN=$T_TMP/in t_run 0 "--signal CONT: exit 0" "$R" "${S[@]}" --signal CONT
t_is "$(got "$cont" '[.ok,.status,.error,.running]|@csv')" 'false,204,"still running after the kill",true' "204 but still running: reported ok:false"
t_is "$(state "$cont")" running "--signal CONT: still running"

# A burst of 10 kill lines: all killed, all reported (order may differ).
ids=()
for i in $(seq 1 10); do ids+=("$(docker_run --label cull.managed=true -- "$img")"); done
for i in "${!ids[@]}"; do kl "${ids[$i]}" $((100 + i)); done >"$T_TMP/in"
T_IN=$T_TMP/in t_run 0 "burst of 10: exit 0" "$R" "${S[@]}"
t_is "$(jq -r 'select(.type=="killed" and .ok) | .id' "$T_TMP/out" | sort | tr '\n' ' ')" \
	"$(printf '%s\n' "${ids[@]}" | sort | tr '\n' ' ')" "burst of 10: ten ok killed lines, one per container"
alive=0; for id in "${ids[@]}"; do [ "$(state "$id")" = running ] && alive=$((alive + 1)); done
t_is "$alive" 0 "burst of 10: none left running"

# --exec: container data reaches the command only through its environment.
# Docker refuses names with quotes or $( ), so the hostile text rides in the
# class, which comes from the line; the name checks CULL_NAME.
ex=$(docker_run --name "cull-x.$run-_" --label cull.managed=true -- "$img")
evil="q'\"\$(touch $T_TMP/pwned)\`touch $T_TMP/pwned2\`;touch $T_TMP/pwned3 \\ %s
line2"
mkdir "$T_TMP/env"
export ENV_DIR=$T_TMP/env
jq -cn --arg id "$ex" --arg class "$evil" '{type:"kill",seq:20,id:$id,class:$class,rss_kb:42}' >"$T_TMP/in"
T_IN=$T_TMP/in t_run 0 "--exec: exit 0" "$R" "${S[@]}" \
	--exec 'printf "%s\n" "$CULL_ID" "$CULL_NAME" "$CULL_CLASS" "$CULL_RSS_KB" >"$ENV_DIR/$CULL_ID"; echo to-stdout'
t_is "$(got "$ex" .ok)" true "--exec: the kill is ok"
printf '%s\n' "$ex" "cull-x.$run-_" "$evil" 42 >"$T_TMP/env.want"
t_cmp "$T_TMP/env.want" "$T_TMP/env/$ex" "--exec: CULL_ID, CULL_NAME, CULL_CLASS, CULL_RSS_KB exact"
t_is "$(ls "$T_TMP" | grep -c pwned)" 0 "--exec: nothing in the data was run"
t_nogrep to-stdout "$T_TMP/out" "--exec: the command's stdout is not mixed into the data"
t_grep to-stdout "$T_TMP/err" "--exec: the command's stdout goes to stderr"

# --exec never blocks the next kill: a command that sleeps, two kills.
e1=$(docker_run --label cull.managed=true -- "$img")
e2=$(docker_run --label cull.managed=true -- "$img")
{ kl "$e1" 21; kl "$e2" 22; } >"$T_TMP/in"
T_IN=$T_TMP/in t_run 0 "--exec slow command: exit 0" "$R" "${S[@]}" --parallel 1 \
	--exec 'sleep 1; echo "$CULL_ID" >>"$ENV_DIR/order"'
t_is "$(jq -r 'select(.type=="killed") | .ok' "$T_TMP/out" | tr '\n' ' ')" "true true " "--exec slow command: both killed"
t_is "$(wc -l <"$T_TMP/env/order")" 2 "--exec slow command: ran for both (waited for at exit)"

# --exec failing command: reported on stderr, the reaper goes on.
e3=$(docker_run --label cull.managed=true -- "$img")
kl "$e3" 23 >"$T_TMP/in"; T_IN=$T_TMP/in t_run 0 "--exec failing: exit 0" "$R" "${S[@]}" --exec 'exit 3'
t_grep 'exited with status 3' "$T_TMP/err" "--exec failing: the status is reported"

# --host tcp:// and DOCKER_HOST: the same engine through a TCP bridge.
if command -v socat >/dev/null; then
	socat_listen UNIX-CONNECT:"$DOCKER_SOCK" || t_bail "cannot start socat"
	tport=$PORT
	h1=$(docker_run --label cull.managed=true -- "$img")
	h2=$(docker_run --label cull.managed=true -- "$img")
	kl "$h1" 40 >"$T_TMP/in"; T_IN=$T_TMP/in t_run 0 "--host tcp://: exit 0" "$R" --host "tcp://127.0.0.1:$tport"
	t_is "$(got "$h1" '[.ok,.status]|@csv')" "true,204" "--host tcp://: killed"
	kl "$h2" 41 >"$T_TMP/in"; T_IN=$T_TMP/in t_run 0 "DOCKER_HOST=tcp://: exit 0" env DOCKER_HOST="tcp://127.0.0.1:$tport" "$R"
	t_is "$(got "$h2" '[.ok,.status]|@csv')" "true,204" "DOCKER_HOST=tcp://: killed"
	kl "$missing" 42 >"$T_TMP/in"; T_IN=$T_TMP/in t_run 0 "DOCKER_HOST=unix://: exit 0" env DOCKER_HOST="unix://$DOCKER_SOCK" "$R"
	t_is "$(got "$missing" '.status')" 404 "DOCKER_HOST=unix://: the engine answered"
else
	t_skip "socat missing: no --host tcp:// test"
fi

# --log-url: each killed line is POSTed; a dead logger delays nothing.
if command -v socat >/dev/null; then
	cat >"$T_TMP/http.sh" <<'SH'
#!/bin/bash
# the smallest HTTP intake: read a request, store its body, answer 204
len=0
while IFS= read -r l; do
	l=${l%$'\r'}
	[ -z "$l" ] && break
	case ${l,,} in content-length:*) len=${l#*:}; len=${len// /} ;; esac
done
head -c "$len" >>"$LOG_FILE"
printf 'HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n'
SH
	LOG_FILE=$T_TMP/posted socat_listen EXEC:"bash $T_TMP/http.sh" || t_bail "cannot start socat"
	port=$PORT
	l1=$(docker_run --label cull.managed=true -- "$img")
	{ kl "$l1" 30; kl "$missing" 31; } >"$T_TMP/in"
	T_IN=$T_TMP/in t_run 0 "--log-url: exit 0" "$R" "${S[@]}" --log-url "http://127.0.0.1:$port/logs"
	t_is "$(grep -c '"type":"killed"' "$T_TMP/out")" 2 "--log-url: two killed lines out"
	t_cmp <(sort "$T_TMP/out") <(sort "$T_TMP/posted" 2>/dev/null) "--log-url: the logger got exactly the killed lines"
	t_is "$(cat "$T_TMP/err")" "" "--log-url: nothing to complain about"

	l2=$(docker_run --label cull.managed=true -- "$img")
	kl "$l2" 32 >"$T_TMP/in"; T_IN=$T_TMP/in t_run 0 "--log-url dead logger: exit 0" "$R" "${S[@]}" --log-url "http://127.0.0.1:1/logs"
	t_is "$(got "$l2" .ok)" true "--log-url dead logger: the kill still happens"
	t_grep 'lost \(logger failed\)' "$T_TMP/err" "--log-url dead logger: lost lines counted and reported"
else
	t_skip "socat missing: no --log-url test"
fi

# --log-url into the real cull-logger (serve), when it is built. The logger
# refuses to serve from a path socat would misread (a space, a ':'), by
# design: then this part is a visible skip, not a failure of the reaper.
if [ -x "$CULL_LOGGER" ]; then
	"$CULL_LOGGER" serve --listen 127.0.0.1:0 --log "$T_TMP/cull.log" 2>"$T_TMP/logger.err" &
	lpid=$!
	t_cleanup "kill $lpid"
	url=""
	for _ in $(seq 100); do
		url=$(sed -n 's|.*serving \(http://[^ ]*\).*|\1|p' "$T_TMP/logger.err")
		[ -n "$url" ] && break
		kill -0 "$lpid" 2>/dev/null || break
		sleep 0.1
	done
fi
if [ ! -x "$CULL_LOGGER" ]; then
	t_skip "cull-logger not built: no end-to-end --log-url test"
elif [ -z "$url" ] && grep 'install me under a plain path' "$T_TMP/logger.err" >/dev/null; then
	t_skip "cull-logger will not serve from this path: $(head -n 1 "$T_TMP/logger.err")"
else
	t_ok "--log-url cull-logger: the logger serves (${url:-no url})" test -n "$url"
	l3=$(docker_run --label cull.managed=true -- "$img")
	{ kl "$l3" 33; kl "$missing" 34; } >"$T_TMP/in"
	T_IN=$T_TMP/in t_run 0 "--log-url cull-logger: exit 0" "$R" "${S[@]}" --log-url "${url}logs"
	t_is "$(cat "$T_TMP/err")" "" "--log-url cull-logger: accepted, nothing to complain about"
	for _ in $(seq 50); do [ "$(grep -c '"type":"killed"' "$T_TMP/cull.log" 2>/dev/null)" = 2 ] && break; sleep 0.1; done
	t_is "$(jq -r 'select(.type=="killed") | "\(.seq) \(.ok)"' "$T_TMP/cull.log" | sort | tr '\n' ,)" "33 true,34 false," \
		"--log-url cull-logger: both killed lines are in its log"
fi
t_done
