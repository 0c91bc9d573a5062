#!/bin/bash
# 68-soak.t - two minutes of churn (make soak's run, short): pipeline.sh at a
# 0.2 s interval keeping 50 containers while a spawner adds 10 every 10 s,
# sampled every 10 s. Checks properties of what happened, never durations:
# every container the spawner started was killed (a killed ok line) or still
# runs, each killed line says why, no surplus left unsentenced more than two
# intervals, no stage's descriptors or threads grew (mk/soak-check.sh). Then
# the same check must fail on the run's files altered: a killed line removed,
# a descriptor leaked, cgroup descriptors outgrowing the containers, a thread
# more, a surplus left unsentenced, a container started that neither died nor
# runs; and pass on more containers (and so cgroup descriptors) later.
#
# CULL_SOAK_MINUTES (default 2) sets the length; CULL_SOAK_DIR=DIR judges
# the files of a run made before instead (mk/soak.sh's OUTDIR). The engine is shared: the
# run's containers carry cull.test=soak-<run> and only they take part.
. "${0%/*}/lib.sh"
. "${0%/*}/docker.sh"
t_need_stages
docker_up
export CULL_BIN CULL_READER CULL_RANKER CULL_REAPER CULL_LOGGER
d=$T_TMP/soak
rc=0
if [ -n "${CULL_SOAK_DIR:-}" ]; then	# judge a run made before (the checks alone)
	cp -r "$CULL_SOAK_DIR" "$d" && sh "$TOP/mk/soak-check.sh" "$d" >"$T_TMP/out" 2>"$T_TMP/err" || rc=$?
else
	bash "$TOP/mk/soak.sh" "${CULL_SOAK_MINUTES:-2}" "$d" >"$T_TMP/out" 2>"$T_TMP/err" || rc=$?
fi
t_is "$rc" 0 "the soak ran and every property held"
[ "$rc" = 0 ] || { t_diag "$T_TMP/out"; tail -n 20 "$T_TMP/err" | sed 's/^/#   /'; }
for f in started.txt cull.log samples.ndjson final.json summary.md soak.png; do
	t_ok "  it left $f" test -s "$d/$f"
done
[ -s "$d/started.txt" ] || t_bail "no run to judge"
t_grep '^Containers: \*\*([0-9]+) started = [0-9]+ killed \+ [0-9]+ still running\*\*; [0-9]+ kills failed' "$d/summary.md" \
	"every container accounted for: started = killed + still running"
started=$(grep -c '^started ' "$d/started.txt")
killed=$(jq -r 'select(.type == "killed" and .ok) | .id' "$d/cull.log" | sort -u | wc -l)
t_ok "churn happened: $started started, $killed killed (more than the 50 kept)" test "$killed" -ge 10 -a "$started" -gt 60
t_is "$(jq -r 'select(.type == "killed") | (.reason // "") | length > 0' "$d/cull.log" | sort -u)" true "each killed line says why"
t_is "$(jq '[.stages[]] | length' "$d/samples.ndjson" | sort -u)" 4 "each sample has the four stages"
t_nogrep 'FAIL' "$d/summary.md" "the summary names no failed property"

# The check must be able to fail: each alteration below breaks one property.
judge() {	# judge NAME - copy the run to $T_TMP/NAME (then alter it)
	rm -rf "${T_TMP:?}/$1"; cp -r "$d" "$T_TMP/$1"
}
fails() {	# fails NAME PATTERN DESC - soak-check rejects it, saying PATTERN
	local out
	if out=$(sh "$TOP/mk/soak-check.sh" "$T_TMP/$1" 2>&1); then
		t_fail "$3: the check passed"
	elif grep -Eq -- "$2" <<<"$out"; then
		t_pass "$3"
	else
		t_fail "$3: not the expected complaint"; grep FAIL <<<"$out" | sed 's/^/#   /'
	fi
}
judge lost
gone=$(jq -r 'select(.type == "killed" and .ok) | .id' "$d/cull.log" | head -n 1)
grep -v "\"id\":\"$gone\"" "$d/cull.log" >"$T_TMP/lost/cull.log"
fails lost 'started but neither killed nor running' "a killed line missing from the log: a container unaccounted for"

judge leak
jq -c 'if .t >= 60 then .stages["cull-reaper"].fds += (.t | floor) else . end' "$d/samples.ndjson" >"$T_TMP/leak/samples.ndjson"
fails leak 'cull-reaper: open descriptors grew' "the reaper's descriptors growing: caught"

# the reader keeps 5 or 6 cgroup files open per container listed: more
# containers at every sample of the second half is no leak; a cache that
# outgrows the containers is
judge cgmore
jq -c 'if .t >= 90 then .engine_all += 10 | .stages["cull-reader"] |= (.fds += 30 | .cgroup_fds += 30) else . end' \
	"$d/samples.ndjson" >"$T_TMP/cgmore/samples.ndjson"
t_ok "the reader's cgroup descriptors following more containers: allowed" sh "$TOP/mk/soak-check.sh" "$T_TMP/cgmore"
judge cgleak
jq -c 'if .t >= 90 then .stages["cull-reader"] |= (.fds += 1000 | .cgroup_fds += 1000) else . end' \
	"$d/samples.ndjson" >"$T_TMP/cgleak/samples.ndjson"
fails cgleak 'cull-reader: [0-9]+ descriptors of cgroup files at [0-9]+ s, more than 6 for each' "cgroup descriptors outgrowing the containers listed: caught"

# and 2 per process (its stat and cmdline) for the processes it lists: more
# processes is no leak; descriptors of processes long gone are
judge procmore
jq -c 'if .t >= 90 then .host_procs += 20 | .stages["cull-reader"] |= (.fds += 40 | .proc_fds += 40) else . end' \
	"$d/samples.ndjson" >"$T_TMP/procmore/samples.ndjson"
t_ok "the reader's descriptors of processes following more processes: allowed" sh "$TOP/mk/soak-check.sh" "$T_TMP/procmore"
judge procleak
jq -c 'if .t >= 90 then .stages["cull-reader"] |= (.fds += 5000 | .proc_fds += 5000) else . end' \
	"$d/samples.ndjson" >"$T_TMP/procleak/samples.ndjson"
fails procleak "cull-reader: [0-9]+ descriptors of processes' files at [0-9]+ s, more than 2 for each" "descriptors of processes outgrowing the host's processes: caught"

# the RSS limit (make soak's, for an hour) judges the anonymous part: file
# pages faulted in later are no leak, heap that grows is
judge filepages
jq -c '.stages |= map_values(.anon_kb = 600) | if .t >= 90 then .stages["cull-ranker"].rss_kb += 64 else . end' \
	"$d/samples.ndjson" >"$T_TMP/filepages/samples.ndjson"
t_ok "RSS up 64 KiB of file pages, the heap flat: within the RSS limit" env SOAK_RSS_LIMIT=1 sh "$TOP/mk/soak-check.sh" "$T_TMP/filepages"
judge heap
jq -c '.stages |= map_values(.anon_kb = 600) | if .t >= 90 then .stages["cull-ranker"].anon_kb += 64 else . end' \
	"$d/samples.ndjson" >"$T_TMP/heap/samples.ndjson"
SOAK_RSS_LIMIT=1 fails heap 'cull-ranker: anonymous RSS \(heap and stacks\) grows' "the heap up 64 KiB: over the RSS limit, caught"

judge threads
jq -c 'if .t >= 90 then .stages["cull-ranker"].threads += 1 else . end' "$d/samples.ndjson" >"$T_TMP/threads/samples.ndjson"
fails threads 'cull-ranker: threads grew' "a thread more in the ranker's second half: caught"

# a high container more than kept, never sentenced, in the last rank lines:
# two in a row are the pipeline's allowance, three are not
surplus() {	# surplus NAME K - K more rank lines with 21 unsentenced high containers more
	judge "$1"
	jq -c 'select(.type == "rank")' "$d/cull.log" | tail -n 1 |
		jq -c --argjson k "$2" '. as $r | range(1; $k + 1) as $i | $r | .seq += $i |
			.containers += [range(0; 21) | {id: ("f" * 62 + "\(. + 10)"), name: "cull-fake-\(.)", class: "high", managed: true}]' >>"$T_TMP/$1/cull.log"
}
surplus surplus2 2
t_ok "a surplus unsentenced for two intervals: allowed" sh "$TOP/mk/soak-check.sh" "$T_TMP/surplus2"
surplus surplus3 3
fails surplus3 'a surplus went unsentenced for 3 rank lines in a row' "a surplus unsentenced for three intervals: caught"

judge stray
echo "started cull-low-ffffff cull-low-idle ffffffffffff" >>"$T_TMP/stray/started.txt"
fails stray 'started but neither killed nor running' "a container the spawner started that neither died nor runs: caught"
t_done
