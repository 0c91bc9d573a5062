#!/bin/bash
# cull-logger's command line, for all four programs (intake, plot, http,
# serve): --help, usage errors, and one face for a bad option: a message on
# stderr, the synopsis, exit status 2, before anything is read or opened.
. "${0%/*}/lib.sh"
L=$CULL_LOGGER
[ -x "$L" ] || t_bail "no logger at $L"

t_run 0 "--help exits 0" "$L" --help
t_grep '^usage: cull-logger' "$T_TMP/out" "--help prints the synopsis on stdout"
t_grep '^Exit status: 0' "$T_TMP/out" "--help says the exit codes"

# args (one string, split on '|') and the message expected
t_usage_errors cull-logger "$L" <<'EOF2'
plot --log x|plot needs --log FILE and --out DIR
--log x --plots . --plot-every 0|--plot-every: "0" is out of range
--plot-every 5|--plot-every needs --plots
--plots .|--plots needs --log
--max-body 5|option --max-body does not apply here
plot --log x --out . --quiet|option --quiet does not apply here
http --log x --listen 1.2.3.4:5|option --listen does not apply here
serve --log x --fifo f|option --fifo does not apply here
http|http needs --log FILE
serve|serve needs --log FILE
serve --log x --listen nocolon|--listen: "nocolon" is not ADDR:PORT
--log x extra|unexpected argument "extra"
EOF2

t_bad_options cull-logger --log --quiet "$L"
t_bad_options cull-logger --out --quiet "$L" plot
t_bad_options cull-logger --timeout --quiet "$L" http
t_bad_options cull-logger --listen --quiet "$L" serve
t_done
