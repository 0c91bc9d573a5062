#!/bin/bash
# 62-pipeline-fail.t - pipeline.sh when things go wrong, and its options.
#
# A stage killed mid-run is named with its status (128+signal) and the
# pipeline stops the rest in order and exits 1, leaving nothing behind; a
# stage that ends with 0 on its own is a failure too; something missing is
# said before anything starts; --duration ends it with 0; --spawn (with
# --select, so that only this run's containers take part) starts workloads
# and the pipeline culls them to the keep counts; bad options exit 2.
. "${0%/*}/lib.sh"
. "${0%/*}/docker.sh"
t_need_stages
docker_up
PIPELINE=${CULL_PIPELINE:-$TOP/pipeline.sh}
RUN_LABEL=cull.test=$CULL_TEST_RUN
export CULL_BIN CULL_READER CULL_RANKER CULL_REAPER CULL_LOGGER
t_cleanup "'$TOP/workloads/spawn.sh' --clean --label '$RUN_LABEL'"

# usage and what is missing -------------------------------------------------
for bad in "--interval x" "--interval 0.0" "--listen 127.0.0.1,fork:80" "--keep-high -1" "--sort-by size" "--listen nowhere" "--select nolabel" "--frob"; do
	# shellcheck disable=SC2086
	t_run 2 "usage error: $bad" "$PIPELINE" $bad
done
t_grep '^usage: ./pipeline.sh' "$T_TMP/err" "  with the synopsis"
t_run 0 "--help" "$PIPELINE" --help
t_grep '^EXIT STATUS' "$T_TMP/out" "  says the exit status"
CULL_RANKER=$T_TMP/no-such-ranker t_run 1 "a missing stage: exit 1" "$PIPELINE" --no-http --out "$T_TMP/o0"
t_grep "^  $T_TMP/no-such-ranker \\(make\\)\$" "$T_TMP/err" "  and says exactly what is missing"
t_ok "  before starting anything (no log made)" test ! -e "$T_TMP/o0"
DOCKER_HOST=unix://$T_TMP/no.sock t_run 1 "no engine: exit 1" "$PIPELINE" --no-http --out "$T_TMP/o0"
t_grep "a Docker engine answering on $T_TMP/no.sock" "$T_TMP/err" "  and says which socket"

. "${0%/*}/pipeline-lib.sh"

# the ranker killed mid-run -----------------------------------------------------
# The runs that test how the pipeline ends take part with no container at
# all (a label nobody has) and kill nothing: on a shared engine a pipeline
# without --select culls everyone's cull.managed containers to its keep
# counts (seen: another session's 50 containers cut to 2 high and 3 low).
SAFE=(--select "cull.test=none-$$" --dry-run)
run_bg --select "$RUN_LABEL" --out "$T_TMP/o1"
for _ in $(seq 300); do [ "$(mems "$T_TMP/o1/cull.log")" -ge 2 ] && break; sleep 0.1; done
rk=$(child cull-ranker)
t_ok "the ranker runs as a child of pipeline.sh" test -n "$rk"
kill -KILL "$rk"
rc=0; wait "$ppid" || rc=$?
t_is "$rc" 1 "the ranker killed mid-run: pipeline.sh exits 1"
t_grep "^pipeline.sh: cull-ranker \\(pid $rk\\) ended on its own with status 137 \\(SIGKILL\\)\$" "$T_TMP/p.err" "  and names it with its status"
t_nogrep 'cull-(reader|reaper|logger).*ended' "$T_TMP/p.err" "  and blames no other stage"
t_grep '^cull: [0-9]+ snapshots; killed 0 high, 0 low; 0 kills failed$' "$T_TMP/p.out" "  still prints the summary"
t_ok "  the logger still drew its graphs" test -s "$T_TMP/o1/ram_usage.png" -a -s "$T_TMP/o1/vsz_rss.png"
t_is "$(leftovers)" "" "  and leaves no process behind"
t_is "$(find "$T_TMP" -maxdepth 1 -name 'cull-run.*' | wc -l)" 0 "  nor its run directory"

# a stage ending with 0 on its own (the logger, on SIGTERM) -----------------
run_bg "${SAFE[@]}" --out "$T_TMP/o2"
for _ in $(seq 300); do [ "$(mems "$T_TMP/o2/cull.log")" -ge 1 ] && break; sleep 0.1; done
lg=$(child cull-logger)
kill -TERM "$lg"
rc=0; wait "$ppid" || rc=$?
t_is "$rc" 1 "the logger ending early: pipeline.sh exits 1"
t_grep "^pipeline.sh: cull-logger \\(pid $lg\\) ended on its own with status 0\$" "$T_TMP/p.err" "  and names it"
t_is "$(leftovers)" "" "  and leaves no process behind"

# --duration, SIGTERM ------------------------------------------------------------
rc=0; TMPDIR=$T_TMP "${T_SIGDEFAULT[@]}" "$PIPELINE" --no-http --quiet "${SAFE[@]}" --duration 2 --out "$T_TMP/o3" >"$T_TMP/p.out" 2>"$T_TMP/p.err" </dev/null || rc=$?
t_is "$rc" 0 "--duration 2 ends it with 0"
t_grep 'stopping \(the --duration of 2 s\)' "$T_TMP/p.err" "  and says why it stopped"
run_bg "${SAFE[@]}" --out "$T_TMP/o4"
for _ in $(seq 300); do [ "$(mems "$T_TMP/o4/cull.log")" -ge 1 ] && break; sleep 0.1; done
kill -TERM "$ppid"
rc=0; wait "$ppid" || rc=$?
t_is "$rc" 0 "SIGTERM ends it with 0"
t_is "$(leftovers)" "" "  and leaves no process behind"

# --spawn --select: the spawner's containers take part, and are culled --------
env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$TOP" images >"$T_TMP/images" 2>&1 || t_bail "make images failed"
run_bg --spawn --select "$RUN_LABEL" --out "$T_TMP/o5"
ours() {
	docker_api GET "/containers/json?all=true&filters=$(jq -rn --arg l "$RUN_LABEL" '{label:[$l,"cull.spawned=true"]}|tojson|@uri')" |
		jq -r "$1"
}
# until all ten are started and the surplus of each class killed
for _ in $(seq 600); do
	[ "$(grep -c '^started' "$T_TMP/p.err")" -ge 10 ] &&
		[ "$(ours '[.[] | select(.State == "running") | .Labels["cull.class"]] | (map(select(. == "high")) | length) <= 2 and (map(select(. == "low")) | length) <= 3')" = true ] &&
		break
	sleep 0.1
done
kill -INT "$ppid"
rc=0; wait "$ppid" || rc=$?
t_is "$rc" 0 "--spawn: SIGINT ends it with 0"
t_is "$(grep -c '^started cull-' "$T_TMP/p.err")" 10 "  ten containers were spawned"
t_is "$(ours 'length')" 10 "  carrying the --select label"
running=$(ours '[.[] | select(.State == "running") | .Labels["cull.class"]] | "\(map(select(. == "high")) | length) \(map(select(. == "low")) | length)"')
h=${running% *} l=${running#* }
t_ok "  at most 2 high and 3 low of them still run (now $h and $l)" test "$h" -le 2 -a "$l" -le 3
k=$(jq -s '[.[] | select(.type == "killed" and .ok == true)] | length' "$T_TMP/o5/cull.log")
t_is "$k" $((10 - h - l)) "  one killed line for each of the others"
t_is "$(leftovers)" "" "  and no process is left, the spawner included"
t_done
