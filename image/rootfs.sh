#!/bin/bash
# image/rootfs.sh ROOT BIN - lay out the cull image's root file system in
# ROOT, for a FROM scratch image (no registry, no base image):
#
#   /usr/bin/cull-{reader,ranker,reaper,logger}   from BIN
#   /usr/sbin/cull                                pipeline.sh, the service
#   /etc/cull/cull.conf                           deploy/cull.conf, with
#                                                 proc_root = /host/proc
#   the tools the service runs (bash, coreutils' few, ps, awk, sed, grep,
#   jq, curl, socat, gnuplot) and exactly the shared objects ldd lists for
#   each, at the paths they were linked with; fontconfig's files and the one
#   font the graphs use; /tmp, /var/lib/cull, /host/proc.
#
# Exit status: 0 laid out; 1 something is missing (make deps, make).
set -euo pipefail
root=${1:?usage: rootfs.sh ROOT BIN}
bin=${2:?usage: rootfs.sh ROOT BIN}
top=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "rootfs.sh: $*" >&2; exit 1; }

rm -rf "$root"
mkdir -p "$root"/{usr/bin,usr/sbin,etc/cull,tmp,var/lib/cull,host/proc,proc,dev,sys}
chmod 1777 "$root/tmp"
ln -s usr/bin "$root/bin"

# put FILE [AS] - a copy of FILE (symlinks followed) at AS (default: its path)
put() {
	local as=${2:-$1}
	mkdir -p "$root$(dirname "$as")"
	cp -L "$1" "$root$as"
}
# program PATH [AS] - the program and every shared object ldd lists for it
program() {
	local p=$1 lib
	[ -x "$p" ] || die "$p is missing"
	put "$p" "${2:-$p}"
	# "name => /path (addr)" or "/path (addr)"; linux-vdso has no path
	ldd "$p" | grep -o '/[^ ]*' | while read -r lib; do
		[ -e "$root$lib" ] || put "$lib"
	done
}

for s in reader ranker reaper logger; do program "$bin/cull-$s" "/usr/bin/cull-$s"; done
put "$top/pipeline.sh" /usr/sbin/cull
chmod 755 "$root/usr/sbin/cull"
for t in bash ps sed grep mktemp mkfifo stat touch tail head jq curl sleep seq dirname rm mkdir sort cat socat; do
	program "$(command -v "$t" || die "$t is not installed (make deps)")" "/usr/bin/$t"
done
# awk and gnuplot are alternatives (mawk, gnuplot-nox): the real file, the usual name
program "$(readlink -f "$(command -v awk)")" /usr/bin/awk
program "$(readlink -f "$(command -v gnuplot)")" /usr/bin/gnuplot
ln -s bash "$root/usr/bin/sh"

# The graphs' font (stages/logger/plot.c asks for DejaVu Sans) and the
# fontconfig setup that finds it.
font=$(fc-match -f '%{file}' 'DejaVu Sans' 2>/dev/null) || die "fontconfig cannot find DejaVu Sans (fonts-dejavu-core)"
put "$font"
cp -a /etc/fonts "$root/etc/"

sed 's|^proc_root = .*|proc_root = /host/proc|' "$top/deploy/cull.conf" >"$root/etc/cull/cull.conf"
grep -q '^proc_root = /host/proc$' "$root/etc/cull/cull.conf" || die "deploy/cull.conf has no proc_root line"
printf 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
