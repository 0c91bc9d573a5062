#!/bin/bash
# tests/70-deb.t - the Debian packages on this machine, for real (make
# test-deb; CULL_TEST_DEB=1, as root). Installs build-deb/cull_*.deb and
# cull-dkms_*.deb with apt-get (dependencies from Debian), runs the programs
# from PATH, checks the unit, the config, the logrotate rule and the man pages,
# builds the module with DKMS against the 6.1 and 6.12 headers, then purges
# both packages and checks that nothing of them is left. The packages are
# purged on every exit. CULL_DEB_DIR: where the .debs are (build-deb/).
#
# Headers: Debian's linux-headers-* unpacked (never installed, no kernel
# image) in /var/cache/cull-kmod/<kver>/root (make test-kmod's cache, read
# only) or /var/cache/cull-deb/<kver>/root, made here when neither has them.
. "${0%/*}/lib.sh"

[ "${CULL_TEST_DEB:-0}" = 1 ] ||
	t_skip_all "installs and purges packages as root: run make test-deb"
[ "$(id -u)" = 0 ] || t_bail "make test-deb installs packages: run it as root"

debdir=${CULL_DEB_DIR:-$TOP/build-deb}
shopt -s nullglob
debs=("$debdir"/cull_*.deb) dkms_debs=("$debdir"/cull-dkms_*.deb)
shopt -u nullglob
[ ${#debs[@]} = 1 ] && [ ${#dkms_debs[@]} = 1 ] ||
	t_bail "want one cull_*.deb and one cull-dkms_*.deb in $debdir (make deb)"
for p in cull cull-dkms; do
	# Another copy installed by hand would be purged at the end: refuse.
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" != installed ] ||
		t_bail "$p is installed already: apt-get purge $p first"
done
sh "$TOP/mk/deps.sh" deb-test >&2 || t_bail "mk/deps.sh deb-test failed"

ver=$(dpkg-deb -f "${debs[0]}" Version)
# re STRING - STRING as an extended regex matching itself (versions hold + and .)
re() { printf '%s' "$1" | sed 's/[].[*^$()+?{}|]/\\&/g'; }
t_is "$(dpkg-deb -f "${dkms_debs[0]}" Version)" "$ver" "both packages have version $ver"

export DEBIAN_FRONTEND=noninteractive
# Others may be running apt on this machine: wait for the lock, not fail.
apt_get() { apt-get -o DPkg::Lock::Timeout=600 "$@"; }
t_cleanup "apt-get -o DPkg::Lock::Timeout=600 purge -y -q cull cull-dkms"

# What of cull is on the disk: anything named *cull* under the places a
# package, its scripts, systemd, logrotate or DKMS write to (bounded by name:
# other people's processes change other files meanwhile).
leftovers() {
	find /usr /etc /lib/systemd /lib/modules /var/lib/cull /var/lib/dkms \
		/var/lib/systemd /var/lib/dpkg/info \( -name '*cull*' -o -path /var/lib/cull \) \
		-print 2>/dev/null | sort
}
leftovers >"$T_TMP/before"

# ---------------------------------------------------------------- cull
apt_get install -y -q "${debs[0]}" >"$T_TMP/apt.out" 2>&1
t_is $? 0 "apt-get install ./${debs[0]##*/} (dependencies from Debian)"
grep -E '^(E|W): ' "$T_TMP/apt.out" | sed 's/^/#   /'
for d in libjson-c5 libcurl4 socat gnuplot-nox curl jq; do
	t_is "$(dpkg-query -W -f='${db:Status-Status}' "$d" 2>/dev/null)" installed "dependency $d installed"
done

t_is "$(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin command -v cull-reader)" \
	/usr/bin/cull-reader "cull-reader is found in PATH as /usr/bin/cull-reader"
if { cull-reader --no-docker --count 1 | jq -e '.type == "snapshot"'; } >"$T_TMP/snap" 2>"$T_TMP/snap.err"; then
	t_pass "cull-reader --no-docker --count 1 from PATH writes a snapshot"
else
	t_fail "cull-reader --no-docker --count 1 from PATH writes a snapshot"; t_diag "$T_TMP/snap.err"
fi
for s in reader ranker reaper logger; do
	t_is "$("/usr/bin/cull-$s" --version 2>&1)" "cull-$s $ver" "cull-$s --version says the package's version"
done
t_ok "/usr/sbin/cull is the pipeline, executable" test -x /usr/sbin/cull

unit=/lib/systemd/system/cull.service
t_ok "the unit is $unit" test -f "$unit"
# Every ExecStart= binary and every Documentation= man page must exist.
systemd-analyze verify "$unit" >"$T_TMP/verify" 2>&1
t_is $? 0 "systemd-analyze verify cull.service: no error"
t_nogrep 'cull' "$T_TMP/verify" "systemd-analyze verify says nothing about cull"
t_ok "the unit is not enabled (a fresh install kills nothing)" \
	test ! -e /etc/systemd/system/multi-user.target.wants/cull.service

t_ok "/etc/cull/cull.conf is there" test -f /etc/cull/cull.conf
dpkg-query -W -f='${Conffiles}\n' cull >"$T_TMP/conffiles"
t_grep '^ /etc/cull/cull.conf ' "$T_TMP/conffiles" "cull.conf is a conffile"
t_grep '^ /etc/logrotate.d/cull ' "$T_TMP/conffiles" "the logrotate rule is a conffile"

logrotate -d /etc/logrotate.d/cull >"$T_TMP/lr" 2>&1
t_is $? 0 "logrotate -d /etc/logrotate.d/cull"
t_nogrep '^error' "$T_TMP/lr" "logrotate -d: no error"
# Rotate a log for real (own state file), as the service would leave one.
mkdir -p -m 750 /var/lib/cull && echo '{"type":"note","ts":1}' >/var/lib/cull/cull.log
logrotate -f -s "$T_TMP/lr.state" /etc/logrotate.d/cull >"$T_TMP/lr2" 2>&1
t_is $? 0 "logrotate -f rotates /var/lib/cull/cull.log"
t_ok "the rotated log is cull.log.1" test -s /var/lib/cull/cull.log.1

for m in cull cull-pipeline cull-reader cull-ranker cull-reaper cull-logger; do
	man -w "$m" >"$T_TMP/man" 2>&1
	# man -w cull names the page the link cull.1 points to
	t_grep "^/usr/share/man/man1/$m(-pipeline)?\\.1\\.gz\$" "$T_TMP/man" "man $m"
done
man -w 4 cull_sysinfo >"$T_TMP/man" 2>&1
t_grep '^/usr/share/man/man4/cull_sysinfo\.4\.gz$' "$T_TMP/man" "man 4 cull_sysinfo"
man -w 5 cull.conf >"$T_TMP/man" 2>&1
t_grep '^/usr/share/man/man5/cull\.conf\.5\.gz$' "$T_TMP/man" "man 5 cull.conf"

# ---------------------------------------------------------------- cull-dkms
apt_get install -y -q "${dkms_debs[0]}" >"$T_TMP/apt2.out" 2>&1
t_is $? 0 "apt-get install ./${dkms_debs[0]##*/}"
dkms status -m cull-sysinfo >"$T_TMP/dkms.status" 2>&1
t_grep "^cull-sysinfo/$(re "$ver")(,|:).*(added|built|installed)" "$T_TMP/dkms.status" \
	"dkms status: cull-sysinfo/$ver added"
t_ok "/usr/src/cull-sysinfo-$ver/dkms.conf" test -f "/usr/src/cull-sysinfo-$ver/dkms.conf"
t_ok "the modules-load.d example is there, not enabled" \
	test -f /usr/share/doc/cull-dkms/examples/cull_sysinfo.conf -a ! -e /etc/modules-load.d/cull_sysinfo.conf

# headers_dir SERIES GLOB - the unpacked headers of a Debian kernel of
# SERIES (6.1, 6.12): a cached one, or the current one downloaded now.
headers_dir() {
	local series=$1 glob=$2 d k pkgs
	for d in /var/cache/cull-kmod/$glob /var/cache/cull-deb/$glob; do
		k=${d##*/}
		[ -f "$d/root/usr/src/linux-headers-$k/Makefile" ] && { echo "$k $d/root/usr/src/linux-headers-$k"; return 0; }
	done
	case $series in
	6.1) k=$(apt-cache depends linux-headers-amd64 | sed -n 's/.*Depends: linux-headers-\(6\.1\..*-amd64\)$/\1/p' | head -1) ;;
	*) k=$(apt-cache depends "linux-headers-$series-amd64" | sed -n 's/.*Depends: linux-headers-\(.*-amd64\)$/\1/p' | head -1) ;;
	esac
	[ -n "$k" ] || return 1
	d=/var/cache/cull-deb/$k
	echo "70-deb: downloading the headers of $k into $d" >&2
	mkdir -p "$d/debs" "$d/root" || return 1
	pkgs=$(apt-cache depends "linux-headers-$k" | sed -n 's/.*Depends: \(linux-\(headers\|kbuild\)-[^ ]*\)$/\1/p')
	(cd "$d/debs" && apt_get download -q "linux-headers-$k" $pkgs) >&2 || return 1
	for f in "$d"/debs/*.deb; do dpkg-deb -x "$f" "$d/root" || return 1; done
	# The arch Makefile includes the common one by its absolute path.
	sed -i "s|include /usr/src/|include $d/root/usr/src/|" "$d/root/usr/src/linux-headers-$k/Makefile"
	echo "$k $d/root/usr/src/linux-headers-$k"
}

for series in 6.1 6.12; do
	case $series in 6.1) glob='6.1.0-*-amd64' ;; *) glob="$series.*-amd64" ;; esac
	if ! read -r kver kdir < <(headers_dir "$series" "$glob"); then
		t_fail "Debian's $series headers, cached or downloaded"; continue
	fi
	dkms build -m cull-sysinfo -v "$ver" -k "$kver" --kernelsourcedir "$kdir" >"$T_TMP/dkms.out" 2>&1
	rc=$?
	t_is $rc 0 "dkms build cull-sysinfo/$ver for $kver"
	[ $rc = 0 ] || { t_diag "$T_TMP/dkms.out"; cp "/var/lib/dkms/cull-sysinfo/$ver/build/make.log" "$T_TMP/make.log" 2>/dev/null; t_diag "$T_TMP/make.log"; }
	ko=/var/lib/dkms/cull-sysinfo/$ver/$kver/x86_64/module/cull_sysinfo.ko
	modinfo -F vermagic "$ko" >"$T_TMP/vermagic" 2>&1
	t_grep "^$(re "$kver") " "$T_TMP/vermagic" "the module built for $kver says so (vermagic)"
done

# ---------------------------------------------------------------- purge
apt_get purge -y -q cull cull-dkms >"$T_TMP/purge.out" 2>&1
t_is $? 0 "apt-get purge cull cull-dkms"
leftovers >"$T_TMP/after"
t_cmp "$T_TMP/before" "$T_TMP/after" "nothing of cull is left after the purge"
dkms status >"$T_TMP/dkms.status" 2>&1
t_nogrep 'cull-sysinfo' "$T_TMP/dkms.status" "dkms status: no cull-sysinfo"

t_done
