/* graph.c - see graph.h */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "graph.h"
#include "logfile.h"
#include "plot.h"

/* The cached file's name for the log as it is now: what changes when a
 * line is appended or the log is replaced is in it. */
static int
cached_name(const char *log, const char *cache, const char *base, char *out, size_t size)
{
	struct stat st;
	int k;

	if (stat(log, &st) < 0) {
		if (errno != ENOENT)
			return -1;
		k = snprintf(out, size, "%s/%s.none.png", cache, base);
	} else {
		k = snprintf(out, size, "%s/%s.%llx-%llx-%lld-%lld.%09ld.png", cache, base,
			     (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
			     (long long)st.st_size, (long long)st.st_mtim.tv_sec,
			     st.st_mtim.tv_nsec);
	}
	if (k < 0 || (size_t)k >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* Remove base.*.png in cache but keep. */
static void
remove_older(const char *cache, const char *base, const char *keep)
{
	DIR *dp = opendir(cache);
	struct dirent *e;
	size_t bl = strlen(base), kl;
	const char *ks = strrchr(keep, '/');

	ks = ks ? ks + 1 : keep;
	kl = strlen(ks);
	while (dp && (e = readdir(dp)) != NULL) {
		size_t n = strlen(e->d_name);

		if (n > bl + 5 && strncmp(e->d_name, base, bl) == 0 && e->d_name[bl] == '.' &&
		    strcmp(e->d_name + n - 4, ".png") == 0 && !(n == kl && !strcmp(e->d_name, ks)))
			unlinkat(dirfd(dp), e->d_name, 0);
	}
	if (dp)
		closedir(dp);
}

static int
fail(char *err, size_t errsize, int status, const char *fmt, const char *what)
{
	snprintf(err, errsize, fmt, what);
	return status;
}

/* Draw graph which of log into cache as name (older ones removed), under
 * the lock: 200 with *fd open on it, or an HTTP status with err. */
static int
draw(const char *log, const char *cache, const char *base, int which, double deadline,
     const char *name, int *fd, char *err, size_t errsize)
{
	char drawn[PATH_MAX];
	struct plot_data d = { 0 };
	int r, status = 200;

	plot_sweep(cache);	/* what a killed handler left */
	if (plot_load(log, &d) < 0) {
		plot_free(&d);
		return fail(err, errsize, 500, "%s", "cannot read the log (see the server's stderr)");
	}
	r = plot_render(&d, cache, which, deadline - cull_mono());
	plot_free(&d);
	if (r == -2)
		return fail(err, errsize, 503, "%s", "drawing the graph took too long (the "
			    "deadline is --graph-timeout); try again");
	if (r < 0)
		return fail(err, errsize, 500, "%s", "cannot draw the graph (see the server's stderr)");
	/* in place under its key, for the next requests; the older go */
	snprintf(drawn, sizeof drawn, "%s/%s.png", cache, base);
	if (rename(drawn, name) < 0) {
		status = fail(err, errsize, 500, "cannot put the graph in the cache: %s",
			      strerror(errno));
		unlink(drawn);
		return status;
	}
	remove_older(cache, base, name);
	if ((*fd = open(name, O_RDONLY | O_CLOEXEC)) < 0)
		status = fail(err, errsize, 500, "cannot read the graph back: %s", strerror(errno));
	return status;
}

int
graph_get(const char *log, const char *cache, int which, double deadline, int *fd,
	  char *err, size_t errsize)
{
	const char *base = which == PLOT_RAM ? "ram_usage" : "vsz_rss";
	char name[PATH_MAX];
	int lfd, status;

	*fd = -1;
	if (cached_name(log, cache, base, name, sizeof name) < 0)
		return fail(err, errsize, 500, "cannot look at the log: %s", strerror(errno));
	/* warm: the log has not changed since the picture was drawn */
	if ((*fd = open(name, O_RDONLY | O_CLOEXEC)) >= 0)
		return 200;
	/* one request draws; the others wait here, then share its picture */
	if ((status = logf_lockdir(cache, deadline, &lfd, err, errsize,
				   "the graph is still being drawn for another request; try again")) != 200)
		return status;
	/* the log may have changed, or another request drawn it, meanwhile */
	if (cached_name(log, cache, base, name, sizeof name) < 0)
		status = fail(err, errsize, 500, "cannot look at the log: %s", strerror(errno));
	else if ((*fd = open(name, O_RDONLY | O_CLOEXEC)) < 0)
		status = draw(log, cache, base, which, deadline, name, fd, err, errsize);
	close(lfd);	/* and the lock with it */
	return status;
}
