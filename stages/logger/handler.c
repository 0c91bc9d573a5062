/*
 * handler.c - cull-logger http: one HTTP request on stdin, its answer on
 * stdout (socat gives both ends of the TCP connection; see serve.c).
 *
 *	POST /logs            a JSON object, an array of them, or NDJSON:
 *	                      all stored or none ({"stored":N})
 *	GET /logs?tail=N      the last N lines of the log
 *	POST /logs?host=NAME  each stored line without a "host" gets "host":"NAME"
 *	GET /logs?host=NAME&tail=N  the last N lines of that host
 *	GET /graph            ram_usage.png, drawn when the log changed (graph.h)
 *	GET /scatter_vsz_rss  vsz_rss.png, the same way
 *	GET /healthz          {"ok":true}
 *	GET /api/state        the dashboard's figures as JSON (state.h)
 *	GET /metrics          the same in the Prometheus text format
 *	GET /                 the dashboard (web.h), with /dashboard.js, .css
 *
 * Errors are answered as {"error":"..."} with their status; the head must
 * come within --head-timeout, the body and the answer within --timeout.
 * Exit: 0 answered (whatever the status), 2 usage.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "graph.h"
#include "http.h"
#include "jstrict.h"
#include "jv.h"
#include "jw.h"
#include "logfile.h"
#include "logger.h"
#include "plot.h"
#include "state.h"
#include "web.h"

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
		double left = http_deadline - cull_mono();
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
	http_deadline = cull_mono() + 1.0;
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
serve_png(const struct logger_opts *o, int which, int head_only)
{
	char cache[PATH_MAX], err[256];
	struct stat st;
	char *png = NULL;
	int fd, status;

	if (snprintf(cache, sizeof cache, "%s.graphs", o->log) >= (int)sizeof cache) {
		respond_error(500, head_only, NULL, "the log's path is too long");
		return;
	}
	status = graph_get(o->log, cache, which, cull_mono() + o->graph_timeout, &fd, err, sizeof err);
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

/* Does the line line[0..n) say "host":"host" at its top level? */
static int
line_of_host(const char *line, size_t n, const char *host)
{
	size_t hl = strlen(host), vlen;
	const char *v;

	return jstrict_member(line, n, "host", &v, &vlen) && vlen == hl + 2 && v[0] == '"' &&
	       memcmp(v + 1, host, hl) == 0;
}

#define TAIL_LINE_MAX ((size_t)1 << 20)	/* a longer line is never a match */
#define TAIL_SCAN_MAX ((off_t)256 << 20)	/* bytes looked through for ?host= */

struct span {
	off_t at;
	size_t len;	/* with its newline */
};

/* The last `want` lines of fd[0..end) of host, newest first, into *out
 * (*n of them); lines are found block by block backwards and read one by
 * one, at most TAIL_SCAN_MAX bytes back. 0, or -1 on a read error. */
static int
host_lines_back(int fd, off_t end, const char *host, long long want, struct span **out,
		size_t *n)
{
	char blk[65536], *line = NULL;
	size_t cap = 0, lcap = 0;
	off_t pos = end, line_end = end;	/* the current line ends before line_end */

	*out = NULL;
	*n = 0;
	while (pos > 0 && end - pos < TAIL_SCAN_MAX && (long long)*n < want) {
		size_t k = pos > (off_t)sizeof blk ? sizeof blk : (size_t)pos;
		ssize_t i;

		pos -= (off_t)k;
		if (pread(fd, blk, k, pos) != (ssize_t)k)
			goto fail;
		for (i = (ssize_t)k - 1; i >= -1 && (long long)*n < want; i--) {
			off_t start = pos + i + 1;
			size_t len;

			if (i >= 0 && blk[i] != '\n')
				continue;
			if (i < 0 && pos > 0)
				break;	/* the line goes on before this block */
			len = (size_t)(line_end - start);	/* without its newline */
			if (len > 0 && len <= TAIL_LINE_MAX) {
				line = cull_grow(line, &lcap, len, 1);
				if (pread(fd, line, len, start) != (ssize_t)len)
					goto fail;
				if (line_of_host(line, len, host)) {
					*out = cull_grow(*out, &cap, *n + 1, sizeof **out);
					(*out)[*n].at = start;
					(*out)[(*n)++].len = len + 1;
				}
			}
			line_end = start - 1;
		}
	}
	free(line);
	return 0;
fail:
	free(line);
	free(*out);
	*out = NULL;
	return -1;
}

/* GET /logs?host=NAME&tail=N: the last N lines of that host. */
static void
serve_tail_host(const char *log, long long want, const char *host, int head_only)
{
	struct span *s = NULL;
	size_t n = 0, i, total = 0;
	off_t size, end;
	int fd;

	size = logf_snapshot(log, &fd);
	if (size < 0) {
		if (errno == ENOENT)
			respond_head(200, "application/x-ndjson", 0, NULL);
		else
			respond_error(500, head_only, NULL, "cannot read the log");
		return;
	}
	end = nth_newline_back(fd, size, 1) + 1;	/* after the last whole line */
	if (end < 0 || host_lines_back(fd, end, host, want, &s, &n) < 0) {
		close(fd);
		respond_error(500, head_only, NULL, "cannot read the log");
		return;
	}
	for (i = 0; i < n; i++)
		total += s[i].len;
	respond_head(200, "application/x-ndjson", total, NULL);
	for (i = n; !head_only && i-- > 0;) {
		char buf[65536];
		size_t left = s[i].len;
		off_t at = s[i].at;

		while (left > 0) {
			size_t k = left < sizeof buf ? left : sizeof buf;
			ssize_t r = pread(fd, buf, k, at);

			if (r <= 0 || write_all(STDOUT_FILENO, buf, (size_t)r) < 0) {
				left = 0;
				i = 0;
				break;
			}
			at += r;
			left -= (size_t)r;
		}
	}
	free(s);
	close(fd);
}

/* A POST that is answered before its body is read (411, 413): 1 answered.
 * Otherwise 0, with "100 Continue" sent when the client waits for it. */
static int
post_refused(const struct logger_opts *o, const struct http_req *rq)
{
	char err[400];

	if (rq->chunked || rq->length < 0) {
		respond_error(411, 0, NULL, "a POST needs a Content-Length (chunked bodies are "
			      "not taken)");
		drain(o->max_body);
		return 1;
	}
	if (rq->length > o->max_body) {
		snprintf(err, sizeof err, "the body is %lld bytes, more than --max-body %lld",
			 rq->length, o->max_body);
		respond_error(413, 0, NULL, err);
		if (!rq->expect_continue)
			drain(o->max_body);
		return 1;
	}
	if (rq->expect_continue) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

		write_all(STDOUT_FILENO, cont, sizeof cont - 1);
	}
	return 0;
}

/* The whole body (Content-Length bytes; what came with the head is its
 * start), within --timeout after the head; NULL when it did not come
 * (answered 408 or 400). */
static char *
read_body(const struct logger_opts *o, const struct http_req *rq, const char *head,
	  size_t have)
{
	char err[400];
	char *body = malloc((size_t)rq->length + 1);
	size_t got = have - rq->head_len;

	if (!body)
		cull_die(CULL_EXIT_FAIL, "fatal: out of memory");
	if (got > (size_t)rq->length)
		got = (size_t)rq->length;
	memcpy(body, head + rq->head_len, got);
	/* the head came in time; the body has its own, longer deadline */
	http_deadline = cull_mono() + o->timeout;
	while (got < (size_t)rq->length) {
		ssize_t k = read_by_deadline(body + got, (size_t)rq->length - got);

		if (k == -2) {
			respond_error(408, 0, NULL, "the body did not come in time");
			free(body);
			return NULL;
		}
		if (k <= 0) {
			/* a half-close (or a reset) before Content-Length bytes
			 * came: say so, whoever may still read it */
			snprintf(err, sizeof err, "the body ended after %zu of its %lld bytes "
				 "(Content-Length)", got, rq->length);
			respond_error(400, 0, NULL, err);
			free(body);
			return NULL;
		}
		got += (size_t)k;
	}
	return body;
}

/* Append the n records in lines to the log and answer {"stored":n}, or
 * 507 (full disk) or 500 with the reason. */
static void
store_lines(const struct logger_opts *o, const struct cull_linebuf *lines, long n)
{
	struct logf log;
	struct jw w = { 0 };
	char err[400], stamp[PATH_MAX + 8];

	snprintf(stamp, sizeof stamp, "%s.synced", o->log);
	if (logf_open(&log, o->log) < 0 || logf_append(&log, lines->buf, lines->len) < 0 ||
	    logf_sync_shared(&log, stamp, 1.0) < 0) {
		int full = errno == ENOSPC || errno == EDQUOT;

		snprintf(err, sizeof err, "cannot append to the log: %s", strerror(errno));
		cull_warn("http: %s: %s", o->log, err);
		respond_error(full ? 507 : 500, 0, NULL, err);
		logf_close(&log);
		return;
	}
	logf_close(&log);
	jw_open(&w, NULL);
	jw_int(&w, "stored", n);
	jw_end(&w);
	respond_json(200, 0, NULL, &w);
}

/* POST /logs: every record of the body stored, or none (see http.h). */
static void
serve_post(const struct logger_opts *o, const struct http_req *rq, char *head, size_t have)
{
	struct cull_linebuf lines = { 0 };
	struct jv v;
	char err[400], host[HTTP_HOST_MAX + 1];
	char *body;
	long n;
	int has_host = http_query_host(rq->query, host);

	if (has_host < 0) {
		respond_error(400, 0, NULL, "host must be 1 to 64 of A-Z a-z 0-9 . _ -");
		drain(o->max_body);
		return;
	}
	if (post_refused(o, rq) || !(body = read_body(o, rq, head, have)))
		return;
	jv_init(&v);
	n = http_body_lines(&v, body, (size_t)rq->length, &lines, err, sizeof err);
	jv_fini(&v);
	free(body);
	if (n >= 0 && has_host)
		http_stamp_host(&lines, host);
	if (n < 0) {
		respond_error(400, 0, NULL, err);
		if (st_count_refused(o->log, 1) < 0)
			cull_warn("http: %s.state: cannot count the refused body", o->log);
	} else
		store_lines(o, &lines, n);
	http_lines_free(&lines);
}

/* Read the request head within --head-timeout: 1 whole and good (rq
 * filled, head[0..*have) read so far), 0 answered already or nobody to
 * answer. */
static int
read_head(const struct logger_opts *o, char *head, size_t *have, struct http_req *rq)
{
	const char *why;
	int r;

	/* a short deadline for the head: a client that trickles its head a
	 * byte at a time holds one of socat's --max-clients slots only this
	 * long, so a crowd of them cannot starve everyone */
	http_deadline = cull_mono() + o->head_timeout;
	while ((r = http_parse_head(head, *have, rq, &why)) == 0) {
		ssize_t n = read_by_deadline(head + *have, HTTP_HEAD_MAX - *have);

		if (n == -2) {
			respond_error(408, 0, NULL, "the request head did not come in time");
			return 0;
		}
		if (n == 0 && *have == 0)
			return 0;	/* connected and went: nothing to answer */
		if (n <= 0) {
			respond_error(400, 0, NULL, "the request ended before its head did");
			return 0;
		}
		*have += (size_t)n;
	}
	if (r != 1) {
		respond_error(r, 0, NULL, why);
		drain(o->max_body);
		return 0;
	}
	return 1;
}

/* /logs: POST, or GET the tail. */
static void
route_logs(const struct logger_opts *o, const struct http_req *rq, char *head, size_t have,
	   int get, int head_only)
{
	long long tail = 100;
	char host[HTTP_HOST_MAX + 1];
	int by_host = http_query_host(rq->query, host);

	if (!strcmp(rq->method, "POST")) {
		alarm(0);
		serve_post(o, rq, head, have);
	} else if (!get && !head_only) {
		respond_error(405, head_only, "Allow: GET, HEAD, POST\r\n",
			      "/logs takes GET and POST");
	} else if (http_query_num(rq->query, "tail", 1, 1000000, &tail) < 0) {
		respond_error(400, head_only, NULL, "tail must be a whole number from 1 to 1000000");
	} else if (by_host < 0) {
		respond_error(400, head_only, NULL, "host must be 1 to 64 of A-Z a-z 0-9 . _ -");
	} else if (by_host) {
		serve_tail_host(o->log, tail, host, head_only);
	} else {
		serve_tail(o->log, tail, head_only);
	}
}

/* GET /api/state and GET /metrics: from the state beside the log, brought
 * up to date first (state.h). Its first build reads the whole log: no
 * alarm while it runs, --timeout for the answer after. */
static void
serve_state(const struct logger_opts *o, int metrics, int head_only)
{
	struct st_state s;
	char err[400];
	int status;

	alarm(0);
	status = st_get(o->log, cull_mono() + o->timeout, &s, err, sizeof err);
	alarm((unsigned)o->timeout + 1);
	if (status != 200) {
		respond_error(status, head_only, status == 503 ? "Retry-After: 1\r\n" : NULL, err);
		return;
	}
	if (metrics) {
		char *text = NULL;
		size_t n = 0;
		FILE *f = open_memstream(&text, &n);

		if (!f)
			cull_die(CULL_EXIT_FAIL, "fatal: out of memory");
		st_metrics(&s, cull_wall(), f);
		if (fclose(f) != 0)
			cull_die(CULL_EXIT_FAIL, "fatal: out of memory");
		respond_with(200, "text/plain; version=0.0.4; charset=utf-8", n, NULL,
			     head_only ? NULL : text, n);
		free(text);
	} else {
		struct jw w = { 0 };

		st_api(&s, cull_wall(), &w);
		respond_json(200, head_only, NULL, &w);
	}
	st_free(&s);
}

/* The dashboard's files, with the policy that lets the page run only them. */
static void
serve_web(const struct web_file *f, int head_only)
{
	respond_with(200, f->type, f->len,
		     "Content-Security-Policy: " WEB_CSP "\r\nX-Content-Type-Options: nosniff\r\n",
		     head_only ? NULL : f->body, f->len);
}

/* A path that takes GET and HEAD only: 1 when the method is one of them,
 * else 0 with the 405 answered. */
static int
get_only(int get, int head_only, const char *what)
{
	char why[320];

	if (get || head_only)
		return 1;
	snprintf(why, sizeof why, "%s takes GET", what);
	respond_error(405, 0, "Allow: GET, HEAD\r\n", why);
	return 0;
}

static void
route(const struct logger_opts *o, const struct http_req *rq, char *head, size_t have)
{
	int get = !strcmp(rq->method, "GET"), head_only = !strcmp(rq->method, "HEAD");
	const struct web_file *wf;

	if (!strcmp(rq->path, "/logs")) {
		route_logs(o, rq, head, have, get, head_only);
	} else if (!strcmp(rq->path, "/graph") || !strcmp(rq->path, "/scatter_vsz_rss")) {
		if (get_only(get, head_only, "a graph")) {
			alarm(0);
			serve_png(o, rq->path[1] == 'g' ? PLOT_RAM : PLOT_VSZ, head_only);
		}
	} else if (!strcmp(rq->path, "/api/state") || !strcmp(rq->path, "/metrics")) {
		if (get_only(get, head_only, rq->path))
			serve_state(o, rq->path[1] == 'm', head_only);
	} else if ((wf = web_find(rq->path)) != NULL) {
		if (get_only(get, head_only, rq->path))
			serve_web(wf, head_only);
	} else if (!strcmp(rq->path, "/healthz")) {
		if (get_only(get, head_only, "/healthz")) {
			struct jw w = { 0 };

			jw_open(&w, NULL);
			jw_bool(&w, "ok", 1);
			jw_end(&w);
			respond_json(200, head_only, NULL, &w);
		}
	} else {
		respond_error(404, head_only, NULL, "no such path: try GET / (the dashboard), "
			      "POST /logs, GET /logs?tail=N, GET /api/state, GET /metrics, GET /graph, "
			      "GET /scatter_vsz_rss, GET /healthz");
	}
}

int
handler_main(const struct logger_opts *opts)
{
	struct logger_opts o = *opts;
	struct http_req rq;
	char head[HTTP_HEAD_MAX + 1];
	size_t have = 0;

	if (o.log && !strcmp(o.log, "-"))
		o.log = getenv("CULL_LOGGER_LOG");	/* from serve: a path socat would misread */
	if (!o.log || !*o.log)
		cull_die(CULL_EXIT_USAGE, "http needs --log FILE");
	signal(SIGPIPE, SIG_IGN);
	if (!read_head(&o, head, &have, &rq))
		return CULL_EXIT_OK;
	/* the whole answer must be on its way in time too; alarm's default
	 * action ends a handler whose client stopped reading. Not while a
	 * graph is drawn: that has its own deadline, and cleans up after it */
	alarm((unsigned)o.timeout + 5);
	route(&o, &rq, head, have);
	return CULL_EXIT_OK;
}
