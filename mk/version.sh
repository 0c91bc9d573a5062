#!/bin/sh
# mk/version.sh - print cull's version: one string for every program, the
# Debian packages and the DKMS module, valid as a Debian upstream version.
#
#   v0.2.0 tagged at HEAD                 0.2.0
#   commits after v0.2.0 (or, before the first tag, after VERSION's number)
#                                         0.2.0+git20261130.c7b14ef
#   either, with uncommitted changes      0.2.0+dirty, 0.2.0+git20261130.c7b14ef.dirty
#   no git (a tarball)                    VERSION's number
#   CULL_VERSION set                      that (the package build passes it
#                                         into its copy of the tree, which has no .git)
#
# The date is the commit's (UTC), so a commit always has the same version and
# later snapshots sort after earlier ones. VERSION holds the number of the last
# release, or the first one to come: after tagging vX.Y.Z, set it to X.Y.Z.
# Exit status 1 when the version would not be a valid Debian version.
set -u
top=$(cd "$(dirname "$0")/.." && pwd) || exit 1

valid() {
	case $1 in
	[0-9]*) ;;
	*) return 1 ;;
	esac
	case $1 in
	*[!A-Za-z0-9.+~]*) return 1 ;;
	esac
	return 0
}

if [ -n "${CULL_VERSION:-}" ]; then
	v=$CULL_VERSION
else
	v=$(sed -n '1{s/[[:space:]]//g;p;}' "$top/VERSION" 2>/dev/null)
	[ -n "$v" ] || { echo "version.sh: no version in $top/VERSION" >&2; exit 1; }
	# Only this tree's own history: a tarball unpacked inside some other
	# repository must not take that repository's commits for its own.
	if command -v git >/dev/null 2>&1 &&
	   [ "$(git -C "$top" rev-parse --show-toplevel 2>/dev/null)" = "$top" ] &&
	   git -C "$top" rev-parse -q --verify HEAD >/dev/null 2>&1; then
		dirty=$(git -C "$top" status --porcelain --untracked-files=no 2>/dev/null)
		if tag=$(git -C "$top" describe --tags --exact-match --match 'v[0-9]*' HEAD 2>/dev/null); then
			v=${tag#v}
			[ -z "$dirty" ] || v=$v+dirty
		else
			tag=$(git -C "$top" describe --tags --abbrev=0 --match 'v[0-9]*' HEAD 2>/dev/null) && v=${tag#v}
			when=$(TZ=UTC git -C "$top" log -1 --format=%cd --date=format-local:%Y%m%d HEAD) &&
			hash=$(git -C "$top" rev-parse --short=7 HEAD) || exit 1
			v=$v+git$when.$hash
			[ -z "$dirty" ] || v=$v.dirty
		fi
	fi
fi
valid "$v" || { echo "version.sh: \"$v\" is not a valid Debian version" >&2; exit 1; }
echo "$v"
