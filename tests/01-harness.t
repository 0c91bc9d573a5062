#!/bin/bash
# 01-harness.t - tests/lib.sh itself: its EXIT trap (cleanups, removing
# $T_TMP) runs in the test's own shell only. A child forked for `cmd &` holds
# the test's traps until it execs cmd; a test that signals it in that moment
# (kill right after starting it) ran the trap in the child, which removed
# $T_TMP and the run's containers while the test went on (tests/60 in CI:
# "wait_for: No record of process", then every later check failed).
. "${0%/*}/lib.sh"
t_cleanup "touch '$T_TMP.cleaned'"
t_cleanup "rm -f '$T_TMP.cleaned'"	# cleanups run last first: the marker stays
gone=0 cleaned=0
for _ in $(seq 100); do
	{ sleep 0.5 >"$T_TMP/child.out" 2>&1 & } 2>/dev/null	# a child's bash says "wait_for: No record"
	kill -TERM "$!"; wait "$!" 2>/dev/null
	[ -d "$T_TMP" ] || { gone=$((gone + 1)); mkdir -p "$T_TMP"; }
	[ -e "$T_TMP.cleaned" ] && { cleaned=$((cleaned + 1)); rm -f "$T_TMP.cleaned"; }
done
t_is "$gone" 0 "a child signalled before its exec leaves \$T_TMP alone (100 tries)"
t_is "$cleaned" 0 "  and runs none of the test's cleanups"
t_done
