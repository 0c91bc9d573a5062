/*
 * intake.c - cull-logger without a subcommand: JSON lines on stdin or a FIFO
 * (--fifo, reopened when its writers go) appended to the log (--log, or
 * stdout), in batches of whole lines; the graphs drawn on exit (--plots)
 * and every --plot-every seconds.
 *
 *	{"type":"mem","ts":1700000000.5,"used_pct":61.2}
 *
 * A line that is not a record (record.h) is reported as
 * "cull-logger: line N: ..." and counted; the counts go to stderr at the end.
 * Exit: 0 end of input or SIGINT, SIGTERM, SIGHUP (what was read is stored);
 * 1 the log cannot be written (what went in is said).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "jstrict.h"
#include "jv.h"
#include "lines.h"
#include "logfile.h"
#include "logger.h"
#include "mem.h"
#include "plot.h"
#include "record.h"

static volatile sig_atomic_t stop_signal;

static void
on_stop(int sig)
{
	stop_signal = sig;
}

static void
catch_stop_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;	/* no SA_RESTART: a blocked read returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* Accepted lines waiting for one append, with their input line numbers so a
 * failed append can say exactly what went in. */
struct batch {
	struct cull_linebuf lines;
	unsigned long *lineno;	/* lines.count of them */
	size_t cap_n;
};

#define BATCH_MAX ((size_t)64 << 10)

static void
batch_add(struct batch *b, const char *s, size_t n, unsigned long lineno)
{
	b->lineno = cull_grow(b->lineno, &b->cap_n, b->lines.count + 1, sizeof *b->lineno);
	b->lineno[b->lines.count] = lineno;
	cull_linebuf_put(&b->lines, s, n);
}

struct intake {
	const struct logger_opts *o;
	struct logf log;
	struct batch b;
	unsigned long stored, refused;
	unsigned long last_stored_line;	/* input line number of the last stored line */
	double next_plot;
	unsigned long stored_at_plot;	/* stored when the graphs were last drawn */
};

static void
draw(struct intake *in)
{
	struct plot_data d = {0};

	/* a hung gnuplot must not stop the intake for good */
	if (plot_load(in->o->log, &d) == 0)
		plot_render(&d, in->o->plots, PLOT_ALL, 300);
	plot_free(&d);
	in->stored_at_plot = in->stored;
}

/* Write the batch; on failure store what fits line by line, say what went
 * in, and end the program with 1. */
static void
flush(struct intake *in)
{
	size_t i, off = 0;
	int saved;

	if (in->b.lines.count == 0)
		return;
	if (logf_append(&in->log, in->b.lines.buf, in->b.lines.len) == 0) {
		in->stored += in->b.lines.count;
		in->last_stored_line = in->b.lineno[in->b.lines.count - 1];
		in->b.lines.len = in->b.lines.count = 0;
		return;
	}
	saved = errno;
	if (saved == EPIPE && !in->log.regular)
		exit(CULL_EXIT_OK);	/* the reader of our stdout went away */
	for (i = 0; i < in->b.lines.count && in->log.regular; i++) {
		char *nl = memchr(in->b.lines.buf + off, '\n', in->b.lines.len - off);
		size_t n = (size_t)(nl - (in->b.lines.buf + off)) + 1;

		if (logf_append(&in->log, in->b.lines.buf + off, n) < 0) {
			saved = errno;
			break;
		}
		in->stored++;
		in->last_stored_line = in->b.lineno[i];
		off += n;
	}
	logf_sync(&in->log, 0);
	errno = saved;
	cull_warn("fatal: cannot append to %s: %s; %lu lines stored (the last from input line "
		  "%lu), input line %lu and after not stored", in->log.path, strerror(saved),
		  in->stored, in->last_stored_line, in->b.lineno[i < in->b.lines.count ? i : in->b.lines.count - 1]);
	exit(CULL_EXIT_FAIL);
}

static void
accept_line(struct intake *in, struct jv *v, struct rec_human *h, char *line, size_t n,
	    unsigned long lineno)
{
	json_object *o;
	struct jstrict_rec jr;
	const char *type, *why;
	double ts;
	size_t a = 0, at;

	/* store the line as it came, without the white space around it */
	while (a < n && (line[a] == ' ' || line[a] == '\t' || line[a] == '\r'))
		a++;
	while (n > a && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
		n--;
	line += a;
	n -= a;
	if ((why = jstrict_record(line, n, &jr, &at)) == NULL) {
		/* the fast path: json-c only for the lines people see */
		batch_add(&in->b, line, n, lineno);
		if (!in->o->quiet && !jr.type_escaped &&
		    ((jr.type_len == 3 && !memcmp(jr.type, "mem", 3)) ||
		     (jr.type_len == 6 && !memcmp(jr.type, "killed", 6))) &&
		    (o = jv_parse(v, line, n)) != NULL) {
			char msg[256];

			if (rec_check(v, o, &type, &ts) == 0 && rec_human(h, o, type, ts, msg, sizeof msg))
				fprintf(stderr, "%s\n", msg);
			json_object_put(o);
		}
		if (in->b.lines.len >= BATCH_MAX)
			flush(in);
		return;
	}
	rec_why_not(v, line, n, why, at);
	cull_warn("line %lu: %s", lineno, v->err);
	in->refused++;
}

/* Open the FIFO for reading without waiting for a writer (poll waits). */
static int
open_fifo(const char *path)
{
	struct stat st;
	int fd;

	if (mkfifo(path, 0660) < 0 && errno != EEXIST)
		cull_die(CULL_EXIT_FAIL, "fatal: cannot make the FIFO %s:", path);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		cull_die(CULL_EXIT_FAIL, "fatal: cannot open the FIFO %s:", path);
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode))
		cull_die(CULL_EXIT_FAIL, "fatal: %s exists and is not a FIFO", path);
	return fd;
}

/* Is a whole line (or the end) waiting in the reader's buffer? */
static int
line_ready(const struct cull_lines *r)
{
	return r->eof || (r->end > r->start && memchr(r->buf + r->start, '\n', r->end - r->start));
}

int
intake_main(const struct logger_opts *o)
{
	struct intake in = { 0 };
	struct cull_lines r;
	struct rec_human h = { 0 };
	struct jv v;
	int fd = STDIN_FILENO;

	if (o->plots && !o->log)
		cull_die(CULL_EXIT_USAGE, "--plots needs --log (the graphs are drawn from it)");
	if (o->plot_every && !o->plots)
		cull_die(CULL_EXIT_USAGE, "--plot-every needs --plots");
	in.o = o;
	cull_stdio_setup();
	if (logf_open(&in.log, o->log) < 0)
		cull_die(CULL_EXIT_FAIL, "fatal: cannot open the log %s:", o->log);
	if (o->fifo)
		fd = open_fifo(o->fifo);
	catch_stop_signals();
	jv_init(&v);
	cull_lines_init(&r, fd, 0);
	in.next_plot = cull_mono() + o->plot_every;
	while (!stop_signal) {
		char *line;
		ssize_t n;

		if (!line_ready(&r)) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			double now;

			/* nothing whole to work on: store what we have, then wait
			 * at most a second (fsync and plots are due by the clock) */
			flush(&in);
			if (logf_sync(&in.log, 1.0) < 0)
				cull_die(CULL_EXIT_FAIL, "fatal: cannot fsync %s:", in.log.path);
			now = cull_mono();
			if (o->plot_every && now >= in.next_plot) {
				/* redraw only when something new came in */
				if (in.stored != in.stored_at_plot)
					draw(&in);
				in.next_plot = now + o->plot_every;
			}
			if (poll(&p, 1, 1000) <= 0)
				continue;
		}
		n = cull_lines_next(&r, &line);
		if (n >= 0) {
			accept_line(&in, &v, &h, line, (size_t)n, r.lineno);
			continue;
		}
		if (n == CULL_LINE_INTR)
			continue;
		if (n == CULL_LINE_TOOLONG) {
			cull_warn("line %lu: longer than %zu bytes, skipped", r.lineno, r.max);
			in.refused++;
			continue;
		}
		if (n == CULL_LINE_ERR && errno == EAGAIN)
			continue;	/* the FIFO is empty for now */
		if (n == CULL_LINE_ERR) {
			flush(&in);
			logf_sync(&in.log, 0);
			cull_die(CULL_EXIT_FAIL, "fatal: read error:");
		}
		/* end of input; a FIFO's writers all went: wait for the next */
		if (!o->fifo)
			break;
		{
			unsigned long lineno = r.lineno;

			cull_lines_free(&r);
			close(fd);
			fd = open_fifo(o->fifo);
			cull_lines_init(&r, fd, 0);
			r.lineno = lineno;
		}
	}
	/* A stop signal ends the reading, not the lines already read: store
	 * every whole one in the buffer (what is still in a FIFO stays there,
	 * for the next reader of a FIFO that someone holds open). */
	while (stop_signal && r.end > r.start &&
	       memchr(r.buf + r.start, '\n', r.end - r.start)) {
		char *line;
		ssize_t n = cull_lines_next(&r, &line);

		if (n < 0)
			break;
		accept_line(&in, &v, &h, line, (size_t)n, r.lineno);
	}
	flush(&in);
	if (logf_sync(&in.log, 0) < 0)
		cull_die(CULL_EXIT_FAIL, "fatal: cannot fsync %s:", in.log.path);
	if (o->plots)
		draw(&in);
	if (!o->quiet || in.refused)
		cull_warn("%lu lines stored, %lu refused%s", in.stored, in.refused,
			  stop_signal ? " (stopped by a signal)" : "");
	cull_lines_free(&r);
	jv_fini(&v);
	free(in.b.lines.buf);
	free(in.b.lineno);
	logf_close(&in.log);
	if (!o->log)
		cull_stdout_close();
	return CULL_EXIT_OK;
}
