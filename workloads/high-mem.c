/*
 * cull-high-mem - a memory-heavy workload: grows by STEP_MIB every 0.1 s and
 * touches every page it takes, up to CAP_MIB, then holds it (touching one page
 * a round so it stays resident). Prints the time and its size every 0.1 s.
 *
 *   cull-high-mem [CAP_MIB [STEP_MIB]]   (default 128 and 4: full in 3.2 s)
 *
 * The cap is small on purpose: the machines running cull are shared. SIGTERM
 * or SIGINT ends it with 0.
 */
#include "common.h"

#define MIB ((size_t)1 << 20)

int
main(int argc, char **argv)
{
	long cap = wl_arg(argc, argv, 1, 128, 16384);
	long step = wl_arg(argc, argv, 2, 4, 1024);
	char **chunks = calloc((size_t)cap, sizeof *chunks);
	long have = 0, i;
	unsigned long tick = 0;

	if (chunks == NULL)
		return 1;
	wl_signals();
	while (!wl_stop) {
		for (i = 0; i < step && have < cap; i++) {
			char *p = malloc(MIB);

			if (p == NULL)
				break;
			memset(p, (int)(have & 0x7f) + 1, MIB);	/* touch: make it resident */
			chunks[have++] = p;
		}
		if (have > 0)
			chunks[tick % (unsigned long)have][0]++;
		wl_say("cull-high-mem", "%ld MiB of %ld", have, cap);
		tick++;
		wl_sleep_ms(100);
	}
	return 0;
}
