/*
 * plot.h - the two graphs, drawn by gnuplot from the log.
 *
 *   ram_usage.png  RAM used (%) over time, and the cumulative count of
 *                  killed containers on the second y axis; with lines from
 *                  more than one host (a central log), one RAM line and
 *                  one kill count per host, in the host's colour, named in
 *                  the key
 *   vsz_rss.png    VSZ against RSS (MiB) of every killed container, high and
 *                  low in two colours, each point labelled with its name
 *                  (up to 60); the labels of points that fall together are
 *                  stacked a line apart, six at most, then "+N more"; with
 *                  more than one host, each label says "name @ host"
 *
 * Data goes to gnuplot as data: tab-separated files in a private directory,
 * names as quoted data columns. The script is constant text chosen in C; no
 * byte of the log and no path reaches it (gnuplot runs in the private
 * directory and names files relatively). gnuplot is run with fork/exec, no
 * shell, in its own process group, killed with it at a deadline. PNGs are written to a temporary name and renamed into place, so a
 * reader never sees half a picture.
 */
#ifndef CULL_PLOT_H
#define CULL_PLOT_H

#include <stddef.h>

struct plot_kill {
	double ts, vsz_mib, rss_mib;
	char *cls, *name;
	int host;		/* index into plot_data.host */
};

struct plot_mem {
	double ts, pct;
	int host;
};

struct plot_data {
	struct plot_mem *mem;		/* mem records: used_pct over ts */
	size_t nmem, cap_mem;
	struct plot_kill *kill;		/* killed records with ok:true */
	size_t nkill, cap_kill;
	char **host;			/* the hosts seen ("" a line without one) */
	size_t nhost, cap_host;
};

/* Hosts drawn apart; the lines of any more share the last series, named
 * "(other hosts)". */
#define PLOT_HOSTS_MAX 12

enum { PLOT_RAM = 1, PLOT_VSZ = 2, PLOT_ALL = 3 };

#define PLOT_W 1000	/* pixels of every PNG */
#define PLOT_H 600

/* What gnuplot is given is bounded, whatever the size of the log: a RAM
 * series longer than 2 * PLOT_BUCKETS points becomes the lowest and highest
 * point of each of PLOT_BUCKETS time slices (a spike keeps its height), more
 * than 2 * PLOT_BUCKETS kills step once a slice on the RAM graph, and more
 * than PLOT_POINTS_MAX killed containers are drawn one point per pixel and
 * class on the scatter. Nobody sees 2 million points in 1000 pixels. */
#define PLOT_BUCKETS 1000
#define PLOT_POINTS_MAX 20000
#define PLOT_LABELS_MAX 60	/* killed containers named on the scatter; more: none */

/* Read the log at path (warning about bad lines, "path: line N: ...", and a
 * torn last line). A missing log is empty data. 0, or -1 with a message. */
int plot_load(const char *path, struct plot_data *d);
void plot_free(struct plot_data *d);

/* Draw the graphs in which into dir as ram_usage.png / vsz_rss.png, in a
 * private directory dir/.cull-plot.XXXXXX removed on every path. gnuplot
 * gets timeout seconds in all (0: no limit); then its process group is
 * killed. 0, -1 with a message on stderr, -2 the deadline passed. */
int plot_render(const struct plot_data *d, const char *dir, int which, double timeout);

/* Remove what a killed renderer left in dir (.cull-plot.* directories);
 * call only when no render into dir can be running (under a lock). */
void plot_sweep(const char *dir);

#endif
