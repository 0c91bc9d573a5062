#!/bin/bash
# cull-logger forward ships a local log to a central cull-logger serve, and
# serve stamps ?host= into what it stores. Real socat, real HTTP, a real
# outage (the central logger stopped and started again on its port).
#   - lines arrive whole and in order, each with the forwarder's host, and
#     a line that has a host of its own keeps it;
#   - while the logger is away nothing is lost and nothing sent twice; the
#     return is told by a "forward" line of event "resume";
#   - a restarted forwarder resumes where it stopped (FILE.fwd);
#   - a renamed (rotated) log is read to its end, then the new one followed;
#   - what can never be sent is counted lost: a line longer than a batch, a
#     batch the logger refuses (413);
#   - ?host= that is not a host name is refused.
. "${0%/*}/lib.sh"
L=$CULL_LOGGER
[ -x "$L" ] || t_bail "no logger at $L"
command -v socat >/dev/null || t_bail "socat is needed (make deps)"

port=$(t_free_port)
U=http://127.0.0.1:$port
central=$T_TMP/central.log
local=$T_TMP/local.log
spid="" fpid=""

serve_up() {	# serve_up [ARGS...] - the central logger on $port
	"$L" serve --listen "127.0.0.1:$port" --log "$central" "$@" 2>>"$T_TMP/serve.err" &
	spid=$!
	for _ in $(seq 100); do curl -s -o /dev/null "$U/healthz" && return 0; sleep 0.05; done
	t_bail "serve did not start: $(cat "$T_TMP/serve.err")"
}
serve_down() { kill "$spid"; wait "$spid" 2>/dev/null; spid=""; }
fwd_up() {	# fwd_up [ARGS...]
	"$L" forward --log "$local" --url "$U/logs" --host node-a "$@" 2>>"$T_TMP/fwd.err" &
	fpid=$!
}
fwd_down() { kill -TERM "$fpid"; wait "$fpid"; fwd_rc=$?; fpid=""; }
t_cleanup '[ -n "$spid" ] && kill $spid; [ -n "$fpid" ] && kill $fpid'
# lines N M - mem lines with ts N..M, appended to the local log
lines() { local i; for i in $(seq "$1" "$2"); do printf '{"type":"mem","ts":%d,"used_pct":%d.5}\n' "$i" "$i"; done >>"$local"; }
# until_in_central N - wait (bounded) until N mem lines are in the central log
until_in_central() {
	local n
	for _ in $(seq 200); do
		n=$(grep -c '"type":"mem"' "$central" 2>/dev/null)
		[ "${n:-0}" -ge "$1" ] && return 0
		sleep 0.05
	done
	return 1
}
# the central mem lines with host taken out, against the local log
central_mem() { grep '"type":"mem"' "$central" | sed 's/^{"host":"node-a",/{/'; }

# --- usage
t_run 2 "forward without --url is a usage error" "$L" forward --log x
t_run 2 "--url must be http(s)" "$L" forward --log x --url file:///etc/passwd
t_grep 'is not an http:// or https:// URL' "$T_TMP/err" "  and says so"
t_run 2 "--host must be a host name" "$L" forward --log x --url http://h/ --host 'a b'

# --- whole, in order, stamped
serve_up
lines 1 3
printf '{"type":"mem","ts":4,"host":"other","used_pct":4.5}\n' >>"$local"
fwd_up
until_in_central 4 || t_diag "$T_TMP/fwd.err"
t_cmp "$local" <(central_mem) "the local log's lines reach the central log, in order, byte for byte but the host"
t_is "$(grep -c '^{"host":"node-a","type":"mem"' "$central")" 3 "each stamped with the forwarder's host"
t_is "$(grep -c '"host":"other"' "$central")" 1 "a line with a host of its own keeps it"
t_is "$(jq -r 'select(.type == "forward") | .event' "$central")" start "its start is told by a forward line"

# --- an outage: nothing lost, nothing twice
serve_down
lines 5 40
sleep 1	# it tries, fails and waits with the lines kept
serve_up
until_in_central 40 || t_diag "$T_TMP/fwd.err"
t_cmp "$local" <(central_mem) "after the central logger's outage: every line once, in order"
t_is "$(jq -r 'select(.type == "forward" and .event == "resume") | .lost' "$central")" 0 \
	"its return is told (event resume), nothing lost"
t_grep 'keeping the lines and trying again' "$T_TMP/fwd.err" "the outage is said on stderr"

# --- restart: resumes from FILE.fwd
fwd_down
t_is "$fwd_rc" 0 "SIGTERM ends it with 0"
t_grep '^cull-forward 1 ' "$local.fwd" "its position is kept in FILE.fwd"
lines 41 50
fwd_up
until_in_central 50 || t_diag "$T_TMP/fwd.err"
t_cmp "$local" <(central_mem) "a restarted forwarder sends only what is new"

# --- rotation: the renamed log to its end, then the new one
mv "$local" "$local.1"
printf '{"type":"mem","ts":50.5,"used_pct":1.5}\n' >>"$local.1"	# a writer still on the old one
lines 51 55	# then into a new file at the path
until_in_central 56 || t_diag "$T_TMP/fwd.err"
t_is "$(grep '"type":"mem"' "$central" | tail -n 6 | jq -r .ts | tr '\n' ' ')" "50.5 51 52 53 54 55 " \
	"a rotated log is read to its end, then the new file from its start"

# --- lost, counted: a line longer than a batch; a batch refused
fwd_down
serve_down
serve_up --max-body 300
fwd_up
head -c 300000 /dev/zero | tr '\0' x | sed 's/^/{"type":"mem","ts":56,"pad":"/; s/$/"}/' >>"$local"
lines 57 57
for _ in $(seq 200); do grep -q 'longer than a batch' "$T_TMP/fwd.err" && break; sleep 0.05; done
t_grep 'longer than a batch: lost' "$T_TMP/fwd.err" "a line longer than a batch is lost, and said"
(local=$T_TMP/batch; lines 58 70)
cat "$T_TMP/batch" >>"$local"	# one write: a batch of 13 lines, more than 300 bytes: 413
for _ in $(seq 100); do grep -q 'refused a batch' "$T_TMP/fwd.err" && break; sleep 0.05; done
t_grep 'refused a batch of [0-9]+ lines \(413\): lost' "$T_TMP/fwd.err" "a batch the logger refuses for good is lost, and said"
fwd_down
read -r _ _ _ _ _ sent lost <"$local.fwd"
t_is "$lost" $((1 + 13)) "FILE.fwd counts the lost lines: 1 long + 13 refused"

# --- ?host= on the server
printf '{"type":"x","ts":1}' >"$T_TMP/one"
code=$(curl -s -o "$T_TMP/body" -w '%{http_code}' --data-binary @"$T_TMP/one" "$U/logs?host=a%20b")
t_is "$code" 400 "POST /logs?host= with a space: 400"
code=$(curl -s -o "$T_TMP/body" -w '%{http_code}' --data-binary @"$T_TMP/one" "$U/logs?host=web-2.example")
t_is "$code" 200 "POST /logs?host=web-2.example: 200"
t_is "$(tail -n 1 "$central")" '{"host":"web-2.example","type":"x","ts":1}' "  stored with its host first"

# --- GET /logs?host=NAME&tail=N: the last N lines of one host
t_is "$(curl -s "$U/logs?host=node-a&tail=3")" "$(grep '^{"host":"node-a"' "$central" | tail -n 3)" \
	"GET /logs?host=node-a&tail=3: that host's last three lines"
t_is "$(curl -s "$U/logs?host=web-2.example&tail=5")" '{"host":"web-2.example","type":"x","ts":1}' \
	"  fewer when the host has fewer"
t_is "$(curl -s -o /dev/null -w '%{http_code}' "$U/logs?host=a%2Fb")" 400 "  a host that is no host name: 400"
# lines of two hosts across many 64 KiB blocks, one line split by a block
serve_down; serve_up	# the default --max-body again
awk 'BEGIN { pad = sprintf("%700s", ""); gsub(/ /, "p", pad)
	for (i = 0; i < 300; i++)
		printf "{\"type\":\"mem\",\"ts\":%d,\"host\":\"%s\",\"pad\":\"%s\"}\n", i, i % 3 ? "h1" : "h2", pad }' \
	>"$T_TMP/many"
curl -s -o /dev/null --data-binary @"$T_TMP/many" "$U/logs"
t_is "$(curl -s "$U/logs?host=h2&tail=90" | jq -r .ts | paste -sd' ')" \
	"$(jq -r 'select(.host == "h2") | .ts' "$T_TMP/many" | tail -n 90 | paste -sd' ')" \
	"  90 lines of one host from 210 KiB of two: the same as jq finds, in order"
t_done
