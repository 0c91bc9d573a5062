/* clock.c - see clock.h */
#include <time.h>

#include "clock.h"

static double
seconds(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

double
cull_mono(void)
{
	return seconds(CLOCK_MONOTONIC);
}

double
cull_wall(void)
{
	return seconds(CLOCK_REALTIME);
}
