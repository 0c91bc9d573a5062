#!/bin/bash
# cull-reader's command line: help, and every bad value or option is a
# message on stderr and exit status 2, before anything is read.
. "${0%/*}/lib.sh"
P=${CULL_READER##*/}

t_run 0 "--help exits 0" "$CULL_READER" --help
t_grep '^usage: cull-reader' "$T_TMP/out" "--help prints the synopsis on stdout"
t_grep 'EXIT STATUS' "$T_TMP/out" "--help lists the exit status"

# args (one string, split on '|') and the message expected
t_usage_errors "$P" "$CULL_READER" <<'EOF2'
--interval 0|--interval: "0" is out of range
--interval -1|--interval: "-1" is out of range
--interval 1x|--interval: "1x" is not a number
--interval nan|--interval: "nan" is not a number
--interval inf|--interval: "inf" is not a number
--interval 0x10|--interval: "0x10" is not a number
--count -1|--count: "-1" is out of range
--count 1.5|--count: "1.5" is not a whole number
--count 99999999999999999999999|--count: "99999999999999999999999" is out of range
--source kernel|--source: "kernel" is not one of auto\|kmod\|procfs
extra|unexpected argument "extra"
--docker /x --no-docker|--docker and --no-docker exclude each other
--source procfs --proc-file /x|--proc-file is the module's report
EOF2
t_bad_options cull-reader --interval --all "$CULL_READER"
t_done
