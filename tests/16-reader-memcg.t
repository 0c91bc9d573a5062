#!/bin/bash
# Container memory as the engine counts it, on this machine's real cgroups:
# a container that fills page cache under a limit smaller than its file and
# one that allocates anonymous memory are told apart by the working set
# (usage less inactive file cache), though the first one's memory cgroup is
# as full as the second's. The figures are the cgroup files' own, and
# cull-ranker --sort-by ws orders by them.
. "${0%/*}/lib.sh"
. "${0%/*}/docker.sh"
t_need_stages
command -v jq >/dev/null || t_bail "jq is needed (make deps)"
docker_up
img=$(docker_test_image)
MiB=1024	# in KiB

# the cache one: a 96 MiB file read over and over in 48 MiB, so the kernel
# keeps most of its charge on the inactive file list; the anonymous one:
# 64 MiB touched, under a 256 MiB limit
cache=$(docker_run --label cull.managed=true --memory $((48 << 20)) -- "$img" --thrash 96) ||
	t_bail "cannot start the page cache container"
anon=$(docker_run --label cull.managed=true --memory $((256 << 20)) -- "$img" --mem 64) ||
	t_bail "cannot start the anonymous memory container"
nolimit=$(docker_run --label cull.managed=true -- "$img") || t_bail "cannot start the third container"
cg=$(awk '$9 == "cgroup" && $5 ~ /memory/ { print $5; exit }' /proc/self/mountinfo)
[ -n "$cg" ] || t_skip_all "no cgroup v1 memory controller mounted here"

# until the cache container's usage is past 32 MiB and the anonymous one's
# working set past 60 MiB (bounded: 30 s; both take about 1 s here)
for _ in $(seq 60); do
	"$CULL_READER" --source procfs --count 1 >"$T_TMP/snap" 2>"$T_TMP/err" || t_bail "the reader failed"
	jq -e --arg c "$cache" --arg a "$anon" \
		'.cgroups[$c].usage_kb > 32768 and .cgroups[$a].ws_kb > 61440' "$T_TMP/snap" >/dev/null && break
	sleep 0.5
done
g() { jq -r --arg id "$1" ".cgroups[\$id]$2" "$T_TMP/snap"; }
rss() { jq -r --arg id "$1" '[.procs[]|select(.container==$id)|.rss_kb]|add' "$T_TMP/snap"; }

t_ok "each container of the engine has figures" jq -e --arg c "$cache" --arg a "$anon" --arg n "$nolimit" \
	'.cgroups | has($c) and has($a) and has($n)' "$T_TMP/snap"
t_ok "the page cache container's cgroup is charged over 32 MiB" test "$(g "$cache" .usage_kb)" -gt $((32 * MiB))
t_ok "most of it inactive file cache ($(g "$cache" .inactive_file_kb) KiB)" \
	test "$(g "$cache" .inactive_file_kb)" -gt $((24 * MiB))
t_ok "so its working set is small ($(g "$cache" .ws_kb) KiB)" test "$(g "$cache" .ws_kb)" -lt $((16 * MiB))
t_ok "as its processes' RSS is ($(rss "$cache") KiB)" test "$(rss "$cache")" -lt $((8 * MiB))
t_ok "the anonymous container's working set is its 64 MiB ($(g "$anon" .ws_kb) KiB)" \
	test "$(g "$anon" .ws_kb)" -gt $((60 * MiB))
t_ok "with almost no inactive file cache ($(g "$anon" .inactive_file_kb) KiB)" \
	test "$(g "$anon" .inactive_file_kb)" -lt $((4 * MiB))
t_ok "working set = usage - inactive file" jq -e --arg c "$cache" --arg a "$anon" \
	'[.cgroups[$c,$a] | .ws_kb == .usage_kb - .inactive_file_kb] | all' "$T_TMP/snap"
t_is "$(g "$cache" .limit_kb),$(g "$anon" .limit_kb)" "$((48 * MiB)),$((256 * MiB))" "the limits, as set"
t_is "$(g "$nolimit" .limit_kb)" null "no limit: no limit_kb"
t_is "$(g "$anon" .psi)" null "no pressure on cgroup v1"
# the same figures as the cgroup's own files, read right after (the anonymous
# container's memory does not move; 1 MiB of slack for the runtime's own)
usage=$(($(cat "$cg/docker/$anon/memory.usage_in_bytes") / 1024))
t_ok "usage agrees with memory.usage_in_bytes ($usage KiB)" \
	test $(( $(g "$anon" .usage_kb) - usage )) -le 1024 -a $(( usage - $(g "$anon" .usage_kb) )) -le 1024

# the ranker orders by working set: the anonymous one is the heavier
jq -c --arg c "$cache" --arg a "$anon" \
	'.procs |= map(select(.container == $c or .container == $a))' "$T_TMP/snap" >"$T_TMP/two"
T_IN=$T_TMP/two t_run 0 "cull-ranker --sort-by ws" "$CULL_RANKER" --sort-by ws --keep-low 1 --keep-high 1
t_is "$(jq -r 'select(.type=="rank") | [.containers[].id] | join(",")' "$T_TMP/out")" "$anon,$cache" \
	"by working set: the anonymous container first"
t_is "$(jq -r --arg c "$cache" 'select(.type=="rank") | .containers[] | select(.id==$c) | .ws_kb' "$T_TMP/out")" \
	"$(g "$cache" .ws_kb)" "the rank line carries the working set"

# no cgroup mount where --sys-root points: no figures, nothing else changes
mkdir "$T_TMP/empty"
t_run 0 "--sys-root on an empty directory" "$CULL_READER" --source procfs --count 1 --sys-root "$T_TMP/empty"
t_is "$(jq -r 'has("cgroups")' "$T_TMP/out"),$(jq -r --arg a "$anon" '[.procs[]|select(.container==$a)]|length' "$T_TMP/out")" \
	"false,1" "no cgroups map, the processes still there"
t_done
