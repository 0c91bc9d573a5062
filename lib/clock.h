/*
 * clock.h - the two clocks a stage reads, as seconds in a double.
 * cull_mono() (CLOCK_MONOTONIC) for deadlines and intervals; cull_wall()
 * (CLOCK_REALTIME) for the "ts" a line carries. A double holds a wall time
 * to better than a microsecond until the year 2100.
 */
#ifndef CULL_CLOCK_H
#define CULL_CLOCK_H

double cull_mono(void);
double cull_wall(void);

#endif
