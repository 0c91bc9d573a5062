#!/bin/sh
# mk/deps.sh GROUP... - install the Debian/Ubuntu packages cull needs that are
# missing. Nothing is installed when all are there. As root it runs apt-get;
# otherwise it prints the exact command and exits 2.
#
#   build  compiler, json-c, libcurl, pkg-config
#   test   what the tests drive for real: dockerd, socat, gnuplot, curl, jq, prove,
#          chromium (the dashboard, headless), prometheus (promtool), tmux
#   kmod   qemu, busybox, cpio, kmod, dpkg-dev (module tests; the Debian kernels
#          themselves are fetched by kmod/test/kernel.sh into a cache, never
#          installed: a test must not change how this machine boots)
#   kmod-debug  linux-source-6.1 and what building a kernel needs (make test-kmod-debug)
#   bench  hyperfine
#   fuzz   clang and its libFuzzer runtime
#   valgrind  valgrind
#   deb    make deb: dpkg-buildpackage, debhelper, dh-dkms, lintian
#   swarm  make test-swarm: a second dockerd in namespaces of its own
#          (nsenter, unshare: util-linux; ip: iproute2)
#   podman podman, whose Docker-compatible API the stages are tested against
#   deb-test  make test-deb: what the installed packages are tried with (dkms,
#          logrotate, systemd-analyze, man; pahole, which Debian's 6.12 headers
#          need: make test-deb unpacks them rather than installs them)
set -u

pkgs_build="gcc make pkg-config libc6-dev libjson-c-dev libcurl4-openssl-dev"
pkgs_test="perl curl jq socat gnuplot-nox fontconfig fonts-dejavu-core docker.io iproute2 procps systemd chromium prometheus tmux strace"
pkgs_kmod="qemu-system-x86 busybox-static cpio kmod dpkg-dev gzip"
pkgs_kmod_debug="linux-source-6.1 xz-utils flex bison bc libelf-dev"
pkgs_bench="hyperfine"
pkgs_fuzz="clang libclang-rt-dev"
pkgs_valgrind="valgrind"
pkgs_deb="dpkg-dev debhelper dh-dkms lintian"
pkgs_podman="podman"
pkgs_swarm="docker.io iproute2 util-linux curl jq"
pkgs_deb_test="dkms logrotate systemd jq man-db pahole"

want=""
for g in "$@"; do
	case $g in
	build) want="$want $pkgs_build" ;;
	test) want="$want $pkgs_test" ;;
	kmod) want="$want $pkgs_kmod" ;;
	kmod-debug) want="$want $pkgs_kmod_debug" ;;
	bench) want="$want $pkgs_bench" ;;
	fuzz) want="$want $pkgs_fuzz" ;;
	valgrind) want="$want $pkgs_valgrind" ;;
	deb) want="$want $pkgs_deb" ;;
	deb-test) want="$want $pkgs_deb_test" ;;
	podman) want="$want $pkgs_podman" ;;
	swarm) want="$want $pkgs_swarm" ;;
	*) echo "deps.sh: unknown group \"$g\" (build, test, kmod, kmod-debug, bench, fuzz, valgrind, deb, deb-test, podman, swarm)" >&2; exit 2 ;;
	esac
done

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps.sh: not a Debian/Ubuntu system; make sure these are installed:$want" >&2
	exit 0
fi

missing=""
for p in $want; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)
	[ "$st" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages; as root run:" >&2
	echo "  apt-get update && apt-get install -y --no-install-recommends$missing" >&2
	exit 2
fi
echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# The package lists may be stale or absent on a fresh machine.
apt-get update -qq >&2 || exit 1
# Wait for another apt (someone else on a shared machine) rather than fail.
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing >&2 || exit 1
