# guest-lib.sh - sourced by the guest scripts (kmod/test/guest-*.sh):
#   say TEXT...        a line on the console (serial 0)
#   send NAME FILE     FILE to the host over serial 1 (base64 between markers);
#                      the host finds it as OUTDIR/files/NAME
#   fact KEY VALUE...  a line "KEY VALUE..." in the facts file the host gets
#   fail TEXT...       say it and end the script with status 1
say() { echo "guest: $*"; }
send() {
	{ echo "=== BEGIN $1"; base64 <"$2"; echo "=== END $1"; } >/dev/ttyS1
}
fact() { echo "$*" >>/tmp/facts; }
fail() { say "$*"; exit 1; }
