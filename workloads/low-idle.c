/*
 * cull-low-idle - the lightest workload: wakes once a second, prints a line,
 * sleeps again.
 *
 *   cull-low-idle
 *
 * SIGTERM or SIGINT ends it with 0.
 */
#include "common.h"

int
main(void)
{
	unsigned long n = 0;

	wl_signals();
	while (!wl_stop) {
		wl_say("cull-low-idle", "awake %lu", ++n);
		wl_sleep_ms(1000);
	}
	return 0;
}
