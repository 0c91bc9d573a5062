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
# A watchdog: if the script has not finished in time, show where every task
# waits (sysrq w and t, into dmesg), send what there is, and power off.
(sleep "$(cat /limit)"
 say "watchdog: the script still runs after $(cat /limit) s"
 ps -o pid,ppid,stat,comm,args
 for p in /proc/[0-9]*; do echo "${p#/proc/} $(cat $p/comm) $(cat $p/wchan)"; done
 echo 1 >/proc/sys/kernel/sysrq; echo w >/proc/sysrq-trigger; echo t >/proc/sysrq-trigger
 dmesg >/tmp/dmesg; send dmesg /tmp/dmesg; send facts /tmp/facts
 echo "CULL-GUEST-END rc=timeout"; sync; poweroff -f) &
sh /bin/guest-"$(cat /mode)".sh
rc=$?
dmesg >/tmp/dmesg
send dmesg /tmp/dmesg
send facts /tmp/facts
echo "CULL-GUEST-END rc=$rc"
sync
poweroff -f
