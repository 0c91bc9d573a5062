#!/bin/bash
# A real container whose process names itself with control characters, a
# quote and an invalid UTF-8 byte, and carries over 4 KiB of arguments: the
# reader's snapshot stays valid JSON, the name survives (the bad byte as
# U+FFFD), the command line is cut at 4096 bytes, and the ranker takes the
# line without a word.
. "${0%/*}/lib.sh"
. "$TOP/tests/docker.sh"
docker_up
img=$(docker_test_image)
comm=$'a\x01"b\x1b[2J\xff'		# 9 bytes; the kernel keeps up to 15
long=$(head -c 5000 /dev/zero | tr '\0' 'x')
id=$(docker_run --label cull.managed=true --label cull.class=low -- "$img" --comm "$comm" "$long") ||
	t_bail "cannot start the container"
sleep 0.5

t_run 0 "a snapshot" "$CULL_READER" --source procfs --count 1
cp "$T_TMP/out" "$T_TMP/snap"
t_ok "valid JSON, strict" jq -e . "$T_TMP/snap"
t_is "$(jq -r --arg id "$id" '.procs[]|select(.container==$id)|.comm' "$T_TMP/snap" | od -An -tx1 | tr -d ' \n')" \
	"$(printf 'a\x01"b\x1b[2J\xef\xbf\xbd\n' | od -An -tx1 | tr -d ' \n')" \
	"the name round-trips, control bytes and quote included, the bad byte as U+FFFD"
cmd=$(jq -r --arg id "$id" '.procs[]|select(.container==$id)|.cmdline' "$T_TMP/snap")
t_is "${#cmd}" 4096 "the command line is cut at 4096 bytes"
want=$(printf '/sleeper --comm a\001"b\033[2J\357\277\275 xxxx')
t_is "${cmd:0:${#want}}" "$want" "  and begins as it should"
T_IN=$T_TMP/snap t_run 0 "the ranker takes the snapshot" "$CULL_RANKER"
t_is "$(wc -c <"$T_TMP/err")" 0 "  without a word"
t_ok "  and ranks the container" grep -q "\"id\":\"$id\"" "$T_TMP/out"
t_done
