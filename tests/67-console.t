#!/bin/bash
# 67-console.t - pipeline.sh on a terminal (a tmux pane): one screen redrawn
# in place, like top (the snapshot's line once on the screen, however many
# snapshots came), the containers of this run with their fate, the last
# sentences; the key s shows the next order; Ctrl-C ends it with its summary.
# Two low containers of this run, --keep-low 1, --dry-run: one is sentenced
# and none is killed.
. "${0%/*}/lib.sh"
. "${0%/*}/docker.sh"
. "${0%/*}/pipeline-lib.sh"
t_need_stages
command -v tmux >/dev/null || t_bail "tmux is not installed (sh mk/deps.sh test)"
engine_run
"$SPAWN" --label "$RUN_LABEL" --network none -n 2 --image cull-low-idle >"$T_TMP/spawned" ||
	t_bail "spawn.sh failed"

sock=$T_TMP/tmux.sock
tm() { tmux -S "$sock" "$@"; }
t_cleanup "tmux -S '$sock' kill-server 2>/dev/null"
cat >"$T_TMP/run" <<EOS
#!/bin/bash
export CULL_BIN='$CULL_BIN' CULL_READER='$CULL_READER' CULL_RANKER='$CULL_RANKER' CULL_REAPER='$CULL_REAPER' CULL_LOGGER='$CULL_LOGGER' TMPDIR='$T_TMP'
'$PIPELINE' --select '$RUN_LABEL' --keep-low 1 --dry-run --no-http --interval 0.5 --out '$T_TMP/out'
echo "exit status \$?"
sleep 600
EOS
chmod +x "$T_TMP/run"
tm new-session -d -x 150 -y 50 "$T_TMP/run"
# screen NAME - the pane as it is now, into $T_TMP/NAME
screen() { tm capture-pane -p >"$T_TMP/$1"; }
# until_screen NAME ERE - wait (bounded) until the pane shows ERE
until_screen() {
	for _ in $(seq 300); do screen "$1"; grep -Eq "$2" "$T_TMP/$1" && return 0; sleep 0.1; done
	return 1
}
until_screen s1 '^seq ([6-9]|[1-9][0-9]+) ' || t_diag "$T_TMP/s1"
t_grep '^seq [0-9]+ ' "$T_TMP/s1" "the screen shows the snapshot"
t_is "$(grep -c '^seq ' "$T_TMP/s1")" 1 "one screen redrawn in place: one snapshot line, not a scroll of them"
for n in $(awk '$1 == "started" { print $2 }' "$T_TMP/spawned"); do
	t_grep " $n +low +yes .*(keep|kill|dying)$" "$T_TMP/s1" "$n is on the screen with its fate"
done
t_grep 'shown by ram; press s' "$T_TMP/s1" "in the order of --sort-by, saying how to change it"
t_grep '^  seq [0-9]+ +cull-low-[0-9a-f]+ +low +low: 2 running, keeping 1' "$T_TMP/s1" "the last sentences, with their reasons"
tm send-keys s
until_screen s2 'shown by cpu' || t_diag "$T_TMP/s2"
t_grep 'shown by cpu; press s' "$T_TMP/s2" "the key s shows the next order"
t_grep '^  by CPU' "$T_TMP/s2" "  its table"
tm send-keys C-c
until_screen s3 '^exit status' || t_diag "$T_TMP/s3"
t_grep '^exit status 0$' "$T_TMP/s3" "Ctrl-C ends it with 0"
t_grep '^cull: [0-9]+ snapshots' "$T_TMP/s3" "  and its summary below the screen"
t_done
