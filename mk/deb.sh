#!/bin/bash
# mk/deb.sh - build the Debian packages (make deb): build-deb/cull_<v>_<arch>.deb
# and build-deb/cull-dkms_<v>_all.deb, then lintian them.
#
# dpkg-buildpackage writes into the parent of the tree it builds, so it
# builds a copy, build-deb/src: the files git knows (committed or not, ignored
# ones left out) or, without git, the tree but for what builds make. The
# copy gets a debian/changelog made here with the tree's version
# (mk/version.sh), which is never committed and so never stale.
# Exit status: 0 built and no lintian error, 1 otherwise.
set -eu -o pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build-deb
src=$out/src
cd "$top"

ver=$(sh mk/version.sh)
rm -rf "$out"
mkdir -p "$src"
ingit=no
[ "$(git rev-parse --show-toplevel 2>/dev/null)" = "$top" ] && ingit=yes
if [ $ingit = yes ]; then
	# NUL-separated, so any file name goes; a tracked file deleted in the
	# work tree is left out as the build would not see it.
	git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
		done >"$out/files"
	tar --null --no-recursion -T "$out/files" -cf - | tar -xf - -C "$src"
else
	tar --exclude=./build-deb --exclude=./build --exclude='./build-*' --exclude=./bin --exclude=./out \
		-cf - . | tar -xf - -C "$src"
fi

# The changelog: one entry, dated like the commit (reproducible), else now.
when=$(date -R) what="a tree without git"
if [ $ingit = yes ]; then
	when=$(git log -1 --format=%aD) what="git $(git rev-parse --short=7 HEAD)"
fi
maint=$(sed -n 's/^Maintainer: //p' debian/control)
cat >"$src/debian/changelog" <<CL
cull ($ver) unstable; urgency=medium

  * Built by make deb from $what; this changelog is made at build
    time (mk/deb.sh), the history is git's.

 -- $maint  $when
CL

echo "deb: building cull $ver in $src" >&2
(cd "$src" && dpkg-buildpackage -b -us -uc) >"$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log" >&2
	echo "deb: dpkg-buildpackage failed; the whole log is $out/build.log" >&2
	exit 1
}
# The compiler's own warnings do not stop a package build: they stop this one.
if grep -E '\.[ch]:[0-9]+:[0-9]+: warning:' "$out/build.log" >&2; then
	echo "deb: the build has compiler warnings (above)" >&2
	exit 1
fi

changes=$(ls "$out"/cull_*.changes)
lintian --allow-root --display-info "$changes" >"$out/lintian.log" 2>&1 || true
cat "$out/lintian.log" >&2
if grep -q '^E: ' "$out/lintian.log"; then
	echo "deb: lintian reports errors ($out/lintian.log)" >&2
	exit 1
fi
ls -l "$out"/*.deb >&2
