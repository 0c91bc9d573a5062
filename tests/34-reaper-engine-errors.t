#!/bin/bash
# Faults a real engine will not show on demand: an engine answering 500 for
# a while, a kill that fails after it landed, an answer about another
# container than the one asked for. A FAKE engine (socat + a shell script on
# a unix socket, answering from a script per container) stands in for
# dockerd here, and only here; every other reaper test uses the real one.
. "${0%/*}/lib.sh"
R=$CULL_REAPER
command -v socat >/dev/null || t_skip_all "socat is needed for the fake engine"

A=$(printf 'a%.0s' $(seq 64))	# inspect fails twice with 500, then all is well
B=$(printf 'b%.0s' $(seq 64))	# inspect always fails with 500
C=$(printf 'c%.0s' $(seq 64))	# the kill lands but answers 500; sent again: 409
D=$(printf 'd%.0s' $(seq 64))	# the container the engine answers about for "alias"
mkdir "$T_TMP/state"
cat >"$T_TMP/fake.sh" <<SH
#!/bin/bash
# one HTTP request on stdin, the answer on stdout
A=$A B=$B C=$C D=$D S=$T_TMP/state
SH
cat >>"$T_TMP/fake.sh" <<'SH'
read -r method path _
while IFS= read -r l; do l=${l%$'\r'}; [ -z "$l" ] && break; done
echo "$method $path" >>"$S/log"
path=${path%%\?*}
key=${path//\//_}
n=$(( $(cat "$S/$key" 2>/dev/null || echo 0) + 1 )); echo "$n" >"$S/$key"
respond() { printf 'HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' "$1" "${#2}" "$2"; }
inspect() {	# inspect ID NAME
	local run=true
	[ -e "$S/killed_$1" ] && run=false
	respond "200 OK" "{\"Id\":\"$1\",\"Name\":\"/$2\",\"State\":{\"Running\":$run},\"Config\":{\"Labels\":{\"cull.managed\":\"true\"}}}"
}
fire='{"message":"engine on fire"}'
case "$method $path" in
"GET /version") respond "200 OK" '{"ApiVersion":"1.41"}' ;;
"GET /v1.41/containers/$A/json") if [ "$n" -le 2 ]; then respond "500 Internal Server Error" "$fire"; else inspect "$A" flaky; fi ;;
"POST /v1.41/containers/$A/kill") touch "$S/killed_$A"; respond "204 No Content" "" ;;
"GET /v1.41/containers/$B/json") respond "500 Internal Server Error" "$fire" ;;
"GET /v1.41/containers/$C/json") inspect "$C" slow ;;
"POST /v1.41/containers/$C/kill")
	if [ "$n" -eq 1 ]; then touch "$S/killed_$C"; respond "500 Internal Server Error" '{"message":"did not receive an exit event"}'
	else respond "409 Conflict" "{\"message\":\"Container $C is not running\"}"; fi ;;
"GET /v1.41/containers/alias/json") inspect "$D" someone-else ;;
*) respond "404 Not Found" '{"message":"not in the script"}' ;;
esac
SH
sock=$T_TMP/fake.sock
socat UNIX-LISTEN:"$sock",fork EXEC:"bash $T_TMP/fake.sh" 2>"$T_TMP/socat.err" &
t_cleanup "kill $!"
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || t_bail "the fake engine did not start"

printf '{"type":"kill","seq":%d,"id":"%s"}\n' 1 "$A" 2 "$B" 3 "$C" 4 alias >"$T_TMP/in"
T_IN=$T_TMP/in t_run 0 "fake engine: exit 0" "$R" --socket "$sock" --retry 3
line() { jq -r --argjson s "$1" "select(.seq==\$s) | $2" "$T_TMP/out"; }
t_is "$(line 1 '[.ok,.status,.running]|@csv')" "true,204,false" "500 twice, then the retried inspect and the kill succeed"
t_is "$(grep -c "GET /v1.41/containers/$A/json" "$T_TMP/state/log")" 4 "500 twice: inspected 3 times, checked once after the kill"
t_is "$(line 2 '[.ok,.status,.error,.message]|@csv')" 'false,500,"cannot inspect the container","engine on fire"' \
	"500 for longer than --retry: reported with the engine's message"
t_grep "^GET /v1.41/containers/$B/json" "$T_TMP/state/log" "500 on inspect: the engine was asked (the log is there)"
t_nogrep "$B/kill" "$T_TMP/state/log" "500 on inspect: never killed"
t_is "$(line 3 '[.ok,.running]|@csv')" "true,false" "a kill that landed but answered 500: sent again (409), checked, ok"
t_is "$(line 4 '[.ok,.error]|@csv')" 'false,"the engine answered for another container"' "an answer about another container: refused"
t_grep "^GET /v1.41/containers/alias/json" "$T_TMP/state/log" "an answer about another container: it was asked for"
t_nogrep "$D/kill" "$T_TMP/state/log" "an answer about another container: nothing killed"
t_done
