#!/bin/sh
# mk/prove.sh ARG... - prove ARG..., saying why a check failed. A test's
# diagnostics are TAP comments on its stdout, which prove hides unless asked
# (--comments); and in a long run the failure scrolls away from the end, the
# part of a CI log one reads. So: prove with --comments --failures (each
# failed check and every comment shown as it comes), then, when the run
# failed, the failed tests' "not ok" lines and comments again at the end.
log=$(mktemp "${TMPDIR:-/tmp}/cull-prove.XXXXXX") || exit 1
trap 'rm -f "$log" "$log.rc"' EXIT
{ prove --comments --failures "$@" 2>&1; echo $? >"$log.rc"; } | tee "$log"
rc=$(cat "$log.rc" 2>/dev/null) || rc=1
[ "${rc:-1}" = 0 ] && exit 0
echo
echo "--- why: the failed tests' failed checks and comments, again"
# a test's lines run from its "name ..." line to the next; keep those of a
# test with a "not ok", that died (Dubious) or broke its plan
awk '/^[^#[:space:]][^ ]* \.\.+/ { flush(); name = $1; buf = ""; bad = 0; next }
	/^not ok/ || /^Dubious/ || /^Failed [0-9]+\/[0-9]+ subtests/ { bad = 1 }
	/^not ok/ || /^#/ || /^Dubious/ || /^Failed [0-9]/ { buf = buf "  " $0 "\n" }
	/^Test Summary Report/ { flush(); name = "" }
	function flush() { if (bad && name != "") printf "%s\n%s", name, buf; bad = 0 }
	END { flush() }' "$log" | tail -n 150
exit "$rc"
