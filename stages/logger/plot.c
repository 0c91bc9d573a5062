/* plot.c - see plot.h */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "mem.h"
#include "jstrict.h"
#include "jv.h"
#include "lines.h"
#include "logfile.h"
#include "logger.h"
#include "plot.h"
#include "record.h"

#define NAME_MAX_SHOWN 48	/* bytes of a container name in a label */

void
plot_free(struct plot_data *d)
{
	size_t i;

	for (i = 0; i < d->nkill; i++) {
		free(d->kill[i].cls);
		free(d->kill[i].name);
	}
	for (i = 0; i < d->nhost; i++)
		free(d->host[i]);
	free(d->host);
	free(d->kill);
	free(d->mem);
	memset(d, 0, sizeof *d);
}

/* The index of host name[0..n) in d, added when new; past PLOT_HOSTS_MAX
 * hosts, the last index, "(other hosts)". */
static int
host_index(struct plot_data *d, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < d->nhost; i++)
		if (strlen(d->host[i]) == n && memcmp(d->host[i], name, n) == 0)
			return (int)i;
	if (d->nhost == PLOT_HOSTS_MAX) {
		free(d->host[PLOT_HOSTS_MAX - 1]);
		d->host[PLOT_HOSTS_MAX - 1] = cull_strdup("(other hosts)");
		return PLOT_HOSTS_MAX - 1;
	}
	d->host = cull_grow(d->host, &d->cap_host, d->nhost + 1, sizeof *d->host);
	d->host[d->nhost] = strndup(name, n);
	if (!d->host[d->nhost])
		cull_die(CULL_EXIT_FAIL, "fatal: out of memory");
	return (int)d->nhost++;
}

/* One log record into d; -1 with v->err when a mem or killed line lacks what
 * the graphs need. */
static int
add_record(struct plot_data *d, struct jv *v, json_object *o)
{
	const char *type, *cls = "?", *name = NULL, *host = "";
	size_t hlen = 0;
	double ts, pct, vsz, rss;
	int okv = 1;

	if (rec_check(v, o, &type, &ts) < 0 || jv_str(v, o, "host", JV_OPT, &host, &hlen) < 0)
		return -1;
	if (strcmp(type, "mem") == 0) {
		if (jv_dbl(v, o, "used_pct", JV_REQ, 0, 100, &pct) < 0)
			return -1;
		d->mem = cull_grow(d->mem, &d->cap_mem, d->nmem + 1, sizeof *d->mem);
		d->mem[d->nmem].ts = ts;
		d->mem[d->nmem].host = host_index(d, host, hlen);
		d->mem[d->nmem++].pct = pct;
	} else if (strcmp(type, "killed") == 0) {
		if (jv_bool(v, o, "ok", JV_OPT, &okv) < 0)
			return -1;
		if (!okv)
			return 0;
		if (jv_dbl(v, o, "vsz_kb", JV_REQ, 0, 1e15, &vsz) < 0 ||
		    jv_dbl(v, o, "rss_kb", JV_REQ, 0, 1e15, &rss) < 0 ||
		    jv_str(v, o, "class", JV_OPT, &cls, NULL) < 0 ||
		    jv_str(v, o, "name", JV_OPT, &name, NULL) < 0)
			return -1;
		if (!name && jv_str(v, o, "id", JV_OPT, &name, NULL) < 0)
			return -1;
		d->kill = cull_grow(d->kill, &d->cap_kill, d->nkill + 1, sizeof *d->kill);
		d->kill[d->nkill].ts = ts;
		d->kill[d->nkill].vsz_mib = vsz / 1024;
		d->kill[d->nkill].rss_mib = rss / 1024;
		d->kill[d->nkill].cls = cull_strdup(cls);
		d->kill[d->nkill].name = cull_strdup(name ? name : "?");
		d->kill[d->nkill].host = host_index(d, host, hlen);
		d->nkill++;
	}
	return 0;
}

static int
by_ts(const void *a, const void *b)
{
	const struct plot_kill *x = a, *y = b;

	return (x->ts > y->ts) - (x->ts < y->ts);
}

/* The fast path for the bulk of a log: a mem record's used_pct read
 * without json-c (rec_strict checked the line). 1 taken, 0 when json-c
 * must judge it (an escaped type, a missing or odd used_pct: its message). */
static int
add_mem_fast(struct plot_data *d, const char *line, size_t n, const struct rec_fields *jr)
{
	const char *v, *h = "\"\"";
	size_t vlen, hlen = 2;
	char num[64];
	double pct;

	if (!rec_type_is(jr, "mem"))
		return 0;
	/* a host as written, quotes and all; one with an escape in it goes
	 * through json-c to be decoded */
	if (jstrict_member(line, n, "host", &h, &hlen) &&
	    (hlen < 2 || h[0] != '"' || memchr(h, '\\', hlen)))
		return 0;
	if (!jstrict_member(line, n, "used_pct", &v, &vlen) || vlen >= sizeof num ||
	    !(v[0] == '-' || (v[0] >= '0' && v[0] <= '9')))
		return 0;
	memcpy(num, v, vlen);
	num[vlen] = '\0';
	pct = strtod(num, NULL);
	if (!(pct >= 0 && pct <= 100))
		return 0;
	d->mem = cull_grow(d->mem, &d->cap_mem, d->nmem + 1, sizeof *d->mem);
	d->mem[d->nmem].ts = jr->ts;
	d->mem[d->nmem].host = host_index(d, h + 1, hlen - 2);
	d->mem[d->nmem++].pct = pct;
	return 1;
}

/* One whole line of the log into d, or a warning "path: line N: ...".
 * json-c (ten times slower) only for killed records and for lines that
 * need its message; a 2M-record log is mostly mem. */
static void
load_line(struct plot_data *d, struct jv *v, const char *path, unsigned long lineno,
	  const char *line, size_t n)
{
	json_object *o;
	struct rec_fields jr;
	const char *why;
	size_t at;

	if ((why = rec_strict(line, n, &jr, &at)) != NULL) {
		rec_why_not(v, line, n, why, at);
		cull_warn("%s: line %lu: %s", path, lineno, v->err);
		return;
	}
	if (add_mem_fast(d, line, n, &jr))
		return;
	if (!jr.type_escaped && !rec_type_is(&jr, "mem") && !rec_type_is(&jr, "killed"))
		return;	/* not drawn */
	o = jv_parse(v, line, n);
	if (!o || add_record(d, v, o) < 0)
		cull_warn("%s: line %lu: %s", path, lineno, v->err);
	json_object_put(o);
}

int
plot_load(const char *path, struct plot_data *d)
{
	struct cull_lines r;
	struct jv v;
	unsigned long long used = 0;
	off_t size;
	int fd;
	char *line;
	ssize_t n;

	size = logf_snapshot(path, &fd);
	if (size < 0) {
		if (errno == ENOENT)
			return 0;
		cull_warn("cannot read the log %s:", path);
		return -1;
	}
	jv_init(&v);
	cull_lines_init(&r, fd, 0);
	/* only what was in the file when we looked: appends after that may be
	 * half done */
	while (used < (unsigned long long)size) {
		n = cull_lines_next(&r, &line);
		if (n == CULL_LINE_INTR)
			continue;
		if (n == CULL_LINE_EOF)
			break;
		if (n == CULL_LINE_ERR) {
			cull_warn("%s: read error:", path);
			break;
		}
		if (n == CULL_LINE_TOOLONG) {
			cull_warn("%s: line %lu: longer than %zu bytes, skipped", path, r.lineno, r.max);
			break;	/* its length is unknown: stop here */
		}
		used += (unsigned long long)n + 1;
		if (used > (unsigned long long)size || r.partial) {
			cull_warn("%s: line %lu: torn last line (no newline: a crash mid-write?), skipped",
				  path, r.lineno);
			break;
		}
		load_line(d, &v, path, r.lineno, line, (size_t)n);
	}
	cull_lines_free(&r);
	jv_fini(&v);
	close(fd);
	/* the cumulative count steps up in time order, whatever the log's order */
	if (d->nkill > 1)
		qsort(d->kill, d->nkill, sizeof *d->kill, by_ts);
	return 0;
}

/* ---- the gnuplot script: constant text, chosen here ---- */

struct sbuf {
	char b[4096];
	size_t n;
};

static void
add(struct sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
add(struct sbuf *s, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(s->b + s->n, sizeof s->b - s->n, fmt, ap);
	va_end(ap);
	if (k > 0)
		s->n += (size_t)k < sizeof s->b - s->n ? (size_t)k : sizeof s->b - s->n - 1;
}

static int
count_class(const struct plot_data *d, const char *cls, int other)
{
	size_t i;
	int c = 0;

	for (i = 0; i < d->nkill; i++) {
		int is_hl = !strcmp(d->kill[i].cls, "high") || !strcmp(d->kill[i].cls, "low");

		if (other ? !is_hl : !strcmp(d->kill[i].cls, cls))
			c++;
	}
	return c;
}

/* The RAM graph: the used_pct line and the cumulative kill count. */
static void
script_ram(struct sbuf *s, const struct plot_data *d)
{
	double span = 0;

	if (d->nmem > 1)
		span = d->mem[d->nmem - 1].ts - d->mem[0].ts;
	add(s, "set output \"ram_usage.png.tmp\"\n");
	add(s, "set title \"RAM used and containers killed over time\" font \",14\"\n");
	add(s, "set xlabel \"time (UTC)\"\n");
	add(s, "set ylabel \"RAM used (%%)\"\nset yrange [0:100]\nset ytics nomirror\n");
	add(s, "set y2label \"containers killed (cumulative count)\"\n");
	if (d->nmem == 0 && d->nkill == 0) {
		add(s, "set xrange [0:1]\nset format x \"\"\nunset key\n");
		add(s, "set label 1 \"no mem or killed records in the log yet\" "
		       "at graph 0.5,0.5 center\n");
		add(s, "plot NaN notitle\n");
		return;
	}
	add(s, "set xdata time\nset format x \"%s\"\n",
	    span > 2 * 86400 ? "%m-%d %H:%M" : "%H:%M:%S");
	add(s, "set y2range [0:%zu]\nset y2tics %zu\n",
	    d->nkill < 5 ? 5 : d->nkill + d->nkill / 10 + 1,
	    d->nkill <= 10 ? 1 : (d->nkill + 9) / 10);
	if (d->nhost > 1) {
		/* one block a host in each file, its name the block's first
		 * line (data, not script): the key shows them */
		add(s, "set key top left box opaque maxrows 8\n");
		add(s, "plot for [i=0:%zu] \"mem.dat\" index i using ($1):2 with lines lw 2 lc i+1 "
		       "title columnheader(1), ", d->nhost - 1);
		add(s, "for [i=0:%zu] \"kills.dat\" index i using ($1):2 axes x1y2 with steps lw 1 "
		       "dt 2 lc i+1 title columnheader(1)\n", d->nhost - 1);
		return;
	}
	add(s, "plot ");
	if (d->nmem)
		add(s, "\"mem.dat\" using ($1):2 with lines lw 2 lc rgb \"#1f77b4\" "
		       "title \"RAM used (%%)\", ");
	add(s, "\"kills.dat\" using ($1):2 axes x1y2 with steps lw 2 lc rgb \"#d62728\" "
	       "title \"containers killed (cumulative)\"\n");
}

/* The scatter: VSZ against RSS of the killed, one series per class. */
static void
script_vsz(struct sbuf *s, const struct plot_data *d)
{
	static const struct {
		const char *file, *cls, *colour, *title;
	} series[] = {
		{ "high", "high", "#d62728", "class high" },
		{ "low", "low", "#1f77b4", "class low" },
		{ "other", NULL, "#7f7f7f", "other class" },
	};
	const char *sep = "plot ";
	size_t i;

	add(s, "set output \"vsz_rss.png.tmp\"\n");
	add(s, "set title \"Killed containers: VSZ vs RSS\" font \",14\"\n");
	add(s, "set xlabel \"VSZ, virtual memory size (MiB)\"\n");
	add(s, "set ylabel \"RSS, resident memory (MiB)\"\n");
	add(s, "set xrange [0:*]\nset yrange [0:*]\nset offsets graph 0.05, graph 0.1, graph 0.1, 0\n");
	if (d->nkill == 0) {
		add(s, "set xrange [0:1]\nset yrange [0:1]\nunset key\n");
		add(s, "set label 1 \"no killed containers in the log yet\" at graph 0.5,0.5 center\n");
		add(s, "plot NaN notitle\n");
		return;
	}
	for (i = 0; i < 3; i++) {
		if (count_class(d, series[i].cls, !series[i].cls) == 0)
			continue;
		add(s, "%s\"%s.dat\" using 1:2 with points pt 7 ps 1.5 lc rgb \"%s\" title \"%s\"",
		    sep, series[i].file, series[i].colour, series[i].title);
		sep = ", ";
		if (d->nkill <= PLOT_LABELS_MAX)
			add(s, ", \"%s.lab\" using 1:2:3 with labels font \",8\" "
			       "tc rgb \"%s\" notitle", series[i].file, series[i].colour);
	}
	add(s, "\n");
}

/* The gnuplot script for one graph: constant text and numbers (counts,
 * a time format), never a byte of the log (tests/41-logger-plot.t keeps
 * the scripts a hostile name went through). Static storage. */
static const char *
plot_script(const struct plot_data *d, int which)
{
	static struct sbuf s;

	s.n = 0;
	s.b[0] = '\0';
	add(&s, "set terminal pngcairo size %d,%d font \"DejaVu Sans,11\" noenhanced\n",
	    PLOT_W, PLOT_H);
	add(&s, "set datafile separator \"\\t\"\n");
	add(&s, "set grid\nset key top left box opaque\n");
	if (which == PLOT_RAM)
		script_ram(&s, d);
	else
		script_vsz(&s, d);
	return s.b;
}

/* ---- data files ---- */

/* name as a gnuplot data string: in double quotes, '"' and '\' escaped,
 * control bytes as '?', cut at max bytes on a character boundary. */
static void
put_label(FILE *f, const char *name, size_t max)
{
	size_t i, n = strlen(name);

	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)name[n] & 0xc0) == 0x80)
			n--;
	}
	fputc('"', f);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '"' || c == '\\')
			fputc('\\', f);
		fputc(c < 0x20 || c == 0x7f ? '?' : c, f);
	}
	fputc('"', f);
}

static FILE *
create(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	if (!f)
		close(fd);
	return f;
}

static int
close_ok(FILE *f)
{
	int bad = ferror(f);

	return fclose(f) != 0 || bad ? -1 : 0;
}

/* The RAM line: every point of a short series; a long one reduced to the
 * lowest and the highest point of each of PLOT_BUCKETS time slices (one a
 * pixel column), in time order, so a spike stays as tall as it was. */
static void
write_mem(FILE *m, const struct plot_data *d, double first, double last)
{
	size_t i, b, *lo, *hi;
	double width;

	if (d->nmem <= 2 * PLOT_BUCKETS || !(last > first)) {
		for (i = 0; i < d->nmem; i++)
			fprintf(m, "%.3f\t%.3f\n", d->mem[i].ts, d->mem[i].pct);
		return;
	}
	lo = malloc(PLOT_BUCKETS * sizeof *lo);
	hi = malloc(PLOT_BUCKETS * sizeof *hi);
	if (!lo || !hi)
		cull_die(CULL_EXIT_FAIL, "fatal: out of memory");
	for (b = 0; b < PLOT_BUCKETS; b++)
		lo[b] = hi[b] = SIZE_MAX;
	width = (last - first) / PLOT_BUCKETS;
	for (i = 0; i < d->nmem; i++) {
		double x = (d->mem[i].ts - first) / width;

		b = x < 0 ? 0 : x >= PLOT_BUCKETS ? PLOT_BUCKETS - 1 : (size_t)x;
		if (lo[b] == SIZE_MAX || d->mem[i].pct < d->mem[lo[b]].pct)
			lo[b] = i;
		if (hi[b] == SIZE_MAX || d->mem[i].pct > d->mem[hi[b]].pct)
			hi[b] = i;
	}
	for (b = 0; b < PLOT_BUCKETS; b++) {
		size_t a = lo[b], z = hi[b];

		if (a == SIZE_MAX)
			continue;
		if (d->mem[z].ts < d->mem[a].ts) {
			a = hi[b];
			z = lo[b];
		}
		fprintf(m, "%.3f\t%.3f\n", d->mem[a].ts, d->mem[a].pct);
		if (z != a)
			fprintf(m, "%.3f\t%.3f\n", d->mem[z].ts, d->mem[z].pct);
	}
	free(lo);
	free(hi);
}

/* The cumulative kill count as steps: every kill, or with very many the
 * count at the last kill of each time slice (the same picture). */
static void
write_steps(FILE *k, const struct plot_data *d, double first, double last)
{
	size_t i;
	double width = (last - first) / PLOT_BUCKETS;
	int reduce = d->nkill > 2 * PLOT_BUCKETS && last > first;

	fprintf(k, "%.3f\t0\n", first);
	for (i = 0; i < d->nkill; i++) {
		if (reduce && i + 1 < d->nkill &&
		    (long)((d->kill[i + 1].ts - first) / width) == (long)((d->kill[i].ts - first) / width))
			continue;
		fprintf(k, "%.3f\t%zu\n", d->kill[i].ts, i + 1);
	}
	fprintf(k, "%.3f\t%zu\n", last, d->nkill);
}

/* More than one host: a block a host in mem.dat and kills.dat (blocks
 * apart by two blank lines: gnuplot's index), each headed by its series'
 * title as data, each drawn as one host alone would be. */
static void
write_hosts(FILE *m, FILE *k, const struct plot_data *d, double first, double last)
{
	struct plot_data one = { 0 };
	char title[128];
	size_t h, i;

	for (h = 0; h < d->nhost; h++) {
		const char *name = d->host[h][0] ? d->host[h] : "(no host)";

		one.nmem = one.nkill = 0;
		for (i = 0; i < d->nmem; i++)
			if (d->mem[i].host == (int)h) {
				one.mem = cull_grow(one.mem, &one.cap_mem, one.nmem + 1, sizeof *one.mem);
				one.mem[one.nmem++] = d->mem[i];
			}
		for (i = 0; i < d->nkill; i++)
			if (d->kill[i].host == (int)h) {
				one.kill = cull_grow(one.kill, &one.cap_kill, one.nkill + 1,
						     sizeof *one.kill);
				one.kill[one.nkill++] = d->kill[i];
			}
		snprintf(title, sizeof title, "%s RAM used (%%)", name);
		put_label(m, title, sizeof title);
		fputc('\n', m);
		write_mem(m, &one, first, last);
		snprintf(title, sizeof title, "%s killed", name);
		put_label(k, title, sizeof title);
		fputc('\n', k);
		write_steps(k, &one, first, last);
		fputs("\n\n", m);
		fputs("\n\n", k);
	}
	free(one.mem);
	free(one.kill);	/* the names are d's */
}

/* Where point i's label goes on the scatter, so that labels of points that
 * fall together do not print on top of each other: the points of one cell
 * (about a label's width and a line's height) stack their labels a line
 * apart, upwards (downwards near the top), the first LABELS_STACKED, then
 * one "+N more". 0 with *y set, or -1 when the point gets no label. */
#define LABELS_STACKED 6
static int
label_at(const struct plot_data *d, size_t i, double maxv, double maxr, double *y, size_t *more)
{
	const struct plot_kill *p = &d->kill[i];
	double cw = maxv > 0 ? maxv / 12 : 1, ch = maxr > 0 ? maxr / 40 : 1;
	double line = (maxr > 0 ? maxr : 1) / 28;
	long cx = (long)(p->vsz_mib / cw), cy = (long)(p->rss_mib / ch);
	size_t j, k = 0, n = 0;

	for (j = 0; j < d->nkill; j++) {
		if ((long)(d->kill[j].vsz_mib / cw) != cx || (long)(d->kill[j].rss_mib / ch) != cy)
			continue;
		if (j < i)
			k++;
		n++;
	}
	if (k > LABELS_STACKED)
		return -1;
	*more = k == LABELS_STACKED ? n - LABELS_STACKED : 0;
	*y = p->rss_mib + (p->rss_mib > maxr * 0.6 ? -1.0 : 1.0) * (double)(k + 1) * line;
	return 0;
}

/* The scatter: every killed container, or with more than PLOT_POINTS_MAX
 * one point per pixel and class (a second one on the same pixel adds
 * nothing to see); with few, the labels apart (label_at). */
static int
write_scatter(FILE *cls[3], FILE *lab[3], const struct plot_data *d)
{
	unsigned char *seen = NULL;
	double maxv = 0, maxr = 0, ly;
	size_t i, more;

	for (i = 0; i < d->nkill; i++) {
		maxv = fmax(maxv, d->kill[i].vsz_mib);
		maxr = fmax(maxr, d->kill[i].rss_mib);
	}
	if (d->nkill > PLOT_POINTS_MAX && !(seen = calloc(3 * (size_t)(PLOT_W + 1) * (PLOT_H + 1), 1)))
		return -1;
	for (i = 0; i < d->nkill; i++) {
		const struct plot_kill *p = &d->kill[i];
		int c = !strcmp(p->cls, "high") ? 0 : !strcmp(p->cls, "low") ? 1 : 2;

		if (seen) {
			size_t gx = maxv > 0 ? (size_t)(p->vsz_mib / maxv * PLOT_W) : 0;
			size_t gy = maxr > 0 ? (size_t)(p->rss_mib / maxr * PLOT_H) : 0;
			size_t at = ((size_t)c * (PLOT_H + 1) + gy) * (PLOT_W + 1) + gx;

			if (seen[at])
				continue;
			seen[at] = 1;
		}
		fprintf(cls[c], "%.3f\t%.3f\n", p->vsz_mib, p->rss_mib);
		if (d->nkill > PLOT_LABELS_MAX || label_at(d, i, maxv, maxr, &ly, &more) < 0)
			continue;
		fprintf(lab[c], "%.3f\t%.4f\t", p->vsz_mib, ly);
		if (more) {
			fprintf(lab[c], "\"+%zu more\"", more);
		} else if (d->nhost > 1) {
			char both[160];

			snprintf(both, sizeof both, "%.48s @ %.64s", p->name,
				 d->host[p->host][0] ? d->host[p->host] : "(no host)");
			put_label(lab[c], both, sizeof both);
		} else {
			put_label(lab[c], p->name, NAME_MAX_SHOWN);
		}
		fputc('\n', lab[c]);
	}
	free(seen);
	return 0;
}

static int
write_data(const struct plot_data *d, int dfd)
{
	FILE *m = create(dfd, "mem.dat"), *k = create(dfd, "kills.dat");
	FILE *cls[3] = { create(dfd, "high.dat"), create(dfd, "low.dat"), create(dfd, "other.dat") };
	FILE *lab[3] = { create(dfd, "high.lab"), create(dfd, "low.lab"), create(dfd, "other.lab") };
	double first = INFINITY, last = -INFINITY;
	size_t i;
	int bad = !m || !k || !cls[0] || !cls[1] || !cls[2] || !lab[0] || !lab[1] || !lab[2];

	for (i = 0; i < d->nmem; i++) {
		first = fmin(first, d->mem[i].ts);
		last = fmax(last, d->mem[i].ts);
	}
	for (i = 0; i < d->nkill; i++) {
		first = fmin(first, d->kill[i].ts);
		last = fmax(last, d->kill[i].ts);
	}
	if (!bad && d->nhost > 1)
		write_hosts(m, k, d, first, last);
	else if (!bad)
		write_mem(m, d, first, last);
	/* the step line spans the whole time axis */
	if (!bad && d->nhost <= 1 && (d->nmem || d->nkill))
		write_steps(k, d, first, last);
	if (!bad && write_scatter(cls, lab, d) < 0)
		bad = 1;
	if (m && close_ok(m) < 0)
		bad = 1;
	if (k && close_ok(k) < 0)
		bad = 1;
	for (i = 0; i < 3; i++) {
		if (cls[i] && close_ok(cls[i]) < 0)
			bad = 1;
		if (lab[i] && close_ok(lab[i]) < 0)
			bad = 1;
	}
	return bad ? -1 : 0;
}

static const char *const tmp_files[] = {
	"mem.dat", "kills.dat", "high.dat", "low.dat", "other.dat", "high.lab", "low.lab",
	"other.lab", "plot.gp",
	"gnuplot.err", "ram_usage.png.tmp", "vsz_rss.png.tmp", NULL
};

/* Run gnuplot on plot.gp inside dir: fork/exec, no shell, its own process
 * group (a Ctrl-C meant for us must not kill the picture we draw on exit),
 * and it dies with us (PR_SET_PDEATHSIG): it is never left running alone.
 * By deadline (monotonic seconds, 0: none) it is done, or its whole process
 * group is killed and reaped. 0, -1 failed, -2 killed at the deadline. */
static int
run_gnuplot(const char *dir, double deadline)
{
	const char *gp = getenv("CULL_GNUPLOT");
	pid_t pid, parent = getpid();
	long nap = 1000000;	/* ns: 1 ms, growing to 16 ms */
	int st;

	if (!gp || !*gp)
		gp = "gnuplot";
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY), err;

		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);	/* the parent is already gone */
		signal(SIGPIPE, SIG_DFL);
		if (chdir(dir) < 0 || in < 0)
			_exit(127);
		err = open("gnuplot.err", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (err < 0 || dup2(in, 0) < 0 || dup2(err, 1) < 0 || dup2(err, 2) < 0)
			_exit(127);
		execlp(gp, gp, "plot.gp", (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);	/* both sides, so a kill(-pid) cannot miss it */
	for (;;) {
		pid_t r = waitpid(pid, &st, deadline > 0 ? WNOHANG : 0);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return -1;
		if (r == 0) {
			double left = deadline - cull_mono();
			struct timespec ts = { 0, nap };

			if (left <= 0) {
				kill(-pid, SIGKILL);
				kill(pid, SIGKILL);
				while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
					;
				cull_warn("%s took too long: killed (its process group) at the deadline", gp);
				return -2;
			}
			if (left * 1e9 < nap)
				ts.tv_nsec = (long)(left * 1e9) + 1;
			nanosleep(&ts, NULL);
			if (nap < 16000000)
				nap *= 2;
		}
	}
	/* anything it left in its group goes with it */
	kill(-pid, SIGKILL);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		cull_warn("cannot run %s (is gnuplot installed?)", gp);
	else
		cull_warn("%s failed (%s %d)", gp, WIFEXITED(st) ? "exit status" : "signal",
			  WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	return -1;
}

static void
show_err(int dfd)
{
	char buf[1024];
	int fd = openat(dfd, "gnuplot.err", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n > 0) {
		buf[n] = '\0';
		cull_warn("gnuplot said: %s", buf);
	}
}

int
plot_render(const struct plot_data *d, const char *dir, int which, double timeout)
{
	static const struct {
		int which;
		const char *tmp, *final;
	} out[] = {
		{ PLOT_RAM, "ram_usage.png.tmp", "ram_usage.png" },
		{ PLOT_VSZ, "vsz_rss.png.tmp", "vsz_rss.png" },
	};
	char tdir[PATH_MAX], from[PATH_MAX + 32], to[PATH_MAX + 32];
	double deadline = timeout > 0 ? cull_mono() + timeout : 0;
	int dfd = -1, rc = 0;
	size_t i;

	if (snprintf(tdir, sizeof tdir, "%s/.cull-plot.XXXXXX", dir) >= (int)sizeof tdir) {
		cull_warn("%s: path too long", dir);
		return -1;
	}
	if (!mkdtemp(tdir)) {
		cull_warn("cannot make a temporary directory in %s:", dir);
		return -1;
	}
	dfd = open(tdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || write_data(d, dfd) < 0) {
		cull_warn("cannot write the graph data in %s:", tdir);
		rc = -1;
		goto out;
	}
	for (i = 0; i < 2 && rc == 0; i++) {
		const char *script;
		FILE *f;

		if (!(which & out[i].which))
			continue;
		script = plot_script(d, out[i].which);
		f = create(dfd, "plot.gp");
		if (!f || fputs(script, f) < 0 || close_ok(f) < 0) {
			cull_warn("cannot write the gnuplot script in %s:", tdir);
			rc = -1;
			break;
		}
		if ((rc = run_gnuplot(tdir, deadline)) < 0) {
			if (rc == -1)
				show_err(dfd);
			break;
		}
		snprintf(from, sizeof from, "%s/%s", tdir, out[i].tmp);
		snprintf(to, sizeof to, "%s/%s", dir, out[i].final);
		if (rename(from, to) < 0) {
			cull_warn("cannot put the graph in place as %s:", to);
			rc = -1;
		}
	}
out:
	for (i = 0; dfd >= 0 && tmp_files[i]; i++)
		unlinkat(dfd, tmp_files[i], 0);
	if (dfd >= 0)
		close(dfd);
	rmdir(tdir);
	return rc;
}

void
plot_sweep(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *e;

	while (dp && (e = readdir(dp)) != NULL) {
		int sub;
		size_t i;

		if (strncmp(e->d_name, ".cull-plot.", 11) != 0)
			continue;
		sub = openat(dirfd(dp), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		for (i = 0; sub >= 0 && tmp_files[i]; i++)
			unlinkat(sub, tmp_files[i], 0);
		if (sub >= 0)
			close(sub);
		unlinkat(dirfd(dp), e->d_name, AT_REMOVEDIR);
	}
	if (dp)
		closedir(dp);
}

/* mkdir -p path (0755). 0, or -1 with errno. */
static int
make_dirs(const char *path)
{
	char p[PATH_MAX];
	size_t i, n = strlen(path);

	if (n >= sizeof p) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(p, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -1;
		p[i] = path[i];
	}
	return 0;
}

/* cull-logger plot: the log drawn once into --out (made when missing). */
int
plot_main(const struct logger_opts *o)
{
	struct plot_data d = { 0 };
	int rc;

	if (!o->log || !o->out)
		cull_die(CULL_EXIT_USAGE, "plot needs --log FILE and --out DIR");
	if (make_dirs(o->out) < 0) {
		cull_warn("cannot make the directory %s:", o->out);
		return CULL_EXIT_FAIL;
	}
	if (plot_load(o->log, &d) < 0)
		return CULL_EXIT_FAIL;
	rc = plot_render(&d, o->out, PLOT_ALL, 0);
	plot_free(&d);
	return rc < 0 ? CULL_EXIT_FAIL : CULL_EXIT_OK;
}
