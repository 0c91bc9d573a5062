#!/bin/bash
# cull-reader follows the engine's event stream: the full list at start and
# after the stream breaks (resync), nothing asked for in between but the
# containers that start, and a snapshot at once when one does (the interval
# here is 60 s: every snapshot past the first came early). A fake engine
# (socat and tests/fixtures/fake-engine.sh) says exactly what, and when.
. "${0%/*}/lib.sh"
. "$TOP/tests/fixtures/fakeproc.sh"
command -v socat >/dev/null || t_bail "socat is needed (make deps)"
fakeproc_make "$T_TMP/proc"
E=$T_TMP/engine
mkdir "$E"
A=$(printf 'a%.0s' {1..64}) B=$(printf 'b%.0s' {1..64}) C=$(printf 'c%.0s' {1..64}) D=$(printf 'd%.0s' {1..64})
ctr() { printf '{"Id":"%s","Names":["/%s"],"Image":"img","Created":1,"Labels":{"cull.managed":"true"}}' "$1" "$2"; }
ev() { printf '{"status":"%s","id":"%s","Type":"container","Action":"%s","Actor":{"ID":"%s","Attributes":{"name":"%s","image":"img"}},"time":1,"timeNano":1}' "$1" "$2" "$1" "$2" "$3"; }
echo "[$(ctr "$A" a)]" >"$E/list-1"
echo "[$(ctr "$B" b)]" >"$E/one-$B"
echo "[$(ctr "$C" c)]" >"$E/one-$C"
# the first stream: B starts, A is renamed, B dies, C starts, then a line
# that is no event: the stream is broken
cat >"$E/events-1" <<EV
sleep 0.5
$(ev start "$B" b)
sleep 0.5
$(ev rename "$A" a2)
$(ev die "$B" b)
sleep 0.3
$(ev start "$C" c)
sleep 0.5
this is not an event
EV
# after the break: the list again (A as renamed, C, and D, which started
# meanwhile), then D's start replayed (since=) and nothing else
echo "[$(ctr "$A" a2),$(ctr "$C" c),$(ctr "$D" d)]" >"$E/list-2"
printf '%s\nsleep 60\n' "$(ev start "$D" d)" >"$E/events-2"

# socat's EXEC splits its command at spaces: the script runs from $T_TMP,
# never from the checkout, whose path may hold a space
cp "$TOP/tests/fixtures/fake-engine.sh" "$T_TMP/fake-engine.sh"
socat UNIX-LISTEN:"$E/sock",fork EXEC:"bash $T_TMP/fake-engine.sh $E" 2>"$T_TMP/socat.err" &
spid=$!
t_cleanup "kill $spid 2>/dev/null"
for _ in $(seq 50); do [ -S "$E/sock" ] && break; sleep 0.1; done
"$CULL_READER" --proc-root "$T_TMP/proc" --sys-root "$T_TMP/nosys" --docker "$E/sock" --interval 60 \
	>"$T_TMP/snaps" 2>"$T_TMP/err" &
rpid=$!
t_cleanup "kill $rpid 2>/dev/null"
# until the second stream is open and D's start was seen (bounded: 20 s;
# about 3 s here)
for _ in $(seq 200); do
	[ "$(cat "$E/requests" 2>/dev/null | grep -c '^GET /events')" -ge 2 ] &&
		[ "$(grep -c . "$T_TMP/snaps")" -ge 4 ] && break
	sleep 0.1
done
kill -TERM $rpid; wait $rpid; rc=$?
t_is "$rc" 0 "the reader ends with 0 on SIGTERM"
t_ok "every snapshot is JSON" jq -e . "$T_TMP/snaps"
names() { jq -r --argjson n "$1" 'select(.seq == $n) | .containers | to_entries | map(.value.name) | sort | join(",")' "$T_TMP/snaps"; }
t_is "$(names 1)" "a" "the first snapshot: the list"
t_is "$(names 2)" "a,b" "B's start: an early snapshot, B asked for alone"
t_is "$(names 3)" "a2,c" "C's start: an early snapshot, A renamed, B gone (died)"
t_is "$(names 4)" "a2,c,d" "after the break: the list again, D with it"
t_is "$(jq -s 'length' "$T_TMP/snaps")" 4 "no other snapshot: rename and die do not wake it"
sed -E 's/since=[0-9]+/since=T/' "$E/requests" >"$T_TMP/req"
cat >"$T_TMP/want" <<REQ
GET /containers/json
GET /events?since=T&filters=%7B%22type%22%3A%5B%22container%22%5D%2C%22event%22%3A%5B%22start%22%2C%22die%22%2C%22destroy%22%2C%22rename%22%5D%7D
GET /containers/json?filters=%7B%22id%22%3A%5B%22$B%22%5D%7D
GET /containers/json?filters=%7B%22id%22%3A%5B%22$C%22%5D%7D
GET /containers/json
GET /events?since=T&filters=%7B%22type%22%3A%5B%22container%22%5D%2C%22event%22%3A%5B%22start%22%2C%22die%22%2C%22destroy%22%2C%22rename%22%5D%7D
REQ
t_cmp "$T_TMP/want" "$T_TMP/req" "the requests: list, stream, one per new container, and list and stream again after the break"
t_ok "since is one second before the list was asked for, or less" awk -F'since=|&' -v now="$(date +%s)" \
	'/events/ { if ($2 > now || $2 < now - 60) exit 1 }' "$E/requests"
t_grep 'docker: the event stream said something unreadable; going on without container names' "$T_TMP/err" "the break is said"
t_grep 'answers again' "$T_TMP/err" "and its end"

# no engine: snapshots without containers, said once, not an error
t_run 0 "no engine at the socket" "$CULL_READER" --proc-root "$T_TMP/proc" --docker "$T_TMP/none.sock" \
	--count 3 --interval 0.01
t_is "$(jq -sr 'map(has("containers")) | unique | tostring' "$T_TMP/out")" '[false]' "no containers in any snapshot"
t_is "$(grep -c 'cannot reach' "$T_TMP/err")" 1 "the outage said once"
t_done
