# tests/lib.sh - TAP helpers for the shell tests (tests/*.t). Source it:
#
#	. "${0%/*}/lib.sh"
#	t_ok "reader starts" "$CULL_READER" --count 1
#	t_done
#
# Every check prints "ok N - what" or "not ok N - what" with the evidence as
# "# " comments; t_done prints the plan and sets the exit status. The binary
# under test comes from the environment, so the same suite runs against any
# implementation of a stage: CULL_READER=/path/to/other-reader prove tests/.
# pipefail: a pipeline whose status is checked fails when any stage fails,
# so a crashing stage in front of jq or grep is never a pass. A grep that
# stops early (-q) in such a pipeline can SIGPIPE a long writer: read all
# of it instead (grep ... >/dev/null).
set -u -o pipefail

TOP=$(cd "${0%/*}/.." && pwd)
CULL_BIN=${CULL_BIN:-$TOP/bin}
CULL_READER=${CULL_READER:-$CULL_BIN/cull-reader}
CULL_RANKER=${CULL_RANKER:-$CULL_BIN/cull-ranker}
CULL_REAPER=${CULL_REAPER:-$CULL_BIN/cull-reaper}
CULL_LOGGER=${CULL_LOGGER:-$CULL_BIN/cull-logger}
# The JSONTestSuite parsing cases (MIT, tests/data/jsontestsuite/LICENSE)
# live in the tree, so a checkout anywhere has them; t_suite fails loudly
# when they are not there rather than feeding a stage a literal glob.
JSONTESTSUITE=${CULL_JSONTESTSUITE:-$TOP/tests/data/jsontestsuite/test_parsing}
export LC_ALL=C

T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/cull-test.XXXXXX")
t_n=0
t_failed=0
t_cleanups=""

# t_cleanup CMD - run CMD (a string) when the test script exits.
t_cleanup() { t_cleanups="$1; $t_cleanups"; }
# The traps belong to the test's own shell. A child forked for `cmd &` keeps
# them until it execs cmd: a signal in that moment (a test's kill right
# after starting something) ran the EXIT trap in the child, which removed
# $T_TMP and the run's containers under the test still running (tests/60,
# seen in CI). A child only exits.
T_PID=$BASHPID
t_exit_trap() {
	local rc=$?
	[ "$BASHPID" = "$T_PID" ] || exit $rc
	eval "$t_cleanups" >/dev/null 2>&1
	rm -rf "$T_TMP"
	exit $rc
}
trap t_exit_trap EXIT
trap 'exit 130' INT TERM

t_pass() { t_n=$((t_n + 1)); echo "ok $t_n - $1"; }
t_fail() {
	t_n=$((t_n + 1)); t_failed=$((t_failed + 1))
	echo "not ok $t_n - $1"
	shift
	[ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/#   /'
	return 0
}
# t_diag FILE... - show files as TAP comments (at most 40 lines each)
t_diag() { local f; for f; do [ -s "$f" ] && { echo "#   --- $f"; head -n 40 "$f" | sed 's/^/#   /'; }; done; return 0; }

# t_ok DESC CMD... - CMD exits 0
t_ok() {
	local desc=$1; shift
	if "$@" >"$T_TMP/ok.out" 2>"$T_TMP/ok.err"; then t_pass "$desc"
	else t_fail "$desc" "command failed ($?): $*"; t_diag "$T_TMP/ok.err"; fi
}

# t_is GOT WANT DESC
t_is() {
	if [ "$1" = "$2" ]; then t_pass "$3"
	else t_fail "$3" "got:  '$1'" "want: '$2'"; fi
}

# t_cmp WANT_FILE GOT_FILE DESC - the files are the same, else the diff
t_cmp() {
	if cmp -s "$1" "$2"; then t_pass "$3"
	else t_fail "$3"; diff -u "$1" "$2" | head -n 60 | sed 's/^/#   /'; fi
}

# t_grep REGEX FILE DESC - an extended regex matches a line of FILE
t_grep() {
	if grep -Eq -- "$1" "$2"; then t_pass "$3"
	else t_fail "$3" "no line matches /$1/ in $2"; t_diag "$2"; fi
}
t_nogrep() {
	if ! grep -Eq -- "$1" "$2"; then t_pass "$3"
	else t_fail "$3" "a line matches /$1/:"; grep -E -- "$1" "$2" | head -5 | sed 's/^/#   /'; fi
}

# t_run WANT_RC DESC CMD... - run CMD with stdin from $T_IN (default
# /dev/null), stdout in $T_TMP/out, stderr in $T_TMP/err; check its exit code.
# A death by signal (a crash, a sanitizer abort) is never the wanted code.
t_run() {
	local want=$1 desc=$2 rc; shift 2
	"$@" <"${T_IN:-/dev/null}" >"$T_TMP/out" 2>"$T_TMP/err"; rc=$?
	if [ "$rc" = "$want" ]; then t_pass "$desc"
	else t_fail "$desc" "exit status $rc, wanted $want: $*"; t_diag "$T_TMP/err"; fi
}

# "${T_SIGDEFAULT[@]}" CMD ARG... - run CMD with SIGINT, SIGHUP and SIGTERM at
# their defaults. A shell script cannot trap a signal that was ignored when it
# started, and a background job of a script inherits SIGINT ignored, a
# harness run under nohup SIGHUP: pipeline.sh would not stop on Ctrl-C nor
# reload on SIGHUP. An array, not a function: perl execs CMD, so $! is its pid.
T_SIGDEFAULT=(perl -e '$SIG{$_} = "DEFAULT" for qw(INT HUP TERM); exec @ARGV or die "$ARGV[0]: $!\n"' --)

# t_need_stages - bail out unless all four stages are built
t_need_stages() {
	local s
	for s in "$CULL_READER" "$CULL_RANKER" "$CULL_REAPER" "$CULL_LOGGER"; do
		[ -x "$s" ] || t_bail "the whole pipeline needs every stage: no $s (make first)"
	done
}

# t_usage_errors NAME CMD... <TABLE - each line of TABLE is "ARGS|MESSAGE"
# (ARGS split at white space, MESSAGE an extended regex): CMD ARGS exits 2,
# its stderr says "NAME: MESSAGE", its stdout nothing.
t_usage_errors() {
	local name=$1 args msg argv; shift
	while IFS='|' read -r args msg; do
		[ -z "$args" ] && continue
		read -ra argv <<<"$args"
		t_run 2 "$args: exit 2" "$@" "${argv[@]}"
		t_grep "^$name: $msg" "$T_TMP/err" "  $args: says why"
		t_is "$(wc -c <"$T_TMP/out")" 0 "  $args: nothing on stdout"
	done
}

# t_bad_options NAME VALUE_OPT FLAG_OPT CMD... - every program reads a bad
# option the same way (lib/opt.c cull_getopt): one line naming the option as
# written, the synopsis, nothing on stdout, exit 2. VALUE_OPT takes a value,
# FLAG_OPT takes none; CMD is the program (and a subcommand, if any).
t_bad_options() {
	local name=$1 vopt=$2 flag=$3 bad want; shift 3
	while IFS='|' read -r bad want; do
		t_run 2 "bad option $bad: exit 2" "$@" $bad
		t_is "$(head -n 1 "$T_TMP/err")" "$name: $want" "  its first line: $want"
		t_is "$(sed -n 2p "$T_TMP/err" | cut -d' ' -f1-2)" "usage: $name" "  then the synopsis"
		t_is "$(wc -c <"$T_TMP/out")" 0 "  nothing on stdout"
	done <<EOF2
--bogus|unknown option --bogus
--bogus=1|unknown option --bogus
-Z|unknown option -Z
$vopt|option $vopt needs a value
$flag=1|option $flag takes no value
EOF2
}

# t_free_port - a TCP port no socket uses now (a few tries), below the
# kernel's ephemeral range: a port in that range may be taken by an outgoing
# connection between this choice and the bind, and a listener's bind fails
# on a port a connected socket holds (CI saw cull-low-http exit 1 so)
t_free_port() {
	local p _ lo hi
	read -r lo hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || lo=32768
	[ "$lo" -gt 11000 ] 2>/dev/null || lo=32768
	for _ in $(seq 20); do
		p=$((10000 + RANDOM % (lo - 10000)))
		ss -tanH "sport = :$p" | grep . >/dev/null || break
	done
	echo "$p"
}

t_skip_all() { echo "1..0 # SKIP $1"; trap - EXIT; rm -rf "$T_TMP"; exit 0; }
t_skip() { t_n=$((t_n + 1)); echo "ok $t_n # SKIP $1"; }
t_bail() { echo "Bail out! $1"; exit 1; }

t_done() {
	echo "1..$t_n"
	[ "$t_failed" -eq 0 ]
}

# t_golden BIN DIR [FILTER] - golden tests. For each DIR/NAME.in, run BIN with
# the arguments listed one per line in DIR/NAME.args (if any) and stdin from
# NAME.in; stdout (through FILTER, a command, if given) must equal NAME.out,
# stderr NAME.err, the exit status NAME.rc (0 when absent). UPDATE_GOLDEN=1
# rewrites the expected files from what the binary does now: review the diff.
t_golden() {
	local bin=$1 dir=$2 filter=${3:-cat} in name rc want args cases
	shopt -s nullglob; cases=("$dir"/*.in); shopt -u nullglob
	[ ${#cases[@]} -gt 0 ] || t_bail "no golden cases (*.in) in $dir"
	for in in "${cases[@]}"; do
		name=${in%.in}
		args=()
		if [ -f "$name.args" ]; then mapfile -t args <"$name.args"; fi
		( cd "$dir" && "$bin" "${args[@]}" ) <"$in" >"$T_TMP/g.raw" 2>"$T_TMP/g.err"; rc=$?
		$filter <"$T_TMP/g.raw" >"$T_TMP/g.out"
		sed "s|^${bin##*/}: |PROG: |" "$T_TMP/g.err" >"$T_TMP/g.err2"
		if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
			cp "$T_TMP/g.out" "$name.out"; cp "$T_TMP/g.err2" "$name.err"
			if [ "$rc" = 0 ]; then rm -f "$name.rc"; else echo "$rc" >"$name.rc"; fi
		fi
		want=0; [ -f "$name.rc" ] && want=$(cat "$name.rc")
		t_is "$rc" "$want" "${name##*/}: exit status"
		t_cmp "$name.out" "$T_TMP/g.out" "${name##*/}: stdout"
		t_cmp "$name.err" "$T_TMP/g.err2" "${name##*/}: stderr"
	done
}

# t_suite DIR - set T_SUITE to the JSONTestSuite files to feed a stage: all
# of them, or under valgrind (CULL_VALGRIND=1, make valgrind) every 8th, which
# keeps the run to minutes; make test and make asan feed all 318. Not a
# command substitution: it must bail out of the test itself, and a path with
# a space must stay one word.
t_suite() {
	local i=0 f step=1 files
	[ "${CULL_VALGRIND:-0}" = 1 ] && step=8
	shopt -s nullglob; files=("$1"/*.json); shopt -u nullglob
	[ ${#files[@]} -ge 300 ] || t_bail "JSONTestSuite missing or incomplete: ${#files[@]} files in $1"
	T_SUITE=()
	for f in "${files[@]}"; do
		[ $((i++ % step)) -eq 0 ] && T_SUITE+=("$f")
	done
	return 0
}
