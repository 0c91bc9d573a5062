/*
 * graph.h - the graphs GET /graph and GET /scatter_vsz_rss answer with:
 * drawn once per change of the log and kept in a cache directory (default
 * FILE.graphs next to the log FILE):
 *
 *	FILE.graphs/ram_usage.<dev>-<ino>-<size>-<mtime>.png
 *	FILE.graphs/vsz_rss.<dev>-<ino>-<size>-<mtime>.png
 *	FILE.graphs/.lock
 *
 * A request whose log has not changed since the last drawing opens the
 * cached PNG and reads no byte of the log. Otherwise it takes the lock: one
 * request draws (gnuplot with a deadline, killed with its process group
 * past it; its scratch directory inside the cache removed on every path),
 * the others wait for the lock and then share the picture. Under the lock,
 * what a killed handler left behind is swept and older PNGs are removed.
 * Nothing goes to /tmp.
 */
#ifndef CULL_GRAPH_H
#define CULL_GRAPH_H

#include <stddef.h>

/* The PNG of graph which (PLOT_RAM or PLOT_VSZ) for log, drawn into cache
 * if needed, all by the monotonic time deadline. Returns 200 with *fd open
 * on the PNG, or an HTTP status (500, 503) with a sentence in err. */
int graph_get(const char *log, const char *cache, int which, double deadline, int *fd,
	      char *err, size_t errsize);

#endif
