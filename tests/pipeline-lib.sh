# shellcheck shell=bash
# tests/pipeline-lib.sh - pipeline.sh in the background, and what it left.
# Source after lib.sh; PIPELINE names the script under test.
#
#	run_bg --out "$T_TMP/o" ...      # $ppid; output in $T_TMP/p.out, p.err
#	mems "$T_TMP/o/cull.log"         # mem lines so far
#	child cull-ranker                # pid of pipeline.sh's child of that name
#	leftovers                        # pids of processes still naming $T_TMP

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
# run_bg ARGS... - pipeline.sh in the background, own process group, SIGINT
# not ignored (perl resets what a background job inherits); $ppid
run_bg() {
	set -m
	TMPDIR=$T_TMP perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV or die "$ARGV[0]: $!\n"' -- "$PIPELINE" --no-http --quiet "$@" >"$T_TMP/p.out" 2>"$T_TMP/p.err" </dev/null &
	ppid=$!
	set +m
	t_cleanup "kill -KILL -- -$ppid"
}
mems() { local n; n=$(grep -c '"type":"mem"' "$1" 2>/dev/null); echo "${n:-0}"; }
child() { ps -o pid=,comm= --ppid "$ppid" | awk -v c="$1" '$2 == c { print $1 }'; }
