# shellcheck shell=bash
# tests/pipeline-lib.sh - pipeline.sh in the background, and what it left.
# Source after lib.sh; PIPELINE names the script under test.
#
#	run_bg --out "$T_TMP/o" ...      # $ppid; output in $T_TMP/p.out, p.err
#	mems "$T_TMP/o/cull.log"         # mem lines so far
#	child cull-ranker                # pid of pipeline.sh's child of that name
#	leftovers                        # pids of processes still naming $T_TMP
#	unpaired FIRST LOG...            # data paths FIRST.. that lost mem/rank lines

# no process of ours left: none names $T_TMP (the run dir is made there)
leftovers() {
	local p st left=""
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = $$ ] && continue
		st=$(awk '{print $3}' "$p/stat" 2>/dev/null) || continue
		[ "$st" = Z ] && continue
		tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -F "$T_TMP" >/dev/null && left="$left ${p#/proc/}"
	done
	echo "$left"
}
# run_bg ARGS... - pipeline.sh in the background, own process group, its
# signals not ignored (T_SIGDEFAULT); $ppid
run_bg() {
	set -m
	TMPDIR=$T_TMP "${T_SIGDEFAULT[@]}" "$PIPELINE" --no-http --quiet "$@" >"$T_TMP/p.out" 2>"$T_TMP/p.err" </dev/null &
	ppid=$!
	set +m
	t_cleanup "kill -KILL -- -$ppid"
}
mems() { local n; n=$(grep -c '"type":"mem"' "$1" 2>/dev/null); echo "${n:-0}"; }
child() { ps -o pid=,comm= --ppid "$ppid" | awk -v c="$1" '$2 == c { print $1 }'; }

# unpaired FIRST LOG... - each run of the data path (the reader's seq starts
# again at 1) from the FIRST-th on, in the logs together, must hold mem and
# rank lines for seq 1..N, each once; says which do not (nothing: all do).
# FIRST may be negative: -2 is the last three.
unpaired() {
	local first=$1; shift
	cat "$@" | jq -r 'select(.type == "mem" or .type == "rank") | "\(.type) \(.seq)"' |
	awk -v first="$first" '
		$1 == "mem" && $2 == 1 { g++ }
		{ n[g, $1]++; if ($2 > top[g, $1]) top[g, $1] = $2 }
		END {
			if (first < 1) first += g
			if (first < 1) { print "only " g " data paths"; exit }
			for (i = first; i <= g; i++)
				if (n[i, "mem"] != top[i, "mem"] || n[i, "rank"] != top[i, "mem"] || top[i, "rank"] != top[i, "mem"])
					print "path " i ": " n[i, "mem"] " mem, " n[i, "rank"] " rank lines for seq 1.." top[i, "mem"]
		}'
}

# engine_run - for a test of the whole pipeline on the engine: the engine up,
# the workload images built; $SPAWN, $PIPELINE, $RUN_LABEL (this run's label,
# whose containers are removed at exit), the stages exported for pipeline.sh
engine_run() {
	docker_up
	SPAWN=$TOP/workloads/spawn.sh
	PIPELINE=${CULL_PIPELINE:-$TOP/pipeline.sh}
	RUN_LABEL=cull.test=$CULL_TEST_RUN
	export CULL_BIN CULL_READER CULL_RANKER CULL_REAPER CULL_LOGGER
	t_cleanup "'$SPAWN' --clean --label '$RUN_LABEL'"
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$TOP" images >"$T_TMP/images" 2>&1 ||
		{ cat "$T_TMP/images"; t_bail "make images failed"; }
}
