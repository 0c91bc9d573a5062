#!/bin/bash
# bench/soak.sh - the recorded soak (make soak SOAK_MINUTES=60, committed in
# bench/soak/) as a Markdown section of bench/RESULTS.md. It does not run the
# hour again: it says when and how that run was made and prints its summary,
# judged again by mk/soak-check.sh from the files (so a change to the check
# shows here), with its plot.
set -u
cd "$(dirname "$0")/.." || exit 1
d=bench/soak
echo "## Soak: an hour of churn"
echo
if [ ! -s "$d/final.json" ] || [ ! -s "$d/samples.ndjson" ]; then
	echo "No recorded run in $d/: \`make soak SOAK_MINUTES=60\` makes one (commit $d/ afterwards)."
	exit 0
fi
{ read -r when; read -r commit; read -r minutes; read -r iv; read -r kh; read -r kl; } < <(jq -r '.date, .commit, .minutes, .interval_s, .keep_high, .keep_low' "$d/final.json")
echo "Recorded by \`make soak SOAK_MINUTES=$minutes\` (mk/soak.sh) on $when, at commit $commit, on the"
echo "real engine (Docker 20.10, cgroup v1) of this $(nproc)-core machine shared with other work: pipeline.sh at a"
echo "$iv s interval keeping $kh high and $kl low idle containers (\`--select\` this run's label), a spawner"
echo "adding 10 more every 10 s, which the pipeline kills, and every 10 s a sample of each stage"
echo "(\`/proc/PID/status\` VmRSS, RssAnon and Threads, the heap's share from \`/proc/PID/smaps\`, \`/proc/PID/fd\`, utime+stime). Not re-run by \`make bench\`;"
echo "the files are in \`$d/\` (samples.ndjson, started.txt, final.json, summary.md, soak.png, NOTES.md)."
echo
cat "$d/summary.md"
# what was seen while it ran that the files alone do not say
[ -s "$d/NOTES.md" ] && { echo; cat "$d/NOTES.md"; }
echo
echo "![the soak's samples](soak/soak.png)"
