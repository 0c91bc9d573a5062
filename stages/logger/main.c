/*
 * cull-logger - the pipeline's memory and its pictures.
 *
 *   cull-logger [--log FILE] [--fifo PATH] [--plots DIR] [--plot-every S] [--quiet]
 *   cull-logger plot --log FILE --out DIR
 *   cull-logger http --log FILE [--max-body BYTES] [--head-timeout S] [--timeout S]
 *                    [--graph-timeout S]
 *   cull-logger serve [--listen ADDR:PORT] --log FILE [--max-body BYTES] [--head-timeout S]
 *                     [--timeout S] [--graph-timeout S] [--max-clients N] [--backlog N]
 *
 * Input: JSON lines on stdin or a FIFO; every JSON object with "type" (a
 * string) and "ts" (a number) is appended to the log (stdout without --log),
 * anything else is reported as "cull-logger: line N: ..." and counted.
 * The log: see logfile.h. Graphs: see plot.h. HTTP: one request on
 * stdin/stdout (http), run per connection by socat (serve).
 *
 * Exit: 0 done (EOF, SIGINT, SIGTERM), 1 runtime failure (the log cannot be
 * written: full disk, I/O error), 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "err.h"
#include "graph.h"
#include "mem.h"
#include "http.h"
#include "jstrict.h"
#include "jv.h"
#include "jw.h"
#include "lines.h"
#include "logfile.h"
#include "opt.h"
#include "plot.h"
#include "record.h"
#include "version.h"

static const char usage[] =
	"usage: cull-logger [--log FILE] [--fifo PATH] [--plots DIR] [--plot-every S] [--quiet]\n"
	"       cull-logger plot --log FILE --out DIR\n"
	"       cull-logger http --log FILE [--max-body BYTES] [--head-timeout S] [--timeout S]\n"
	"                        [--graph-timeout S]\n"
	"       cull-logger serve [--listen ADDR:PORT] --log FILE [--max-body BYTES]\n"
	"                         [--head-timeout S] [--timeout S] [--graph-timeout S]\n"
	"                         [--max-clients N] [--backlog N]\n";

static const char help[] =
	"\n"
	"Append every JSON line with \"type\" and \"ts\" to a durable NDJSON log; draw\n"
	"ram_usage.png and vsz_rss.png with gnuplot; take and serve logs over HTTP.\n"
	"\n"
	"  --log FILE        the log (appended, O_APPEND + flock; default: stdout)\n"
	"  --fifo PATH       read from this FIFO (made if missing, reopened when its\n"
	"                    writers go) instead of stdin\n"
	"  --plots DIR       draw the graphs into DIR on exit (needs --log)\n"
	"  --plot-every S    and every S seconds while running\n"
	"  --quiet           no human line per mem and killed record on stderr\n"
	"  --out DIR         (plot) where to draw the graphs\n"
	"  --max-body BYTES  (http, serve) largest POST body, default 1048576\n"
	"  --head-timeout S  (http, serve) the request head must come within S\n"
	"                    seconds of the connection (2)\n"
	"  --timeout S       (http, serve) and the body within S seconds after it;\n"
	"                    the answer must be sent within S seconds too (10)\n"
	"  --graph-timeout S (http, serve) a graph must be drawn within S seconds,\n"
	"                    or gnuplot is killed and the answer is 503 (30)\n"
	"  --listen A:P      (serve) address to listen on, default 127.0.0.1:8000;\n"
	"                    port 0 picks a free one\n"
	"  --max-clients N   (serve) connections handled at once (64); more wait\n"
	"                    in the listen queue\n"
	"  --backlog N       (serve) that queue's length (128)\n"
	"\n"
	"HTTP: POST /logs (object, array or NDJSON), GET /logs?tail=N, GET /graph,\n"
	"GET /scatter_vsz_rss, GET /healthz.\n"
	"\n"
	"Exit status: 0 done (end of input, SIGINT, SIGTERM, SIGHUP), 1 runtime failure\n"
	"(full disk, I/O error), 2 usage error.\n";

static void
usage_exit(void)
{
	fputs(usage, stderr);
	exit(CULL_EXIT_USAGE);
}

static void
help_exit(void)
{
	fputs(usage, stdout);
	fputs(help, stdout);
	exit(CULL_EXIT_OK);
}

enum {
	O_LOG = 1, O_FIFO, O_PLOTS, O_PLOT_EVERY, O_QUIET, O_OUT, O_MAX_BODY, O_TIMEOUT,
	O_LISTEN, O_HEAD_TIMEOUT, O_GRAPH_TIMEOUT, O_MAX_CLIENTS, O_BACKLOG, O_HELP, O_VERSION,
};

static const struct option longopts[] = {
	{ "log", required_argument, NULL, O_LOG },
	{ "fifo", required_argument, NULL, O_FIFO },
	{ "plots", required_argument, NULL, O_PLOTS },
	{ "plot-every", required_argument, NULL, O_PLOT_EVERY },
	{ "quiet", no_argument, NULL, O_QUIET },
	{ "out", required_argument, NULL, O_OUT },
	{ "max-body", required_argument, NULL, O_MAX_BODY },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "listen", required_argument, NULL, O_LISTEN },
	{ "head-timeout", required_argument, NULL, O_HEAD_TIMEOUT },
	{ "graph-timeout", required_argument, NULL, O_GRAPH_TIMEOUT },
	{ "max-clients", required_argument, NULL, O_MAX_CLIENTS },
	{ "backlog", required_argument, NULL, O_BACKLOG },
	{ "help", no_argument, NULL, O_HELP },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 },
};

struct opts {
	const char *log;	/* the log file; NULL: stdout */
	const char *fifo;	/* read this FIFO instead of stdin */
	const char *plots;	/* draw graphs here on exit */
	double plot_every;	/* and every so many seconds (0: never) */
	int quiet;		/* no human lines */
	const char *out;	/* plot: output directory */
	long long max_body;	/* http: largest POST body */
	double head_timeout;	/* http: seconds from connecting to the end of the head */
	double timeout;		/* http: seconds for the body after the head, and for the answer */
	double graph_timeout;	/* http: seconds to draw a graph (and to wait for another's) */
	const char *listen;	/* serve: ADDR:PORT */
	long long max_clients;	/* serve: socat's max-children */
	long long backlog;	/* serve: the listen queue */
};

/* Parse the options a subcommand allows (a string of O_* codes). */
static void
parse_opts(int argc, char **argv, const char *allowed, struct opts *o)
{
	int c;

	memset(o, 0, sizeof *o);
	o->max_body = 1 << 20;
	o->head_timeout = 2;
	o->timeout = 10;
	o->graph_timeout = 30;
	o->listen = "127.0.0.1:8000";
	o->max_clients = 64;
	o->backlog = 128;
	opterr = 0;	/* our own messages, with our short name */
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (c == O_HELP)
			help_exit();
		if (c == O_VERSION)
			cull_version_exit();
		if (c == '?' || c == ':' || !strchr(allowed, c)) {
			cull_warn(c == '?' ? "unknown option %s" : c == ':' ? "option %s needs a value" :
				  "option %s does not apply here", argv[optind - 1]);
			usage_exit();
		}
		switch (c) {
		case O_LOG: o->log = optarg; break;
		case O_FIFO: o->fifo = optarg; break;
		case O_PLOTS: o->plots = optarg; break;
		case O_PLOT_EVERY:
			o->plot_every = cull_opt_double("--plot-every", optarg, 0.1, 86400);
			break;
		case O_QUIET: o->quiet = 1; break;
		case O_OUT: o->out = optarg; break;
		case O_MAX_BODY:
			o->max_body = cull_opt_ll("--max-body", optarg, 1, 1LL << 30);
			break;
		case O_TIMEOUT:
			o->timeout = cull_opt_double("--timeout", optarg, 0.1, 3600);
			break;
		case O_LISTEN: o->listen = optarg; break;
		case O_HEAD_TIMEOUT:
			o->head_timeout = cull_opt_double("--head-timeout", optarg, 0.1, 3600);
			break;
		case O_GRAPH_TIMEOUT:
			o->graph_timeout = cull_opt_double("--graph-timeout", optarg, 0.1, 3600);
			break;
		case O_MAX_CLIENTS:
			o->max_clients = cull_opt_ll("--max-clients", optarg, 1, 4096);
			break;
		case O_BACKLOG:
			o->backlog = cull_opt_ll("--backlog", optarg, 1, 65535);
			break;
		}
	}
	cull_opt_no_operands(argc, argv, optind, usage);
	if (o->log && !*o->log)
		cull_die(CULL_EXIT_USAGE, "--log: the path is empty");
}

/* ------------------------------------------------------------------ intake */

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
	char *buf;
	size_t len, cap;
	unsigned long *lineno;
	size_t n, cap_n;
};

#define BATCH_MAX ((size_t)64 << 10)

static void
batch_add(struct batch *b, const char *s, size_t n, unsigned long lineno)
{
	b->buf = cull_grow(b->buf, &b->cap, b->len + n + 1, 1);
	b->lineno = cull_grow(b->lineno, &b->cap_n, b->n + 1, sizeof *b->lineno);
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len++] = '\n';
	b->lineno[b->n++] = lineno;
}

struct intake {
	struct opts *o;
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

	if (in->b.n == 0)
		return;
	if (logf_append(&in->log, in->b.buf, in->b.len) == 0) {
		in->stored += in->b.n;
		in->last_stored_line = in->b.lineno[in->b.n - 1];
		in->b.len = in->b.n = 0;
		return;
	}
	saved = errno;
	if (saved == EPIPE && !in->log.regular)
		exit(CULL_EXIT_OK);	/* the reader of our stdout went away */
	for (i = 0; i < in->b.n && in->log.regular; i++) {
		char *nl = memchr(in->b.buf + off, '\n', in->b.len - off);
		size_t n = (size_t)(nl - (in->b.buf + off)) + 1;

		if (logf_append(&in->log, in->b.buf + off, n) < 0) {
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
		  in->stored, in->last_stored_line, in->b.lineno[i < in->b.n ? i : in->b.n - 1]);
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
		if (in->b.len >= BATCH_MAX)
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

static int
intake_main(int argc, char **argv)
{
	struct opts o;
	struct intake in = { 0 };
	struct cull_lines r;
	struct rec_human h = { 0 };
	struct jv v;
	int fd = STDIN_FILENO;

	parse_opts(argc, argv, (const char[]){ O_LOG, O_FIFO, O_PLOTS, O_PLOT_EVERY, O_QUIET, 0 },
		   &o);
	if (o.plots && !o.log)
		cull_die(CULL_EXIT_USAGE, "--plots needs --log (the graphs are drawn from it)");
	if (o.plot_every && !o.plots)
		cull_die(CULL_EXIT_USAGE, "--plot-every needs --plots");
	in.o = &o;
	cull_stdio_setup();
	if (logf_open(&in.log, o.log) < 0)
		cull_die(CULL_EXIT_FAIL, "fatal: cannot open the log %s:", o.log);
	if (o.fifo)
		fd = open_fifo(o.fifo);
	catch_stop_signals();
	jv_init(&v);
	cull_lines_init(&r, fd, 0);
	in.next_plot = logf_now() + o.plot_every;
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
			now = logf_now();
			if (o.plot_every && now >= in.next_plot) {
				/* redraw only when something new came in */
				if (in.stored != in.stored_at_plot)
					draw(&in);
				in.next_plot = now + o.plot_every;
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
		if (!o.fifo)
			break;
		{
			unsigned long lineno = r.lineno;

			cull_lines_free(&r);
			close(fd);
			fd = open_fifo(o.fifo);
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
	if (o.plots)
		draw(&in);
	if (!o.quiet || in.refused)
		cull_warn("%lu lines stored, %lu refused%s", in.stored, in.refused,
			  stop_signal ? " (stopped by a signal)" : "");
	cull_lines_free(&r);
	jv_fini(&v);
	free(in.b.buf);
	free(in.b.lineno);
	logf_close(&in.log);
	if (!o.log)
		cull_stdout_close();
	return CULL_EXIT_OK;
}

/* -------------------------------------------------------------------- plot */

static int
plot_main(int argc, char **argv)
{
	struct opts o;
	struct plot_data d = { 0 };
	int rc;

	parse_opts(argc, argv, (const char[]){ O_LOG, O_OUT, 0 }, &o);
	if (!o.log || !o.out)
		cull_die(CULL_EXIT_USAGE, "plot needs --log FILE and --out DIR");
	if (plot_load(o.log, &d) < 0)
		return CULL_EXIT_FAIL;
	rc = plot_render(&d, o.out, PLOT_ALL, 0);
	plot_free(&d);
	return rc < 0 ? CULL_EXIT_FAIL : CULL_EXIT_OK;
}

/* -------------------------------------------------------------------- http */

static double http_deadline;

static int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t k = write(fd, c, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Read what is there, waiting until the deadline: >0 bytes, 0 end, -1 error,
 * -2 the client stalled past the deadline. */
static ssize_t
read_by_deadline(void *buf, size_t n)
{
	for (;;) {
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		double left = http_deadline - logf_now();
		ssize_t r;

		if (left <= 0)
			return -2;
		r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			continue;	/* the loop checks the deadline */
		r = read(STDIN_FILENO, buf, n);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		return r;
	}
}

/* The status line and headers, then body[0..n) (NULL: none now) in the
 * same write, so a small answer is one TCP segment. */
static void
respond_with(int status, const char *type, size_t len, const char *extra,
	     const char *body, size_t n)
{
	char h[512];
	int k = snprintf(h, sizeof h,
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\nCache-Control: no-store\r\n%s\r\n",
			 status, http_reason(status), type, len, extra ? extra : "");
	struct iovec iov[2] = { { h, (size_t)k }, { (void *)body, body ? n : 0 } };
	ssize_t w;

	while ((w = writev(STDOUT_FILENO, iov, 2)) < 0 && errno == EINTR)
		;
	if (w < 0 || (size_t)w >= iov[0].iov_len + iov[1].iov_len)
		return;
	/* a short write: finish it plainly */
	if ((size_t)w < iov[0].iov_len) {
		write_all(STDOUT_FILENO, h + w, iov[0].iov_len - (size_t)w);
		w = 0;
	} else {
		w -= (ssize_t)iov[0].iov_len;
	}
	if (body)
		write_all(STDOUT_FILENO, body + w, n - (size_t)w);
}

static void
respond_head(int status, const char *type, size_t len, const char *extra)
{
	respond_with(status, type, len, extra, NULL, 0);
}

/* A small JSON answer: {"stored":N}, {"error":"..."}, {"ok":true}. */
static void
respond_json(int status, int head_only, const char *extra, struct jw *w)
{
	char *line = malloc(w->len + 1);

	if (!line)
		cull_die(CULL_EXIT_FAIL, "fatal: out of memory");
	memcpy(line, w->buf, w->len);
	line[w->len] = '\n';
	respond_with(status, "application/json", w->len + 1, extra, head_only ? NULL : line,
		     w->len + 1);
	free(line);
	jw_free(w);
}

static void
respond_error(int status, int head_only, const char *extra, const char *why)
{
	struct jw w = { 0 };

	jw_open(&w, NULL);
	jw_str(&w, "error", why);
	jw_end(&w);
	respond_json(status, head_only, extra, &w);
}

/* After an early answer (413, 408, 400) the client may still be sending:
 * read and drop a bounded amount so closing does not reset the connection
 * before it has read our answer. */
static void
drain(long long max)
{
	char buf[16384];

	shutdown(STDOUT_FILENO, SHUT_WR);
	http_deadline = logf_now() + 1.0;
	while (max > 0) {
		ssize_t n = read_by_deadline(buf, sizeof buf);

		if (n <= 0)
			break;
		max -= n;
	}
}

/* GET /graph, GET /scatter_vsz_rss: from the cache next to the log (see
 * graph.h), drawn first when the log changed, within --graph-timeout. */
static void
serve_png(const struct opts *o, int which, int head_only)
{
	char cache[PATH_MAX], err[256];
	struct stat st;
	char *png = NULL;
	int fd, status;

	if (snprintf(cache, sizeof cache, "%s.graphs", o->log) >= (int)sizeof cache) {
		respond_error(500, head_only, NULL, "the log's path is too long");
		return;
	}
	status = graph_get(o->log, cache, which, logf_now() + o->graph_timeout, &fd, err, sizeof err);
	if (status != 200) {
		respond_error(status, head_only, status == 503 ? "Retry-After: 1\r\n" : NULL, err);
		return;
	}
	/* the answer must be on its way in time: alarm's default action ends
	 * a handler whose client stopped reading (nothing is left to clean) */
	alarm((unsigned)o->timeout + 1);
	if (fstat(fd, &st) < 0 || !(png = malloc((size_t)st.st_size + 1)) ||
	    read(fd, png, (size_t)st.st_size) != st.st_size) {
		respond_error(500, head_only, NULL, "cannot read the graph back");
	} else {
		respond_with(200, "image/png", (size_t)st.st_size, NULL, head_only ? NULL : png,
			     (size_t)st.st_size);
	}
	close(fd);
	free(png);
}

/* Offset of the n-th '\n' counted back from before offset end (n >= 1), or
 * -1 when there are fewer; -2 on a read error. */
static off_t
nth_newline_back(int fd, off_t end, long long n)
{
	char buf[65536];
	off_t pos = end;

	while (pos > 0) {
		size_t k = pos > (off_t)sizeof buf ? sizeof buf : (size_t)pos;
		ssize_t i;

		pos -= (off_t)k;
		if (pread(fd, buf, k, pos) != (ssize_t)k)
			return -2;
		for (i = (ssize_t)k - 1; i >= 0; i--)
			if (buf[i] == '\n' && --n == 0)
				return pos + i;
	}
	return -1;
}

/* GET /logs?tail=N: the last N whole lines of the log, streamed from it. */
static void
serve_tail(const char *log, long long want, int head_only)
{
	char buf[65536];
	off_t size, end, start, pos;
	int fd;

	size = logf_snapshot(log, &fd);
	if (size < 0) {
		if (errno == ENOENT) {
			respond_head(200, "application/x-ndjson", 0, NULL);
			return;
		}
		respond_error(500, head_only, NULL, "cannot read the log");
		return;
	}
	/* the log ends after its last newline; anything after it is torn */
	end = nth_newline_back(fd, size, 1);
	if (end == -2)
		goto fail;
	end++;
	if (end != size)
		cull_warn("%s: torn last line (no newline: a crash mid-write?), left out", log);
	start = end > 0 ? nth_newline_back(fd, end - 1, want) : -1;
	if (start == -2)
		goto fail;
	start++;
	respond_head(200, "application/x-ndjson", (size_t)(end - start), NULL);
	for (pos = start; !head_only && pos < end;) {
		size_t k = end - pos > (off_t)sizeof buf ? sizeof buf : (size_t)(end - pos);
		ssize_t n = pread(fd, buf, k, pos);

		if (n <= 0 || write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
			break;
		pos += n;
	}
	close(fd);
	return;
fail:
	close(fd);
	respond_error(500, head_only, NULL, "cannot read the log");
}

static void
serve_post(const struct opts *o, const struct http_req *rq, char *head, size_t have)
{
	struct http_lines lines = { 0 };
	struct logf log;
	struct jv v;
	struct jw w = { 0 };
	char err[400], stamp[PATH_MAX + 8];
	char *body;
	size_t got;
	long n;

	if (rq->chunked || rq->length < 0) {
		respond_error(411, 0, NULL, "a POST needs a Content-Length (chunked bodies are "
			      "not taken)");
		drain(o->max_body);
		return;
	}
	if (rq->length > o->max_body) {
		snprintf(err, sizeof err, "the body is %lld bytes, more than --max-body %lld",
			 rq->length, o->max_body);
		respond_error(413, 0, NULL, err);
		if (!rq->expect_continue)
			drain(o->max_body);
		return;
	}
	if (rq->expect_continue) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

		write_all(STDOUT_FILENO, cont, sizeof cont - 1);
	}
	body = malloc((size_t)rq->length + 1);
	if (!body)
		cull_die(CULL_EXIT_FAIL, "fatal: out of memory");
	/* what came in with the head is the start of the body */
	got = have - rq->head_len;
	if (got > (size_t)rq->length)
		got = (size_t)rq->length;
	memcpy(body, head + rq->head_len, got);
	/* the head came in time; the body has its own, longer deadline */
	http_deadline = logf_now() + o->timeout;
	while (got < (size_t)rq->length) {
		ssize_t k = read_by_deadline(body + got, (size_t)rq->length - got);

		if (k == -2) {
			respond_error(408, 0, NULL, "the body did not come in time");
			free(body);
			return;
		}
		if (k <= 0) {
			/* a half-close (or a reset) before Content-Length bytes
			 * came: say so, whoever may still read it */
			snprintf(err, sizeof err, "the body ended after %zu of its %lld bytes "
				 "(Content-Length)", got, rq->length);
			respond_error(400, 0, NULL, err);
			free(body);
			return;
		}
		got += (size_t)k;
	}
	jv_init(&v);
	n = http_body_lines(&v, body, got, &lines, err, sizeof err);
	jv_fini(&v);
	free(body);
	if (n < 0) {
		respond_error(400, 0, NULL, err);
		http_lines_free(&lines);
		return;
	}
	snprintf(stamp, sizeof stamp, "%s.synced", o->log);
	if (logf_open(&log, o->log) < 0 || logf_append(&log, lines.buf, lines.len) < 0 ||
	    logf_sync_shared(&log, stamp, 1.0) < 0) {
		int full = errno == ENOSPC || errno == EDQUOT;

		snprintf(err, sizeof err, "cannot append to the log: %s", strerror(errno));
		cull_warn("http: %s: %s", o->log, err);
		respond_error(full ? 507 : 500, 0, NULL, err);
		logf_close(&log);
		http_lines_free(&lines);
		return;
	}
	logf_close(&log);
	http_lines_free(&lines);
	jw_open(&w, NULL);
	jw_int(&w, "stored", n);
	jw_end(&w);
	respond_json(200, 0, NULL, &w);
}

static int
http_main(int argc, char **argv)
{
	struct opts o;
	struct http_req rq;
	char head[HTTP_HEAD_MAX + 1];
	size_t have = 0;
	const char *why;
	int r, head_only, get;

	parse_opts(argc, argv, (const char[]){ O_LOG, O_MAX_BODY, O_HEAD_TIMEOUT, O_TIMEOUT,
						O_GRAPH_TIMEOUT, 0 }, &o);
	if (o.log && !strcmp(o.log, "-"))
		o.log = getenv("CULL_LOGGER_LOG");	/* from serve: a path socat would misread */
	if (!o.log || !*o.log)
		cull_die(CULL_EXIT_USAGE, "http needs --log FILE");
	signal(SIGPIPE, SIG_IGN);
	/* a short deadline for the head: a client that trickles its head a
	 * byte at a time holds one of socat's --max-clients slots only this
	 * long, so a crowd of them cannot starve everyone */
	http_deadline = logf_now() + o.head_timeout;
	for (;;) {
		ssize_t n;

		r = http_parse_head(head, have, &rq, &why);
		if (r != 0)
			break;
		n = read_by_deadline(head + have, HTTP_HEAD_MAX - have);
		if (n == -2) {
			respond_error(408, 0, NULL, "the request head did not come in time");
			return CULL_EXIT_OK;
		}
		if (n == 0 && have == 0)
			return CULL_EXIT_OK;	/* connected and went: nothing to answer */
		if (n <= 0) {
			respond_error(400, 0, NULL, "the request ended before its head did");
			return CULL_EXIT_OK;
		}
		have += (size_t)n;
	}
	if (r != 1) {
		respond_error(r, 0, NULL, why);
		drain(o.max_body);
		return CULL_EXIT_OK;
	}
	/* the whole answer must be on its way in time too; alarm's default
	 * action ends a handler whose client stopped reading. Not while a
	 * graph is drawn: that has its own deadline, and cleans up after it */
	alarm((unsigned)o.timeout + 5);
	get = !strcmp(rq.method, "GET");
	head_only = !strcmp(rq.method, "HEAD");
	if (!strcmp(rq.path, "/logs")) {
		long long tail = 100;

		if (!strcmp(rq.method, "POST")) {
			alarm(0);
			serve_post(&o, &rq, head, have);
		} else if (!get && !head_only) {
			respond_error(405, head_only, "Allow: GET, HEAD, POST\r\n",
				      "/logs takes GET and POST");
		} else if (http_query_num(rq.query, "tail", 1, 1000000, &tail) < 0) {
			respond_error(400, head_only, NULL, "tail must be a whole number from 1 to 1000000");
		} else {
			serve_tail(o.log, tail, head_only);
		}
	} else if (!strcmp(rq.path, "/graph") || !strcmp(rq.path, "/scatter_vsz_rss")) {
		if (!get && !head_only) {
			respond_error(405, 0, "Allow: GET, HEAD\r\n", "graphs take GET");
		} else {
			alarm(0);
			serve_png(&o, rq.path[1] == 'g' ? PLOT_RAM : PLOT_VSZ, head_only);
		}
	} else if (!strcmp(rq.path, "/healthz")) {
		if (!get && !head_only) {
			respond_error(405, 0, "Allow: GET, HEAD\r\n", "/healthz takes GET");
		} else {
			struct jw w = { 0 };

			jw_open(&w, NULL);
			jw_bool(&w, "ok", 1);
			jw_end(&w);
			respond_json(200, head_only, NULL, &w);
		}
	} else {
		respond_error(404, head_only, NULL, "no such path: try POST /logs, GET /logs?tail=N, "
			      "GET /graph, GET /scatter_vsz_rss, GET /healthz");
	}
	return CULL_EXIT_OK;
}

/* ------------------------------------------------------------------- serve */

/* socat reads its EXEC address with its own syntax (':' ',' '!!' quotes,
 * brackets, and spaces split the command): only plain path characters go in. */
static int
socat_safe(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("/._+-@%=~", *s)))
			return 0;
	return 1;
}

static int
serve_main(int argc, char **argv)
{
	struct opts o;
	char self[PATH_MAX], logabs[PATH_MAX], cwd[PATH_MAX], host[64], exec_arg[3 * PATH_MAX];
	char listen_arg[200], to[32], hto[32], gto[32];
	const char *colon, *socat = getenv("CULL_SOCAT"), *prog, *log_arg;
	long long port;
	ssize_t n;
	int v6 = 0, loopback;

	parse_opts(argc, argv, (const char[]){ O_LOG, O_MAX_BODY, O_HEAD_TIMEOUT, O_TIMEOUT, O_LISTEN,
						O_GRAPH_TIMEOUT, O_MAX_CLIENTS, O_BACKLOG, 0 }, &o);
	if (!o.log)
		cull_die(CULL_EXIT_USAGE, "serve needs --log FILE");
	colon = strrchr(o.listen, ':');
	if (!colon || colon == o.listen || (size_t)(colon - o.listen) >= sizeof host)
		cull_die(CULL_EXIT_USAGE, "--listen: \"%s\" is not ADDR:PORT", o.listen);
	memcpy(host, o.listen, (size_t)(colon - o.listen));
	host[colon - o.listen] = '\0';
	port = cull_opt_ll("--listen port", colon + 1, 0, 65535);
	{
		struct in_addr a4;
		struct in6_addr a6;
		size_t hl = strlen(host);

		if (host[0] == '[' && host[hl - 1] == ']') {
			memmove(host, host + 1, hl - 2);
			host[hl - 2] = '\0';
			v6 = 1;
			if (inet_pton(AF_INET6, host, &a6) != 1)
				cull_die(CULL_EXIT_USAGE, "--listen: \"%s\" is not an IPv6 address", host);
			loopback = IN6_IS_ADDR_LOOPBACK(&a6);
		} else if (inet_pton(AF_INET, host, &a4) == 1) {
			loopback = (ntohl(a4.s_addr) >> 24) == 127;
		} else {
			cull_die(CULL_EXIT_USAGE, "--listen: \"%s\" is not an IPv4 address or [IPv6]",
				 host);
		}
	}
	if (port == 0) {
		/* a free port, found by the kernel; socat binds it right after */
		struct sockaddr_storage ss = { 0 };
		socklen_t sl = sizeof ss;
		int s = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (v6) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
			a->sin6_family = AF_INET6;
			inet_pton(AF_INET6, host, &a->sin6_addr);
		} else {
			struct sockaddr_in *a = (struct sockaddr_in *)&ss;
			a->sin_family = AF_INET;
			inet_pton(AF_INET, host, &a->sin_addr);
		}
		if (s < 0 || bind(s, (struct sockaddr *)&ss, v6 ? sizeof(struct sockaddr_in6) :
				  sizeof(struct sockaddr_in)) < 0 ||
		    getsockname(s, (struct sockaddr *)&ss, &sl) < 0)
			cull_die(CULL_EXIT_FAIL, "fatal: cannot find a free port on %s:", host);
		port = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
			       ((struct sockaddr_in *)&ss)->sin_port);
		close(s);
	}
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		cull_die(CULL_EXIT_FAIL, "fatal: cannot find my own program:");
	self[n] = '\0';
	if (o.log[0] == '/') {
		snprintf(logabs, sizeof logabs, "%s", o.log);
	} else {
		if (!getcwd(cwd, sizeof cwd))
			cull_die(CULL_EXIT_FAIL, "fatal: getcwd:");
		if (snprintf(logabs, sizeof logabs, "%s/%s", cwd, o.log) >= (int)sizeof logabs)
			cull_die(CULL_EXIT_USAGE, "--log: path too long");
	}
	/* socat's EXEC splits on spaces and has no quoting: a path it would
	 * misread goes another way. The program: by name, found through PATH
	 * with its own directory first; the log: in the environment. */
	prog = self;
	if (!socat_safe(self)) {
		char *slash = strrchr(self, '/');
		const char *path = getenv("PATH");
		char *newpath;
		size_t need;

		if (!slash || !socat_safe(slash + 1))
			cull_die(CULL_EXIT_FAIL, "fatal: my name \"%s\" has characters socat would "
				 "read as syntax; install me under a plain name", slash ? slash + 1 : self);
		*slash = '\0';
		need = strlen(self) + strlen(path ? path : "") + 2;
		newpath = malloc(need);
		if (!newpath)
			cull_die(CULL_EXIT_FAIL, "fatal: out of memory");
		snprintf(newpath, need, "%s%s%s", self, path && *path ? ":" : "", path ? path : "");
		setenv("PATH", newpath, 1);
		free(newpath);
		prog = slash + 1;
	}
	log_arg = logabs;
	if (!socat_safe(logabs)) {
		setenv("CULL_LOGGER_LOG", logabs, 1);
		log_arg = "-";
	}
	snprintf(to, sizeof to, "%g", o.timeout);
	snprintf(hto, sizeof hto, "%g", o.head_timeout);
	snprintf(gto, sizeof gto, "%g", o.graph_timeout);
	/* nofork: socat's per-connection child execs the handler in place, its
	 * stdin and stdout the TCP socket itself: no relay process, no copies
	 * (it more than doubled the request rate) */
	snprintf(exec_arg, sizeof exec_arg,
		 "EXEC:%s http --log %s --max-body %lld --head-timeout %s --timeout %s "
		 "--graph-timeout %s,nofork", prog, log_arg, o.max_body, hto, to, gto);
	/* backlog: socat's default listen queue of 5 overflows at 8-32
	 * clients and each overflow costs the client a SYN retry (1-4 s) */
	snprintf(listen_arg, sizeof listen_arg,
		 v6 ? "TCP6-LISTEN:%lld,bind=[%s],reuseaddr,fork,max-children=%lld,backlog=%lld" :
		      "TCP4-LISTEN:%lld,bind=%s,reuseaddr,fork,max-children=%lld,backlog=%lld",
		 port, host, o.max_clients, o.backlog);
	if (!loopback)
		cull_warn("warning: listening on %s, not a loopback address: anyone who can reach "
			  "it can write the log", host);
	cull_warn("serving http://%s%s%s:%lld/ (log %s)", v6 ? "[" : "", host, v6 ? "]" : "",
		  port, logabs);
	if (!socat || !*socat)
		socat = "socat";
	execlp(socat, socat, listen_arg, exec_arg, (char *)NULL);
	cull_die(CULL_EXIT_FAIL, "fatal: cannot run %s (is socat installed?):", socat);
}

int
main(int argc, char **argv)
{
	cull_setprog(argv[0]);
	if (argc > 1 && !strcmp(argv[1], "plot"))
		return plot_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "http"))
		return http_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "serve"))
		return serve_main(argc - 1, argv + 1);
	return intake_main(argc, argv);
}
