#!/bin/sh
# init.sh - /init of the qemu guest (kmod/test/boot.sh). Mounts the basics,
# runs /bin/guest-MODE.sh (MODE from /mode) in a child shell so that no error
# of the script can kill init, then sends dmesg and the facts to the host,
# says "CULL-GUEST-END rc=N" and powers off.
export PATH=/bin
/bin/busybox --install -s /bin
mount -t devtmpfs dev /dev 2>/dev/null
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tmpfs tmp /tmp
stty -F /dev/ttyS1 raw -echo 2>/dev/null
. /bin/guest-lib.sh
echo "kernel $(uname -r)" >/tmp/facts
# A watchdog: if the script has not finished in time, show where each user
# process waits (and the blocked tasks' kernel stacks, sysrq w, in dmesg),
# send what there is, and power off.
(sleep "$(cat /limit)"
 mkdir /tmp/end 2>/dev/null || exit 0	# the script finished first
 say "watchdog: the script still runs after $(cat /limit) s"
 for p in /proc/[0-9]*; do
	c=$(tr '\0' ' ' <$p/cmdline 2>/dev/null)
	[ -n "$c" ] && echo "${p#/proc/} $(cat $p/wchan 2>/dev/null) $c"
 done
 echo 1 >/proc/sys/kernel/sysrq; echo w >/proc/sysrq-trigger
 kill -9 -1	# every process but init and this one: the script stops here
 dmesg >/tmp/dmesg; send dmesg /tmp/dmesg; send facts /tmp/facts
 echo "CULL-GUEST-END rc=timeout"; sync; poweroff -f) &
sh /bin/guest-"$(cat /mode)".sh
rc=$?
# whoever makes /tmp/end first (this or the watchdog) sends and powers off
mkdir /tmp/end 2>/dev/null || while :; do sleep 1; done
dmesg >/tmp/dmesg
send dmesg /tmp/dmesg
send facts /tmp/facts
echo "CULL-GUEST-END rc=$rc"
sync
poweroff -f
