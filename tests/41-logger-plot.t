#!/bin/bash
# cull-logger plot: two valid PNGs of the promised size that follow the data;
# a hostile container name changes nothing but its own label.
. "${0%/*}/lib.sh"
set -o pipefail
L=$CULL_LOGGER
[ -x "$L" ] || t_bail "no logger at $L"
# gnuplot is a real part of the logger: without it nothing here is tested
command -v gnuplot >/dev/null || t_bail "gnuplot is not installed (sh mk/deps.sh test)"

# t_differ A B DESC - both files are there, not empty, and not the same
# (a bare "! cmp -s" passes when one is missing)
t_differ() {
	if [ -s "$1" ] && [ -s "$2" ] && ! cmp -s "$1" "$2"; then t_pass "$3"
	else t_fail "$3" "$(ls -l "$1" "$2" 2>&1)"; fi
}

# mklog FILE SHIFT NAME - 120 mem records and 8 kills, one named NAME
mklog() {
	awk -v shift="$2" -v hostile="$3" 'BEGIN {
		t = 1700000000
		for (i = 0; i < 120; i++) {
			printf "{\"type\":\"mem\",\"ts\":%d,\"seq\":%d,\"used_pct\":%.2f}\n", t + i, i, 40 + 30 * sin(i / 15) + i / 6 + shift
			if (i % 15 == 7) {
				cls = int(i / 15) % 2 ? "low" : "high"
				name = i == 37 ? hostile : sprintf("cull-%s-%04x", cls, i * 977)
				gsub(/\\/, "\\\\", name); gsub(/"/, "\\\"", name)
				printf "{\"type\":\"killed\",\"ts\":%d.5,\"name\":\"%s\",\"class\":\"%s\",\"ok\":true,\"rss_kb\":%d,\"vsz_kb\":%d}\n", t + i, name, cls, 50000 + i * 1500 + shift * 100, 120000 + i * 2500
			}
		}
	}' >"$1"
}

# png_size FILE - "WIDTHxHEIGHT" from the IHDR chunk, after checking the signature
png_size() {
	[ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || { echo "not a PNG"; return; }
	local w h
	w=$(od -An -tu1 -j16 -N4 "$1" | awk '{print $1*16777216+$2*65536+$3*256+$4}')
	h=$(od -An -tu1 -j20 -N4 "$1" | awk '{print $1*16777216+$2*65536+$3*256+$4}')
	echo "${w}x$h"
}

mklog "$T_TMP/a.log" 0 cull-high-8d8d
mkdir -p "$T_TMP/a" "$T_TMP/b" "$T_TMP/c" "$T_TMP/d" "$T_TMP/e"
t_run 0 "plot draws" "$L" plot --log "$T_TMP/a.log" --out "$T_TMP/a"
for p in ram_usage vsz_rss; do
	t_is "$(png_size "$T_TMP/a/$p.png")" 1000x600 "$p.png is a 1000x600 PNG"
done
t_is "$(ls -A "$T_TMP/a" | tr '\n' ' ')" "ram_usage.png vsz_rss.png " "nothing else left in the directory"

# other data, other pictures
mklog "$T_TMP/b.log" 15 cull-high-8d8d
t_run 0 "plot draws other data" "$L" plot --log "$T_TMP/b.log" --out "$T_TMP/b"
for p in ram_usage vsz_rss; do
	t_differ "$T_TMP/a/$p.png" "$T_TMP/b/$p.png" "$p.png differs when the data differ"
done

# the hostile name: gnuplot must not run it, and it may change only its label
hostile='"; system("touch /tmp/x"); "'
hostile2='"; system("touch '"$T_TMP"'/pwned"); print "\'
mklog "$T_TMP/c.log" 0 "$hostile"
mklog "$T_TMP/e.log" 0 "$hostile2"
# a gnuplot that keeps a copy of each script it is given
cat >"$T_TMP/gp" <<'EOS'
#!/bin/sh
cat "$1" >>"$CULL_GP_COPY"
exec gnuplot "$@"
EOS
chmod +x "$T_TMP/gp"
if unshare -m true 2>/dev/null && [ -d /mnt ]; then
	# the exact name, for real, with a /tmp of its own: nobody else's /tmp/x
	# can fool the check and a hole would not touch the real one. A checkout
	# (or a logger) under /tmp is bound back into the private /tmp, through
	# an fd on the real one (not canonicalized: mount(8) would turn
	# /proc/self/fd/8 back into /tmp), or the tmpfs would hide the binary.
	keep=()
	for p in "$TOP" "$(readlink -f "$L")"; do
		case $p in /tmp/?*) p=${p#/tmp/}; keep+=("${p%%/*}") ;; esac
	done
	CULL_GNUPLOT=/mnt/gp CULL_GP_COPY=/mnt/scripts unshare -m bash -c '
		t=$1 l=$2; shift 2
		exec 8</tmp || exit 98
		mount --bind "$t" /mnt && mount -t tmpfs cull-test-tmp /tmp || exit 99
		for k in "$@"; do
			mkdir -p "/tmp/$k" && mount --no-canonicalize --bind "/proc/self/fd/8/$k" "/tmp/$k" || exit 97
		done
		"$l" plot --log /mnt/c.log --out /mnt/c; rc=$?
		if [ -e /tmp/x ]; then echo "/tmp/x was made"; fi
		exit $rc' bash "$T_TMP" "$L" "${keep[@]}" >"$T_TMP/ns.out" 2>"$T_TMP/err"
	t_is "$?" 0 "plot with the name \"; system(\"touch /tmp/x\"); \" (private /tmp)"
	t_ok "/tmp/x was not made" test ! -s "$T_TMP/ns.out"
else
	x_before=$(stat -c %Y /tmp/x 2>/dev/null || echo none)
	CULL_GNUPLOT=$T_TMP/gp CULL_GP_COPY=$T_TMP/scripts t_run 0 "plot with a hostile container name" \
		"$L" plot --log "$T_TMP/c.log" --out "$T_TMP/c"
	t_is "$(stat -c %Y /tmp/x 2>/dev/null || echo none)" "$x_before" "/tmp/x was not touched"
fi
CULL_GNUPLOT=$T_TMP/gp CULL_GP_COPY=$T_TMP/scripts t_run 0 "plot with a name that tries print and a backslash" \
	"$L" plot --log "$T_TMP/e.log" --out "$T_TMP/e"
t_is "$(png_size "$T_TMP/e/vsz_rss.png")" 1000x600 "it was drawn"
t_ok "$T_TMP/pwned was not made" test ! -e "$T_TMP/pwned"
t_grep 'pngcairo' "$T_TMP/scripts" "the scripts were seen"
t_nogrep 'system|touch' "$T_TMP/scripts" "no byte of the name is in a gnuplot script"
t_cmp "$T_TMP/a/ram_usage.png" "$T_TMP/c/ram_usage.png" "ram_usage.png is the same as with a plain name"
t_differ "$T_TMP/a/vsz_rss.png" "$T_TMP/c/vsz_rss.png" "vsz_rss.png differs only by that label (not the same file)"
t_is "$(png_size "$T_TMP/c/vsz_rss.png")" 1000x600 "and it is still a whole 1000x600 PNG"

# an empty log, a missing log, a torn last line
: >"$T_TMP/empty.log"
t_run 0 "an empty log still gives both graphs" "$L" plot --log "$T_TMP/empty.log" --out "$T_TMP/d"
t_is "$(png_size "$T_TMP/d/ram_usage.png") $(png_size "$T_TMP/d/vsz_rss.png")" "1000x600 1000x600" "two 'no data' PNGs"
t_run 0 "a missing log is empty data" "$L" plot --log "$T_TMP/none.log" --out "$T_TMP/d"
{ head -n 20 "$T_TMP/a.log"; printf '{"type":"mem","ts":17000'; } >"$T_TMP/torn.log"
t_run 0 "a torn last line is skipped" "$L" plot --log "$T_TMP/torn.log" --out "$T_TMP/d"
t_grep 'line 21: torn last line' "$T_TMP/err" "and reported with its line number"
t_run 0 "an output directory that does not exist is made" "$L" plot --log "$T_TMP/a.log" --out "$T_TMP/nope/deeper"
t_is "$(png_size "$T_TMP/nope/deeper/vsz_rss.png")" 1000x600 "  and the graphs drawn in it"
: >"$T_TMP/afile"
t_run 1 "an output directory that cannot be made: exit 1" "$L" plot --log "$T_TMP/a.log" --out "$T_TMP/afile/sub"
t_grep "cannot make the directory $T_TMP/afile/sub: Not a directory" "$T_TMP/err" "  and says why"

# points that fall together (a demo's killed idle containers): their labels
# are stacked a line apart, six and "+N more", not printed on one another
awk 'BEGIN { for (i = 1; i <= 9; i++)
	printf "{\"type\":\"killed\",\"ts\":%d,\"name\":\"idle-%d\",\"class\":\"low\",\"ok\":true,\"rss_kb\":780,\"vsz_kb\":1126}\n", i, i
	print "{\"type\":\"killed\",\"ts\":20,\"name\":\"big\",\"class\":\"high\",\"ok\":true,\"rss_kb\":200000,\"vsz_kb\":300000}" }' >"$T_TMP/same.log"
cat >"$T_TMP/gplab" <<'EOS'
#!/bin/sh
cat low.lab high.lab >"$CULL_GP_DATA"
exec gnuplot "$@"
EOS
chmod +x "$T_TMP/gplab"
CULL_GNUPLOT=$T_TMP/gplab CULL_GP_DATA=$T_TMP/same.lab t_run 0 "plot nine containers killed at one point" \
	"$L" plot --log "$T_TMP/same.log" --out "$T_TMP/same"
t_is "$(cut -f3 "$T_TMP/same.lab" | paste -sd' ')" '"idle-1" "idle-2" "idle-3" "idle-4" "idle-5" "idle-6" "+3 more" "big"' \
	"six labels, then how many more"
t_is "$(cut -f2 "$T_TMP/same.lab" | head -n 7 | sort -u | wc -l)" 7 "  each at its own height"

# --plots: drawn when the intake ends
mkdir -p "$T_TMP/f"
T_IN=$T_TMP/a.log t_run 0 "intake with --plots" "$L" --quiet --log "$T_TMP/f.log" --plots "$T_TMP/f"
t_cmp "$T_TMP/a/ram_usage.png" "$T_TMP/f/ram_usage.png" "draws the same ram_usage.png on exit"

# --plot-every: drawn while running, once something new came in
mkdir -p "$T_TMP/g"
"$L" --quiet --fifo "$T_TMP/g.fifo" --log "$T_TMP/g.log" --plots "$T_TMP/g" --plot-every 0.2 2>"$T_TMP/g.err" &
pid=$!
for i in $(seq 100); do [ -p "$T_TMP/g.fifo" ] && break; sleep 0.05; done
t_ok "no graph before any data" test ! -e "$T_TMP/g/ram_usage.png"
head -n 30 "$T_TMP/a.log" >"$T_TMP/g.fifo"
for i in $(seq 200); do [ -e "$T_TMP/g/vsz_rss.png" ] && break; sleep 0.05; done
t_is "$(png_size "$T_TMP/g/ram_usage.png") $(png_size "$T_TMP/g/vsz_rss.png")" "1000x600 1000x600" "--plot-every draws while the logger runs"
kill -TERM $pid; wait $pid
t_is "$?" 0 "and it still ends with 0 on SIGTERM"

# a long log: gnuplot is given a bounded number of points (the lowest and the
# highest of each of 1000 time slices), and a one-record spike stays in them
awk 'BEGIN { for (i = 0; i < 10000; i++)
	printf "{\"type\":\"mem\",\"ts\":%d,\"used_pct\":%.1f}\n", 1700000000 + i, i == 5003 ? 99.5 : 40 + i % 7 }' \
	>"$T_TMP/long.log"
cat >"$T_TMP/gpdata" <<'EOS'
#!/bin/sh
cp mem.dat "$CULL_GP_DATA"
exec gnuplot "$@"
EOS
chmod +x "$T_TMP/gpdata"
mkdir -p "$T_TMP/h"
CULL_GNUPLOT=$T_TMP/gpdata CULL_GP_DATA=$T_TMP/long.dat t_run 0 "plot a 10000-record log" \
	"$L" plot --log "$T_TMP/long.log" --out "$T_TMP/h"
t_ok "gnuplot was given the RAM series" test -s "$T_TMP/long.dat"
n=$(wc -l <"$T_TMP/long.dat" 2>/dev/null || echo missing)
t_ok "at most 2000 points of 10000 ($n)" test "$n" -le 2000
t_grep $'^1700005003\.000\t99\.500$' "$T_TMP/long.dat" "the spike is one of them"
t_is "$(cut -f1 "$T_TMP/long.dat" | sort -c -n && echo sorted)" sorted "in time order"

# a central log of two hosts (one hostile): a RAM line and a kill count a
# host, the hosts named in the data (never in the script), labels "name @ host"
awk 'BEGIN { for (i = 0; i < 20; i++) {
	printf "{\"host\":\"node-a\",\"type\":\"mem\",\"ts\":%d,\"used_pct\":30}\n", 1700000000 + i
	printf "{\"type\":\"mem\",\"ts\":%d,\"used_pct\":60,\"host\":\"b\\\"; system(\\\"id\\\")\"}\n", 1700000000 + i }
	print "{\"host\":\"node-a\",\"type\":\"killed\",\"ts\":1700000005,\"name\":\"web\",\"class\":\"high\",\"ok\":true,\"rss_kb\":2000,\"vsz_kb\":4000}" }' \
	>"$T_TMP/hosts.log"
cat >"$T_TMP/gphosts" <<'EOS'
#!/bin/sh
cat mem.dat >"$CULL_GP_DATA.mem"; cat kills.dat >"$CULL_GP_DATA.kills"
cat high.lab >"$CULL_GP_DATA.lab"; cat "$1" >>"$CULL_GP_DATA.gp"
exec gnuplot "$@"
EOS
chmod +x "$T_TMP/gphosts"
CULL_GNUPLOT=$T_TMP/gphosts CULL_GP_DATA=$T_TMP/hosts t_run 0 "plot a log of two hosts" \
	"$L" plot --log "$T_TMP/hosts.log" --out "$T_TMP/hostsout"
t_grep 'for \[i=0:1\] "mem.dat" index i' "$T_TMP/hosts.gp" "the RAM graph draws one line a host"
t_grep 'for \[i=0:1\] "kills.dat" index i' "$T_TMP/hosts.gp" "  and one kill count a host"
t_nogrep 'node-a|system' "$T_TMP/hosts.gp" "  the hosts' names are not in the script"
t_is "$(grep '^"' "$T_TMP/hosts.mem" | sort -u | paste -sd'|')" \
	'"b\"; system(\"id\") RAM used (%)"|"node-a RAM used (%)"' "  they head the data blocks, escaped"
t_is "$(grep -c $'\t30.000$' "$T_TMP/hosts.mem") $(grep -c $'\t60.000$' "$T_TMP/hosts.mem")" "20 20" \
	"  each host's points in its own block"
t_grep '"web @ node-a"' "$T_TMP/hosts.lab" "the scatter's label names the host"
t_is "$(png_size "$T_TMP/hostsout/ram_usage.png")" 1000x600 "  and gnuplot draws it"

# a broken gnuplot is reported, not hidden
CULL_GNUPLOT=/bin/false t_run 1 "a failing gnuplot: exit 1" "$L" plot --log "$T_TMP/a.log" --out "$T_TMP/d"
t_grep 'failed' "$T_TMP/err" "and says so"

t_done
