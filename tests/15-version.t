#!/bin/bash
# tests/15-version.t - every program's --version prints "cull-<stage> V" with
# the one version of the tree (make print-version, from git describe and
# VERSION), exits 0 and says nothing on stderr.
. "${0%/*}/lib.sh"

# The sub-make must not inherit the calling make's flags (-w, -j, -n).
want=$(cd "$TOP" && env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s --no-print-directory print-version) ||
	t_bail "make print-version failed"
case $want in
[0-9]*) t_pass "make print-version: $want" ;;
*) t_bail "make print-version printed \"$want\", not a version" ;;
esac

for stage in reader ranker reaper logger; do
	var=CULL_$(echo "$stage" | tr a-z A-Z)
	bin=${!var}
	t_run 0 "cull-$stage --version exits 0" "$bin" --version
	t_is "$(cat "$T_TMP/out")" "cull-$stage $want" "cull-$stage --version prints its name and the tree's version"
	t_is "$(wc -c <"$T_TMP/err")" 0 "cull-$stage --version: nothing on stderr"
done
# the service (pipeline.sh, installed as cull) says the stages' version
export CULL_BIN CULL_READER CULL_RANKER CULL_REAPER CULL_LOGGER
t_run 0 "pipeline.sh --version exits 0" "$TOP/pipeline.sh" --version
t_is "$(cat "$T_TMP/out")" "cull $want" "pipeline.sh --version prints cull and the tree's version"

t_done
