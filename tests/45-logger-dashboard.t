#!/bin/bash
# 45-logger-dashboard.t - the dashboard at GET / in a real browser (Debian's
# headless Chromium) against the HTTP service of a real pipeline on the
# engine: 3 low containers of this run, --keep-low 1, so two are killed and
# one is kept. A remote reporter then POSTs a killed line whose container is
# named <img src=x onerror=alert(1)> and a mem line from a second host with a
# hostile name (POST /logs takes any record; engine names cannot be hostile,
# a remote reporter's can). The rendered DOM (after the page's script ran)
# must hold the containers in their tables, the hostile names as text only,
# the host selector, and the browser must have logged nothing (a script
# error or a Content-Security-Policy refusal is a console message). A
# screenshot is kept in build/artifacts/45-dashboard.png.
. "${0%/*}/lib.sh"
. "${0%/*}/docker.sh"
. "${0%/*}/pipeline-lib.sh"
t_need_stages
for c in chromium curl jq; do
	command -v $c >/dev/null || t_bail "$c is not installed (sh mk/deps.sh test)"
done
engine_run
"$SPAWN" --label "$RUN_LABEL" --network none -n 3 --image cull-low-idle >"$T_TMP/spawned" ||
	t_bail "spawn.sh failed"

port=$(t_free_port)
out=$T_TMP/out
log=$out/cull.log
set -m
TMPDIR=$T_TMP "${T_SIGDEFAULT[@]}" "$PIPELINE" \
	--select "$RUN_LABEL" --keep-low 1 --out "$out" --listen "127.0.0.1:$port" --quiet \
	>"$T_TMP/p.out" 2>"$T_TMP/p.err" </dev/null &
ppid=$!
set +m
t_cleanup "kill -KILL -- -$ppid"
U=http://127.0.0.1:$port

count() { local n; n=$(grep -c "\"type\":\"$1\"" "$log" 2>/dev/null); echo "${n:-0}"; }
for _ in $(seq 900); do
	[ "$(count killed)" -ge 2 ] && break
	kill -0 "$ppid" 2>/dev/null || break
	sleep 0.1
done
m=$(count mem)
for _ in $(seq 300); do [ "$(count mem)" -ge $((m + 3)) ] && break; sleep 0.1; done
t_is "$(count killed)" 2 "the pipeline killed two of the three"
[ "$(count killed)" = 2 ] || { t_diag "$T_TMP/p.err"; t_bail "no kills to show"; }

evil='<img src=x onerror=alert(1)>'
evilhost='<b>host</b>"two'
body=$(jq -cn --arg n "$evil" --arg h "$evilhost" \
	'[{type:"killed",ts:(now),id:"e1",name:$n,class:"low",reason:$n,ok:false,status:404,error:$n},
	  {type:"mem",ts:(now),host:$h,total_kb:100,used_kb:10,used_pct:10}]')
t_is "$(curl -s -o /dev/null -w '%{http_code}' -d "$body" "$U/logs")" 200 "a remote reporter's hostile lines are stored"

t_is "$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$U/")" "200 text/html; charset=utf-8" "GET / is the page"
t_grep "^Content-Security-Policy: default-src 'none'; script-src 'self'" <(curl -sI "$U/") \
	"  with a policy that runs no inline script"

# The page polls; give it a few seconds of virtual time to render.
browse() {
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
		--user-data-dir="$T_TMP/chromium" --enable-logging=stderr --v=0 \
		--virtual-time-budget=8000 "$@" "$U/"
}
browse --dump-dom >"$T_TMP/dom.html" 2>"$T_TMP/chromium.err"
t_grep 'data-ready="1"' "$T_TMP/dom.html" "the page's script ran and rendered the state"
# one element per line, for greps
sed 's/</\n</g' "$T_TMP/dom.html" >"$T_TMP/dom.lines"

killed=$(jq -r 'select(.type == "killed" and .ok) | .name' "$log" | sort)
kept=$(awk '$1 == "started" { print $2 }' "$T_TMP/spawned" | sort | comm -23 - <(echo "$killed"))
t_is "$(echo "$kept" | wc -l)" 1 "one container of ours was kept"
# the rows of the rank table: <tr class="FATE" ...><td class="name">NAME
rank_rows=$(awk '/<table id="rank">/ { on = 1 } /<table id="kills">/ { on = 0 } on' "$T_TMP/dom.lines" |
	sed -n 's/^<td class="name">//p')
t_is "$rank_rows" "$kept" "the rank table holds the kept container"
t_grep "^<tr class=\"kept\" data-id=\"[0-9a-f]{64}\">" "$T_TMP/dom.lines" "  as kept"
kill_rows=$(awk '/<table id="kills">/ { on = 1 } on' "$T_TMP/dom.lines" | sed -n 's/^<td class="name">//p' | sort)
t_is "$kill_rows" "$(printf '%s\n' "$killed" '&lt;img src=x onerror=alert(1)&gt;' | sort)" \
	"the kills table holds both kills and the hostile one, its name as text"
t_grep '^<td class="ok">killed \(204\)' "$T_TMP/dom.lines" "  with their outcome"
t_nogrep '^<img src="x"' "$T_TMP/dom.lines" "no element was made of the hostile name"
t_grep '^<td class="reason">&lt;img src=x onerror=alert\(1\)&gt;' "$T_TMP/dom.lines" "the reason is text too"
t_grep '^<label id="hostpick">' "$T_TMP/dom.lines" "two hosts: the host selector is shown"
t_grep '^<option value="&lt;b&gt;host&lt;/b&gt;&quot;two">&lt;b&gt;host&lt;/b&gt;"two' "$T_TMP/dom.lines" \
	"  the hostile host name is an option's text"
t_nogrep '^<b>host' "$T_TMP/dom.lines" "  and no element"
t_nogrep ':CONSOLE' "$T_TMP/chromium.err" "the browser logged nothing (no script error, no CSP refusal)"
grep ':CONSOLE' "$T_TMP/chromium.err" | head -n 5 | sed 's/^/#   /'

mkdir -p "$TOP/build/artifacts"
shot=$TOP/build/artifacts/45-dashboard.png
rm -f "$shot"
(cd "$T_TMP" && browse --screenshot="$shot" --window-size=1280,1000 >/dev/null 2>&1)
t_is "$(head -c 8 "$shot" 2>/dev/null | od -An -tx1 | tr -d ' \n')" 89504e470d0a1a0a \
	"a screenshot is kept: build/artifacts/45-dashboard.png"

kill -INT "$ppid"
rc=0; wait "$ppid" || rc=$?
t_is "$rc" 0 "SIGINT: pipeline.sh ends with 0"
t_done
