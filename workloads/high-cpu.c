/*
 * cull-high-cpu - a CPU-heavy workload: rounds of floating-point arithmetic,
 * each WORK_MS milliseconds long, with a 100 ms pause between rounds and a line
 * printed after each. The default (40 ms of work per 140 ms) keeps about 30%
 * of one core busy: heavy next to the idle workloads, gentle on a shared host.
 *
 *   cull-high-cpu [WORK_MS]      (1 to 10000, default 40)
 *
 * SIGTERM or SIGINT ends it with 0.
 */
#include <math.h>
#include "common.h"

int
main(int argc, char **argv)
{
	long work_ms = wl_arg(argc, argv, 1, 40, 10000);
	unsigned long round = 0;
	volatile double acc = 1.0;

	wl_signals();
	while (!wl_stop) {
		double end = wl_now() + (double)work_ms / 1000;
		unsigned long n = 0;

		while (wl_now() < end && !wl_stop) {
			for (int i = 1; i < 20000; i++)
				acc = sqrt(acc * 1.000001 + (double)i) / 1.5 + 1.0;
			n++;
		}
		wl_say("cull-high-cpu", "round %lu: %lu blocks, acc %.6f", ++round, n, acc);
		wl_sleep_ms(100);
	}
	return 0;
}
