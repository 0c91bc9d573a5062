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
#include "jv.h"
#include "lines.h"
#include "logfile.h"
#include "logger.h"
#include "mem.h"
#include "plot.h"
#include "record.h"
#include "state.h"

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
 * failed append can say exactly what went in. One buffer, made at start at
 * its full size and touched, never grown: the logger's resident memory does
 * not step up with the first backlog (make soak judges growth per hour). A
 * line longer than it is appended alone (store_alone). */
#define BATCH_BYTES ((size_t)64 << 10)
#define BATCH_LINES 1024
struct batch {
	struct cull_linebuf lines;	/* cap BATCH_BYTES */
	unsigned long lineno[BATCH_LINES];	/* lines.count of them */
};

static void
batch_init(struct batch *b)
{
	memset(b, 0, sizeof *b);
	if (!(b->lines.buf = malloc(BATCH_BYTES)))
		cull_die(CULL_EXIT_FAIL, "fatal: out of memory");
	memset(b->lines.buf, 0, BATCH_BYTES);
	b->lines.cap = BATCH_BYTES;
}

/* Does a line of n bytes fit beside what is there? */
static int
batch_fits(const struct batch *b, size_t n)
{
	return b->lines.count < BATCH_LINES && b->lines.len + n + 1 <= b->lines.cap;
}

/* Only when batch_fits(): the buffer then never grows. */
static void
batch_add(struct batch *b, const char *s, size_t n, unsigned long lineno)
{
	b->lineno[b->lines.count] = lineno;
	cull_linebuf_put(&b->lines, s, n);
}

struct intake {
	const struct logger_opts *o;
	struct logf log;
	struct batch b;
	int fd;				/* stdin or the FIFO */
	struct cull_lines r;		/* reading fd */
	struct jv v;
	struct rec_human h;
	unsigned long stored, refused;
	unsigned long refused_told;	/* refused counted in FILE.state/ (state.h) */
	unsigned long last_stored_line;	/* input line number of the last stored line */
	double next_plot;
	unsigned long stored_at_plot;	/* stored when the graphs were last drawn */
	int urgent;			/* a line not synced yet that is not routine */
};

/* The lines a pipeline writes every interval: the log is synced for them
 * only every --sync-every seconds (a crash loses some points of a graph).
 * Any other line (a sentence, its outcome, a note) within a second, as
 * journald syncs at once after a critical message. */
static int
routine(const struct rec_fields *jr)
{
	return rec_type_is(jr, "mem") || rec_type_is(jr, "rank") || rec_type_is(jr, "snapshot");
}

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

/* The whole batch failed: store what fits line by line, say what went in,
 * and end the program with 1. */
static void
flush_failed(struct intake *in, int saved)
{
	const struct cull_linebuf *l = &in->b.lines;
	size_t i, off = 0;

	if (saved == EPIPE && !in->log.regular)
		exit(CULL_EXIT_OK);	/* the reader of our stdout went away */
	for (i = 0; i < l->count && in->log.regular; i++) {
		char *nl = memchr(l->buf + off, '\n', l->len - off);
		size_t n = (size_t)(nl - (l->buf + off)) + 1;

		if (logf_append(&in->log, l->buf + off, n) < 0) {
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
		  in->stored, in->last_stored_line, in->b.lineno[i < l->count ? i : l->count - 1]);
	exit(CULL_EXIT_FAIL);
}

/* Write the batch in one append (see flush_failed when it cannot). */
/* The refused lines not yet counted beside the log, for GET /metrics. */
static void
tell_refused(struct intake *in)
{
	if (!in->o->log || in->refused == in->refused_told)
		return;
	if (st_count_refused(in->o->log, in->refused - in->refused_told) < 0)
		cull_warn("%s.state: cannot count the refused lines there", in->o->log);
	in->refused_told = in->refused;
}

static void
flush(struct intake *in)
{
	struct cull_linebuf *l = &in->b.lines;

	tell_refused(in);
	if (l->count == 0)
		return;
	if (logf_append(&in->log, l->buf, l->len) < 0)
		flush_failed(in, errno);
	in->stored += l->count;
	in->last_stored_line = in->b.lineno[l->count - 1];
	l->len = l->count = 0;
}

/* A line longer than the batch buffer, appended alone from where it lies
 * (the reader's buffer: line[n] is its '\0' or white space, now its
 * '\n'), as a batch of one. The batch is empty (flushed). */
static void
store_alone(struct intake *in, char *line, size_t n, unsigned long lineno)
{
	struct cull_linebuf keep = in->b.lines;

	line[n] = '\n';
	in->b.lines = (struct cull_linebuf){ .buf = line, .len = n + 1, .cap = n + 1, .count = 1 };
	in->b.lineno[0] = lineno;
	flush(in);
	line[n] = '\0';
	in->b.lines = keep;
}

/* The human line for a mem or killed record (json-c only for those). */
static void
tell_human(struct intake *in, const char *line, size_t n, const struct rec_fields *jr)
{
	json_object *o;
	const char *type;
	double ts;
	char msg[256];

	if (in->o->quiet || !(rec_type_is(jr, "mem") || rec_type_is(jr, "killed")) ||
	    (o = jv_parse(&in->v, line, n)) == NULL)
		return;
	if (rec_check(&in->v, o, &type, &ts) == 0 &&
	    rec_human(&in->h, o, type, ts, msg, sizeof msg))
		fprintf(stderr, "%s\n", msg);
	json_object_put(o);
}

static void
accept_line(struct intake *in, char *line, size_t n, unsigned long lineno)
{
	struct rec_fields jr;
	const char *why;
	size_t a = 0, at;

	/* store the line as it came, without the white space around it */
	while (a < n && (line[a] == ' ' || line[a] == '\t' || line[a] == '\r'))
		a++;
	while (n > a && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
		n--;
	line += a;
	n -= a;
	if ((why = rec_strict(line, n, &jr, &at)) == NULL) {
		/* the fast path: json-c only for the lines people see */
		if (!batch_fits(&in->b, n))
			flush(in);
		if (batch_fits(&in->b, n))
			batch_add(&in->b, line, n, lineno);
		else
			store_alone(in, line, n, lineno);
		if (!routine(&jr))
			in->urgent = 1;
		tell_human(in, line, n, &jr);
		return;
	}
	rec_why_not(&in->v, line, n, why, at);
	cull_warn("line %lu: %s", lineno, in->v.err);
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

/* A FIFO's writers all went: wait for the next, counting lines on. */
static void
reopen_fifo(struct intake *in)
{
	unsigned long lineno = in->r.lineno;

	cull_lines_free(&in->r);
	close(in->fd);
	in->fd = open_fifo(in->o->fifo);
	cull_lines_init(&in->r, in->fd, 0);
	in->r.lineno = lineno;
}

/* Is a whole line (or the end) waiting in the reader's buffer? */
static int
line_ready(const struct cull_lines *r)
{
	return r->eof || (r->end > r->start && memchr(r->buf + r->start, '\n', r->end - r->start));
}

/* Nothing whole to work on: store what we have, then wait at most a
 * second (fsync and plots are due by the clock; routine()). >0 when input
 * came. */
static int
wait_for_input(struct intake *in)
{
	struct pollfd p = { .fd = in->fd, .events = POLLIN };
	double now;

	flush(in);
	if (logf_sync(&in->log, in->urgent ? 1.0 : in->o->sync_every) < 0)
		cull_die(CULL_EXIT_FAIL, "fatal: cannot fsync %s:", in->log.path);
	if (!in->log.dirty)
		in->urgent = 0;
	now = cull_mono();
	if (in->o->plot_every && now >= in->next_plot) {
		/* redraw only when something new came in */
		if (in->stored != in->stored_at_plot)
			draw(in);
		in->next_plot = now + in->o->plot_every;
	}
	return poll(&p, 1, 1000);
}

/* Read and take one line (or wait for one). 0 at the end of the input. */
static int
intake_step(struct intake *in)
{
	char *line;
	ssize_t n;

	if (!line_ready(&in->r) && wait_for_input(in) <= 0)
		return 1;
	n = cull_lines_next(&in->r, &line);
	if (n >= 0) {
		accept_line(in, line, (size_t)n, in->r.lineno);
		return 1;
	}
	if (n == CULL_LINE_INTR)
		return 1;
	if (n == CULL_LINE_TOOLONG) {
		cull_warn("line %lu: longer than %zu bytes, skipped", in->r.lineno, in->r.max);
		in->refused++;
		return 1;
	}
	if (n == CULL_LINE_ERR && errno == EAGAIN)
		return 1;	/* the FIFO is empty for now */
	if (n == CULL_LINE_ERR) {
		flush(in);
		logf_sync(&in->log, 0);
		cull_die(CULL_EXIT_FAIL, "fatal: read error:");
	}
	/* end of input; a FIFO's writers all went: wait for the next */
	if (!in->o->fifo)
		return 0;
	reopen_fifo(in);
	return 1;
}

/* A stop signal ends the reading, not the lines already read: store every
 * whole one in the buffer (what is still in a FIFO stays there, for the
 * next reader of a FIFO that someone holds open). */
static void
take_buffered(struct intake *in)
{
	struct cull_lines *r = &in->r;

	while (r->end > r->start && memchr(r->buf + r->start, '\n', r->end - r->start)) {
		char *line;
		ssize_t n = cull_lines_next(r, &line);

		if (n < 0)
			break;
		accept_line(in, line, (size_t)n, r->lineno);
	}
}

static void
intake_open(struct intake *in, const struct logger_opts *o)
{
	if (o->plots && !o->log)
		cull_die(CULL_EXIT_USAGE, "--plots needs --log (the graphs are drawn from it)");
	if (o->plot_every && !o->plots)
		cull_die(CULL_EXIT_USAGE, "--plot-every needs --plots");
	in->o = o;
	cull_stdio_setup();
	if (logf_open(&in->log, o->log) < 0)
		cull_die(CULL_EXIT_FAIL, "fatal: cannot open the log %s:", o->log);
	in->fd = o->fifo ? open_fifo(o->fifo) : STDIN_FILENO;
	catch_stop_signals();
	jv_init(&in->v);
	batch_init(&in->b);
	cull_lines_init(&in->r, in->fd, 0);
	in->next_plot = cull_mono() + o->plot_every;
}

int
intake_main(const struct logger_opts *o)
{
	struct intake in = { 0 };

	intake_open(&in, o);
	while (!stop_signal && intake_step(&in))
		;
	if (stop_signal)
		take_buffered(&in);
	flush(&in);
	if (logf_sync(&in.log, 0) < 0)
		cull_die(CULL_EXIT_FAIL, "fatal: cannot fsync %s:", in.log.path);
	if (o->plots)
		draw(&in);
	if (!o->quiet || in.refused)
		cull_warn("%lu lines stored, %lu refused%s", in.stored, in.refused,
			  stop_signal ? " (stopped by a signal)" : "");
	cull_lines_free(&in.r);
	jv_fini(&in.v);
	free(in.b.lines.buf);
	logf_close(&in.log);
	if (!o->log)
		cull_stdout_close();
	return CULL_EXIT_OK;
}
