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
echo "kernel $(uname -r)" >/tmp/facts
sh /bin/guest-"$(cat /mode)".sh
rc=$?
. /bin/guest-lib.sh
dmesg >/tmp/dmesg
send dmesg /tmp/dmesg
send facts /tmp/facts
echo "CULL-GUEST-END rc=$rc"
sync
poweroff -f
