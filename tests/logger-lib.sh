# shellcheck shell=bash
# tests/logger-lib.sh - cull-logger serve in the background. Source after
# lib.sh; $L names the logger under test.
#
# serve_bg NAME [VAR=VALUE...] -- ARGS... - cull-logger serve on a free
# loopback port in the background, with that environment; its messages in
# $T_TMP/NAME.err; $spid and $sport set once it answers
serve_bg() {
	local name=$1 envs=() i
	shift
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	env "${envs[@]}" "$L" serve --listen 127.0.0.1:0 "$@" 2>"$T_TMP/$name.err" &
	spid=$!
	t_cleanup "kill $spid"
	for i in $(seq 100); do grep -q 'serving' "$T_TMP/$name.err" && break; sleep 0.05; done
	sport=$(sed -n 's|.*serving http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$T_TMP/$name.err")
	[ -n "$sport" ] || t_bail "serve did not start: $(cat "$T_TMP/$name.err")"
	for i in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$sport/healthz" && break; sleep 0.05; done
}
