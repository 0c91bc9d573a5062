#!/bin/bash
# An engine that accepts a connection and never answers (a hung dockerd):
# a line is held no longer than --retry, not --retry plus the 10 s request
# time-out. A real engine cannot be made to hang on demand, so a FAKE one
# stands in here: a unix socket that is listening but never accepts (perl,
# which prove needs anyway). The kernel completes the connection, curl
# sends its request, and nothing ever comes back.
#
# No timed assertion: the reaper reports how long each request was allowed
# to wait ("no answer within N ms"), and that bound is what is checked; the
# line's "ms" is only shown.
. "${0%/*}/lib.sh"
R=$CULL_REAPER

sock=$T_TMP/hung.sock
perl -MIO::Socket::UNIX -e '
	my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Local => $ARGV[0], Listen => 64)
		or die "listen: $!\n";
	sleep 3600;' "$sock" 2>"$T_TMP/listener.err" &
t_cleanup "kill $!"
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || { t_diag "$T_TMP/listener.err"; t_bail "the hung engine did not start"; }

# hung N - one kill line through the reaper with --retry N; the killed line
# in $T_TMP/out
hung() {
	printf '%s\n' '{"type":"kill","seq":1,"id":"abc"}' '{"type":"mem"}' >"$T_TMP/in"
	T_IN=$T_TMP/in t_run 0 "hung engine, --retry $1: exit 0" "$R" --socket "$sock" --retry "$1"
	t_is "$(jq -r 'select(.type=="killed") | [.seq,.ok,.status,.error]|@csv' "$T_TMP/out")" \
		'1,false,0,"engine unreachable"' "hung engine, --retry $1: reported ok:false, engine unreachable"
	t_grep '^\{"type":"mem"\}$' "$T_TMP/out" "hung engine, --retry $1: the next line still passes"
	echo "#   line held $(jq -r 'select(.type=="killed") | .ms' "$T_TMP/out") ms: $(jq -r 'select(.type=="killed") | .message' "$T_TMP/out")"
}

# within - the largest "no answer within N ms" the killed line reports
within() {
	jq -r 'select(.type=="killed") | .message' "$T_TMP/out" |
		sed -nE 's/.*no answer within ([0-9]+) ms.*/\1/p'
}

hung 2
w=$(within)
t_ok "--retry 2: the request's bound is reported (${w:-none})" test -n "$w"
t_ok "--retry 2: each request waited at most the 2000 ms left, not 10 s (${w:-none})" test "${w:-99999}" -le 2000

# --retry 0 still tries once, for at least a second, never the full 10 s
hung 0
w=$(within)
t_ok "--retry 0: one try bounded by 1000 ms (${w:-none})" test "${w:-99999}" -eq 1000
t_done
