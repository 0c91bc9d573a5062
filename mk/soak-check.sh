#!/bin/sh
# mk/soak-check.sh DIR - judge what mk/soak.sh left in DIR (started.txt,
# cull.log, samples.ndjson, final.json): print a Markdown summary (also in
# DIR/summary.md), draw DIR/soak.png, and exit 1 when a property does not hold:
#
#   - every container accounted for: each one the spawner started (started.txt)
#     was killed (a killed ok:true line of the log) or still runs (final.json),
#     never both, and nothing else of this run runs;
#   - every killed line says why (a non-empty "reason");
#   - none over the keep counts for more than two intervals: a rank line holds
#     more containers of a class than kept only by ones sentenced already (in
#     that snapshot or before), else for two rank lines in a row at most, and at
#     the end no class runs more than it keeps (how long a sentenced container
#     is still seen, the kill's time, is reported);
#   - descriptors and threads flat: after the first minute, no stage's lowest
#     count in the second half of the samples exceeds its lowest in the first
#     (the floor: a kill in flight holds a socket for a moment, a leak stays),
#     descriptors by more than 2 (libcurl keeps a few idle engine connections,
#     as many as recent kills needed: seen 13-15 in the reaper). Descriptors
#     of cgroup files are apart: the reader keeps 3 or 4 open per container
#     the engine lists (memcg.c) and 2 more (procfs.c: its cgroup's directory
#     and pids.current), so they follow the engine's count, not time; they
#     are judged against it instead: at most 6 per container listed in the
#     same sample, plus 6 for each of the 10 of a spawner's round (the count
#     and the descriptors are read a moment apart). So are
#     those of processes' files (/proc/<pid>/stat and cmdline, kept open by
#     the reader for each process it lists: procfs.h): at most 2 for each
#     process on the host in the same sample;
#   - with SOAK_RSS_LIMIT=PCT (make soak sets 1 for runs of 30 min and more):
#     no stage's RSS grows by more than PCT % an hour after the first minute;
#     its anonymous part (RssAnon: heap and stacks, what a leak grows) where
#     the samples have it. The rest of RSS is the program's and its
#     libraries' file pages, faulted in the first time a code path runs:
#     shared, clean, bounded by their size, and no leak (the ranker's RSS
#     stepped 64 KiB at minute 49 of an hour, all of it file pages, its
#     anonymous memory flat since minute 8); the summary shows both.
#
# Slopes are least-squares fits over the samples after the first minute, per
# hour. Needs jq and (for the plot) gnuplot.
set -u
d=${1:?usage: mk/soak-check.sh DIR}
for f in started.txt cull.log samples.ndjson final.json; do
	[ -s "$d/$f" ] || [ "$f" = started.txt ] && [ -e "$d/$f" ] || { echo "soak-check: $d/$f is missing" >&2; exit 1; }
done
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "- **FAIL**: $*" >>"$tmp/fails"; fail=1; }

# --- accounting ---------------------------------------------------------------
awk '$1 == "started" { print substr($4, 1, 12) }' "$d/started.txt" | sort >"$tmp/started"
jq -r 'select(.type == "killed" and .ok == true) | .id[0:12]' "$d/cull.log" | sort >"$tmp/killed"
jq -r '.running[] | .[0:12]' "$d/final.json" | sort >"$tmp/running"
started=$(wc -l <"$tmp/started") killed=$(wc -l <"$tmp/killed") running=$(wc -l <"$tmp/running")
failed_kills=$(jq -r 'select(.type == "killed" and .ok != true) | .id' "$d/cull.log" | wc -l)
noreason=$(jq -r 'select(.type == "killed" and ((.reason // "") | tostring | length) == 0) | .id' "$d/cull.log" | wc -l)
sort "$tmp/killed" "$tmp/running" | uniq -d >"$tmp/twice"
sort -u "$tmp/killed" "$tmp/running" >"$tmp/ended"
comm -23 "$tmp/started" "$tmp/ended" >"$tmp/lost"
comm -13 "$tmp/started" "$tmp/ended" >"$tmp/stray"
[ -s "$tmp/twice" ] && bad "killed twice, or killed and still running: $(paste -sd' ' "$tmp/twice")"
if [ -s "$tmp/lost" ]; then
	bad "$(wc -l <"$tmp/lost") started but neither killed nor running: $(head -n 5 "$tmp/lost" | paste -sd' ' -)"
	# how they ended, when the spawner noted it before removing them
	[ -s "$d/exited.ndjson" ] && jq -r --rawfile lost "$tmp/lost" 'select(.id[0:12] as $i | $lost | split("\n") | index($i)) |
		"\(.finished[0:19]) exit \(.exit)\(if .oom then " (OOM)" else "" end)"' "$d/exited.ndjson" |
		sort | uniq -c | awk '{ n = $1; $1 = ""; printf "%s%d at%s", (NR > 1 ? ", " : ""), n, $0 } END { if (NR) print "" }' >"$tmp/lost.how"
	[ -s "$tmp/lost.how" ] && echo "  - they ended without a killed line (so not by this pipeline): $(cat "$tmp/lost.how")" >>"$tmp/fails"
fi
[ -s "$tmp/stray" ] && bad "$(wc -l <"$tmp/stray") killed or running but never started by the spawner: $(head -n 5 "$tmp/stray" | paste -sd' ' -)"
[ "$(jq '.other | length' "$d/final.json")" = 0 ] || bad "containers of this run neither running nor exited: $(jq -c .other "$d/final.json")"
[ "$noreason" = 0 ] || bad "$noreason killed lines without a reason"

# --- over the keep counts -----------------------------------------------------
# A surplus container is sentenced (a kill line, whose seq its killed line
# keeps) in the snapshot that sees it over the keep count. A rank line may
# hold more than the keep count of a class only by containers sentenced
# already (from their first sentence on), and a surplus without a sentence
# may last two intervals at most: the pipeline's own reaction. How long a
# sentenced container is still seen afterwards is the kill's time, mostly the
# engine's teardown: reported beside the kill times, not judged. Streamed:
# the log of an hour is hundreds of MiB.
kh=$(jq .keep_high "$d/final.json") kl=$(jq .keep_low "$d/final.json")
jq -c -n 'reduce (inputs | select(.type == "killed")) as $l ({}; .[$l.id] |= (if . == null or $l.seq < . then $l.seq else . end))' \
	"$d/cull.log" >"$tmp/sentenced.json"
jq -r --argjson kh "$kh" --argjson kl "$kl" --slurpfile k "$tmp/sentenced.json" 'select(.type == "rank") | .seq as $s |
	[.containers[] | select(.managed)] as $c |
	(["high", "low"][] as $cl | ($c | map(select(.class == $cl))) as $m |
	 ($m | map(select($k[0][.id] != null and $k[0][.id] <= $s)) | length) as $pending |
	 ($m | length) - (if $cl == "high" then $kh else $kl end) - $pending |
	 "surplus \($cl) \($s) \(if . > 0 then . else 0 end)"),
	($c[] | select($k[0][.id] != null and $k[0][.id] <= $s) | "seen \($s - $k[0][.id]) \(.id[0:12]) \($s)"),
	"rank \($s)"' "$d/cull.log" >"$tmp/over" || { echo "soak-check: cannot read $d/cull.log" >&2; exit 1; }
ranks=$(grep -c '^rank ' "$tmp/over")
# per class: rank lines with an unsentenced surplus, and the longest run of them
set -- $(awk '$1 == "surplus" { if ($4 > 0) { n++; r[$2]++; if (r[$2] > m) m = r[$2] } else r[$2] = 0 } END { print n + 0, m + 0 }' "$tmp/over")
unsentenced=$1 unsentenced_run=$2
# intervals from a container's first sentence to the last snapshot that saw it
gone_after=$(awk '$1 == "seen" { if (!($3 in m) || $2 > m[$3]) m[$3] = $2 } END { for (i in m) n[m[i]]++; for (v in n) print v ": " n[v] }' "$tmp/over" | sort -n | paste -sd, - | sed 's/,/, /g')
twice=$(jq -r 'select(.type == "killed") | .id' "$d/cull.log" | sort | uniq -d | wc -l)
kill_ms=$(jq -r 'select(.type == "killed" and .ok == true) | .ms' "$d/cull.log" | sort -g |
	awk '{ a[NR] = $1 } END { p = int(NR * 0.99 + 0.5); if (p < 1) p = 1
		if (NR) printf "median %.0f ms, 99th percentile %.0f ms, longest %.0f ms", a[int((NR + 1) / 2)], a[p], a[NR] }')
[ "$unsentenced_run" -le 2 ] || bad "a surplus went unsentenced for $unsentenced_run rank lines in a row ($unsentenced rank lines in all held one)"
rh=$(jq '.running_class.high // 0' "$d/final.json") rl=$(jq '.running_class.low // 0' "$d/final.json")
[ "$rh" -le "$kh" ] && [ "$rl" -le "$kl" ] || bad "at the end $rh high and $rl low still ran, keeping $kh and $kl"

# --- growth -----------------------------------------------------------------------
# per stage and metric: n, mean, slope per hour, min, max, max of each half
jq -s '
	def fit: (length) as $n | (map(.[0]) | add / $n) as $mx | (map(.[1]) | add / $n) as $my
		| (map((.[0] - $mx) * (.[0] - $mx)) | add) as $sxx
		| {n: $n, mean: $my, slope_h: (if $sxx > 0 then (map((.[0] - $mx) * (.[1] - $my)) | add) / $sxx * 3600 else 0 end),
		   min: (map(.[1]) | min), max: (map(.[1]) | max),
		   min1: (.[0:($n / 2 | floor)] | map(.[1]) | min), min2: (.[($n / 2 | floor):] | map(.[1]) | min)};
	. as $all | [.[] | select(.t >= 60)] as $s
	| ($s | map(.t)) as $ts
	| {stages: ($all[0].stages | keys | map(. as $k | {key: $k, value: {
		rss_kb: ($s | map([.t, .stages[$k].rss_kb]) | fit),
		rss_kb2: ($s[($s | length / 2 | floor):] | map([.t, .stages[$k].rss_kb]) | fit),
		anon_kb: ($s | map([.t, .stages[$k].anon_kb // 0]) | fit),
		heap_kb: (if $s[0].stages[$k].heap_kb then $s | map([.t, .stages[$k].heap_kb]) | fit else null end),
		fds: ($s | map([.t, .stages[$k].fds - (.stages[$k].cgroup_fds // 0) - (.stages[$k].proc_fds // 0)]) | fit),
		threads: ($s | map([.t, .stages[$k].threads]) | fit),
		cpu_pct: ([range(1; $s | length) as $i | [$s[$i].t, (($s[$i].stages[$k].cpu_s - $s[$i - 1].stages[$k].cpu_s) / ($s[$i].t - $s[$i - 1].t) * 100)]] | fit)
	  }}) | from_entries),
	  log_bytes: ($s | map([.t, .log_bytes]) | fit),
	  engine: ($s | map([.t, .engine]) | fit),
	  load1: ($all | map([.t, .load1]) | fit),
	  engine_all: (if $all[0].engine_all then $all | map([.t, .engine_all]) | fit else null end),
	  host_procs: (if $all[0].host_procs then $all | map([.t, .host_procs]) | fit else null end),
	  samples: ($all | length), seconds: ($all[-1].t)}' "$d/samples.ndjson" >"$tmp/fit.json" ||
	{ echo "soak-check: cannot read $d/samples.ndjson" >&2; exit 1; }
[ "$(jq '.stages["cull-reader"].fds.n' "$tmp/fit.json")" -ge 4 ] || bad "fewer than 4 samples after the first minute: too short to judge growth"
jq -r --arg lim "${SOAK_RSS_LIMIT:-}" '.stages | to_entries[] | .key as $k | .value |
	(if .fds.min2 > .fds.min1 + 2 then "\($k): open descriptors grew: at least \(.fds.min1) in the first half, \(.fds.min2) in the second" else empty end),
	(if .threads.min2 > .threads.min1 then "\($k): threads grew: at least \(.threads.min1) in the first half, \(.threads.min2) in the second" else empty end),
	(if .anon_kb.mean > 0 then {f: .anon_kb, what: "anonymous RSS (heap and stacks)"} else {f: .rss_kb, what: "RSS"} end) as $m |
	(if $lim != "" and $m.f.slope_h / $m.f.mean * 100 > ($lim | tonumber) then "\($k): \($m.what) grows \($m.f.slope_h / $m.f.mean * 100 * 100 | round / 100) % an hour (limit \($lim) %)" else empty end)' \
	"$tmp/fit.json" | while IFS= read -r l; do echo "- **FAIL**: $l"; done >>"$tmp/fails"
jq -r '
	select(.engine_all != null) | .t as $t | .engine_all as $n | .stages | to_entries[]
	| select((.value.cgroup_fds // 0) > 6 * ($n + 10))
	| "\(.key): \(.value.cgroup_fds) descriptors of cgroup files at \($t) s, more than 6 for each of the \($n) containers listed (+10: a round of the spawner)"' \
	"$d/samples.ndjson" | head -n 3 | while IFS= read -r l; do echo "- **FAIL**: $l"; done >>"$tmp/fails"
jq -r '
	select(.host_procs != null) | .t as $t | .host_procs as $n | .stages | to_entries[]
	| select((.value.proc_fds // 0) > 2 * $n)
	| "\(.key): \(.value.proc_fds) descriptors of processes'"'"' files at \($t) s, more than 2 for each of the \($n) processes on the host"' \
	"$d/samples.ndjson" | head -n 3 | while IFS= read -r l; do echo "- **FAIL**: $l"; done >>"$tmp/fails"
[ -s "$tmp/fails" ] && fail=1

# --- the summary ----------------------------------------------------------------
{
	jq -r --argjson started "$started" --argjson killed "$killed" --argjson running "$running" --argjson fk "$failed_kills" \
		--slurpfile f "$d/final.json" '
		def r(n): . * n | round / n;
		"Run `\($f[0].run)`, ended \($f[0].date): \(.seconds / 60 | r(10)) min, \(.samples) samples every 10 s; pipeline at a \($f[0].interval_s) s interval keeping \($f[0].keep_high) high and \($f[0].keep_low) low; load average (1 min) \(.load1.mean | r(100)) on average, \(.load1.min)-\(.load1.max).",
		"",
		"Containers: **\($started) started = \($killed) killed + \($running) still running**" + (if $started == $killed + $running then "" else " (does not add up)" end) + "; \($fk) kills failed.",
		"",
		"Slopes per hour are least-squares fits over the samples after the first minute (and, for RSS, over the second half of them too); RSS growth in % of its mean (the anonymous part, RssAnon, is the heap, the stack and the pages the libraries wrote: what a leak grows; of it, the heap: the resident part of the [heap] mapping, where the samples have it; the rest is mapped files, the program and its libraries, paged in as code runs for the first time); descriptors (other than those of cgroup files and of /proc/<pid> files, which the reader keeps for the containers and processes listed) and threads: min-max over those samples.",
		"",
		"| stage | RSS mean | RSS slope | RSS growth | growth, 2nd half | anonymous: mean, growth | fds | fds slope | threads | threads slope | CPU mean | CPU slope |",
		"|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
		(.stages | to_entries[] | .value as $v | "| \(.key) | \($v.rss_kb.mean | r(1)) KiB | \($v.rss_kb.slope_h | r(10)) KiB/h | \($v.rss_kb.slope_h / $v.rss_kb.mean * 100 | r(100)) %/h | \($v.rss_kb2.slope_h / $v.rss_kb2.mean * 100 | r(100)) %/h | \($v.anon_kb.mean | r(1)) KiB, \(if $v.anon_kb.mean > 0 then $v.anon_kb.slope_h / $v.anon_kb.mean * 100 | r(100) else 0 end) %/h\(if $v.heap_kb and $v.heap_kb.mean > 0 then "; heap \($v.heap_kb.mean | r(1)) KiB, \($v.heap_kb.slope_h / $v.heap_kb.mean * 100 | r(100)) %/h" else "" end) | \($v.fds.min)-\($v.fds.max) | \($v.fds.slope_h | r(100))/h | \($v.threads.min)-\($v.threads.max) | \($v.threads.slope_h | r(100))/h | \($v.cpu_pct.mean | r(10)) % | \($v.cpu_pct.slope_h | r(10)) points/h |"),
		"",
		"The log grew \(.log_bytes.slope_h / 1048576 | r(10)) MiB an hour (\(.log_bytes.max / 1048576 | r(10)) MiB at the end); the engine ran \(.engine.min)-\(.engine.max) of this run'"'"'s containers (slope \(.engine.slope_h | r(10))/h)" + (if .engine_all then "; the whole shared engine listed \(.engine_all.min)-\(.engine_all.max) containers and the host ran \(.host_procs.min)-\(.host_procs.max) processes (the reader lists and scans them all)" else "" end) + "."' "$tmp/fit.json"
	echo
	echo "Over the keep counts: in $ranks rank lines, $unsentenced held a surplus not yet sentenced (the longest run: $unsentenced_run; at most 2 allowed). A sentenced container was last seen this many intervals after its first sentence (intervals: containers): ${gone_after:-none killed}; the kills took ${kill_ms:-nothing} (inspect, kill, and the engine saying it stopped); $twice containers were sentenced twice (still seen when the ranker's cooldown ended, the second kill answered 409 not running). At the end $rh high and $rl low ran (keeping $kh and $kl)."
	echo
	if [ -s "$tmp/fails" ]; then cat "$tmp/fails"; else echo "Every property held: every container accounted for, each killed line with its reason, no surplus unsentenced for more than two intervals, descriptors and threads flat${SOAK_RSS_LIMIT:+, anonymous RSS growth under $SOAK_RSS_LIMIT % an hour}."; fi
} >"$d/summary.md"
cat "$d/summary.md"

# --- the plot -----------------------------------------------------------------------
if command -v gnuplot >/dev/null; then
	# minutes, then per stage RSS MiB, fds, threads, CPU % since the last sample;
	# then the log's MiB and the engine's count
	jq -rs '. as $a | range(1; length) as $i | $a[$i] as $s | $a[$i - 1] as $p
		| [$s.t / 60, (["cull-reader", "cull-ranker", "cull-reaper", "cull-logger"][] as $k | $s.stages[$k]
		   | .rss_kb / 1024, .fds, .threads, (.cpu_s - $p.stages[$k].cpu_s) / ($s.t - $p.t) * 100),
		  $s.log_bytes / 1048576, $s.engine, ($s.engine_all // "NaN")] | @tsv' "$d/samples.ndjson" >"$tmp/data"
	gnuplot 2>"$tmp/gp.err" <<EOF || { echo "soak-check: gnuplot failed:" >&2; cat "$tmp/gp.err" >&2; }
set terminal pngcairo size 1200,900 noenhanced
set output "$d/soak.png"
set multiplot layout 2,2 title "cull soak: $(jq -r .run "$d/final.json"), $(jq -r .date "$d/final.json")"
set xlabel "minutes"
set key top left
set yrange [0:*]
set y2range [0:*]
set title "RSS (MiB)"
plot for [i=0:3] "$tmp/data" using 1:(column(2 + 4*i)) with lines title word("reader ranker reaper logger", i + 1)
set title "open descriptors and threads"
plot for [i=0:3] "$tmp/data" using 1:(column(3 + 4*i)) with lines title word("reader ranker reaper logger", i + 1)." fds", \
     for [i=0:3] "$tmp/data" using 1:(column(4 + 4*i)) with lines dashtype 2 title word("reader ranker reaper logger", i + 1)." threads"
set title "CPU (% of a core, over each 10 s)"
plot for [i=0:3] "$tmp/data" using 1:(column(5 + 4*i)) with lines title word("reader ranker reaper logger", i + 1)
set title "log size (MiB) and running containers"
set y2tics
plot "$tmp/data" using 1:18 with lines title "log MiB", "$tmp/data" using 1:19 axes x1y2 with lines title "this run's containers (right)", \
     "$tmp/data" using 1:20 axes x1y2 with lines dashtype 2 title "the engine's, all (right)"
unset multiplot
EOF
fi
exit $fail
