/*
 * forward.c - cull-logger forward: ship a local log to a central logger.
 *
 *   cull-logger forward --log FILE --url URL [--host NAME] [--quiet]
 *
 * Follows FILE as tail -F does and POSTs its new lines, whole and as they
 * are, in batches of at most FWD_BATCH_LINES lines and FWD_BATCH_BYTES
 * bytes, to URL with ?host=NAME added (a central cull-logger serve stamps
 * that name into each line that has no "host" of its own). The local log is
 * the buffer: nothing is held in memory but one batch, however long the
 * central logger is away, and a kill never waits on any of this (it is
 * another process reading a file).
 *
 * Delivery: a batch is sent again, with backoff from 0.5 s to 30 s, until
 * the logger takes it (2xx). Where the log has been read up to is kept in
 * FILE.fwd (written after every batch taken), so a restart resumes there:
 * at least once, a line twice only when the forwarder died between the
 * logger's answer and that write. Lost, counted: a batch the logger refuses
 * for good (4xx other than 408 and 429: it will never take it), a line longer
 * than a whole batch. Each start and each return after an outage is told to
 * the central log by a line of type "forward" (sent, lost, how far behind).
 *
 * A replaced log (logrotate's rename) is read to its end before the new one
 * is followed; a truncated one is followed from its start.
 *
 * Exit: 0 on SIGINT/SIGTERM (after one last try to send what is read), 1
 * when FILE cannot be read, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>

#include "clock.h"
#include "err.h"
#include "jw.h"
#include "logger.h"

#define FWD_BATCH_LINES 512
#define FWD_BATCH_BYTES ((size_t)256 << 10)	/* well under serve's --max-body */
#define FWD_IDLE_MS 200			/* how often an idle log is looked at */
#define FWD_BACKOFF_MIN 0.5
#define FWD_BACKOFF_MAX 30.0

static volatile sig_atomic_t stop;

static void on_signal(int sig) { (void)sig; stop = 1; }

/* Where the log has been read up to, and what happened so far. */
struct fwd_state {
	dev_t dev;
	ino_t ino;
	off_t off;
	unsigned long long sent, lost;
};

struct fwd {
	const struct logger_opts *o;
	char state_path[4096];
	char url[8192];
	int fd;			/* the log being read, or -1 */
	struct fwd_state st;
	char *buf;		/* one batch: FWD_BATCH_BYTES */
	CURL *h;
	char curl_err[CURL_ERROR_SIZE];
	long status;		/* the last answer's HTTP status, 0: none */
	int failing;		/* the logger has been away since outage_t */
	double outage_t;
	const char *event;	/* a "forward" line goes first in the next batch */
};

static void
state_load(struct fwd *f)
{
	FILE *fp = fopen(f->state_path, "r");
	unsigned long long dev, ino, off;

	if (!fp)
		return;
	if (fscanf(fp, "cull-forward 1 %llu %llu %llu %llu %llu", &dev, &ino, &off,
		   &f->st.sent, &f->st.lost) == 5) {
		f->st.dev = (dev_t)dev;
		f->st.ino = (ino_t)ino;
		f->st.off = (off_t)off;
	} else {
		cull_warn("forward: %s is not a position; starting from the log's beginning",
			  f->state_path);
		memset(&f->st, 0, sizeof f->st);
	}
	fclose(fp);
}

/* Written whole or not at all: a temporary file renamed over the old one. */
static void
state_save(struct fwd *f)
{
	char tmp[4200];
	FILE *fp;

	snprintf(tmp, sizeof tmp, "%s.tmp", f->state_path);
	if (!(fp = fopen(tmp, "w")))
		return;
	fprintf(fp, "cull-forward 1 %llu %llu %llu %llu %llu\n", (unsigned long long)f->st.dev,
		(unsigned long long)f->st.ino, (unsigned long long)f->st.off, f->st.sent, f->st.lost);
	if (fclose(fp) != 0 || rename(tmp, f->state_path) != 0)
		unlink(tmp);
}

/* Open the log at path; keep the position when it is the file the state
 * names and not shorter than it, else start at its beginning. 0 or -1. */
static int
log_open(struct fwd *f)
{
	struct stat st;
	int fd = open(f->o->log, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return -1;
	}
	if (st.st_dev != f->st.dev || st.st_ino != f->st.ino || st.st_size < f->st.off) {
		f->st.dev = st.st_dev;
		f->st.ino = st.st_ino;
		f->st.off = 0;
	}
	f->fd = fd;
	return 0;
}

/* At the end of what is open: switch to a new file at the path, or back to
 * the start of a truncated one. 1 switched (read again), 0 nothing new. */
static int
log_follow(struct fwd *f)
{
	struct stat now, open_st;

	if (fstat(f->fd, &open_st) == 0 && open_st.st_size < f->st.off) {
		cull_warn("forward: %s was truncated: following it from its start", f->o->log);
		f->st.off = 0;
		return 1;
	}
	if (stat(f->o->log, &now) != 0 || (now.st_dev == f->st.dev && now.st_ino == f->st.ino))
		return 0;
	close(f->fd);
	f->fd = -1;
	f->st.off = 0;
	f->st.dev = 0;
	f->st.ino = 0;
	if (log_open(f) < 0)
		return 0;
	if (!f->o->quiet)
		cull_warn("forward: %s was replaced: following the new file", f->o->log);
	return 1;
}

/* The "forward" line that tells the central log this forwarder (re)started
 * or came back after an outage. */
static size_t
event_line(struct fwd *f, char *out, size_t room)
{
	struct jw w = { 0 };
	struct stat st;
	size_t n = 0;

	jw_open(&w, NULL);
	jw_str(&w, "type", "forward");
	jw_num(&w, "ts", cull_wall(), 3);
	jw_str(&w, "event", f->event);
	jw_uint(&w, "sent", f->st.sent);
	jw_uint(&w, "lost", f->st.lost);
	if (fstat(f->fd, &st) == 0 && st.st_size > f->st.off)
		jw_uint(&w, "behind_bytes", (unsigned long long)(st.st_size - f->st.off));
	if (!strcmp(f->event, "resume"))
		jw_num(&w, "away_s", cull_mono() - f->outage_t, 1);
	jw_end(&w);
	if (w.len + 1 <= room) {
		memcpy(out, w.buf, w.len);
		out[w.len] = '\n';
		n = w.len + 1;
	}
	jw_free(&w);
	return n;
}

/* One batch in f->buf: an event line, if one is due, then whole lines of
 * the log from the read position. */
struct batch {
	size_t len;		/* bytes in f->buf */
	size_t from_log;	/* of which read from the log */
	size_t lines;		/* lines of the log */
};

/* A line longer than a whole batch, at the read position: skipped to its
 * end, counted lost. Reads through f->buf. */
static void
skip_long_line(struct fwd *f, size_t have)
{
	size_t end = 0;
	ssize_t n;

	while (!end && (n = pread(f->fd, f->buf, FWD_BATCH_BYTES, f->st.off + (off_t)have)) > 0) {
		const char *nl = memchr(f->buf, '\n', (size_t)n);

		if (nl)
			end = have + (size_t)(nl - f->buf) + 1;
		have += (size_t)n;
	}
	if (!end)
		return;	/* its end is not written yet */
	f->st.off += (off_t)end;
	f->st.lost++;
	state_save(f);
	cull_warn("forward: a line of %zu bytes is longer than a batch: lost", end);
}

/* Fill b; 0 when there is nothing to send (no whole line, no event). */
static int
batch_read(struct fwd *f, struct batch *b)
{
	size_t head = f->event ? event_line(f, f->buf, FWD_BATCH_BYTES / 2) : 0;
	size_t got = 0, end = 0, i;
	ssize_t n;

	memset(b, 0, sizeof *b);
	do
		n = pread(f->fd, f->buf + head, FWD_BATCH_BYTES - head, f->st.off);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		got = (size_t)n;
	for (i = 0; i < got && b->lines < FWD_BATCH_LINES; i++)
		if (f->buf[head + i] == '\n') {
			end = i + 1;
			b->lines++;
		}
	if (!end && got == FWD_BATCH_BYTES - head) {
		skip_long_line(f, got);	/* (uses the buffer: nothing to send now) */
		return 0;
	}
	b->from_log = end;
	b->len = head + end;
	return b->len != 0;
}

/* POST buf[0..len). 1 taken, 0 to send again later, -1 refused for good. */
static int
post(struct fwd *f, const char *buf, size_t len)
{
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/x-ndjson");
	CURLcode rc;

	f->curl_err[0] = '\0';
	curl_easy_setopt(f->h, CURLOPT_POSTFIELDS, buf);
	curl_easy_setopt(f->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(f->h, CURLOPT_HTTPHEADER, hdr);
	rc = curl_easy_perform(f->h);
	curl_slist_free_all(hdr);
	f->status = 0;
	if (rc != CURLE_OK)
		return 0;
	curl_easy_getinfo(f->h, CURLINFO_RESPONSE_CODE, &f->status);
	if (f->status >= 200 && f->status < 300)
		return 1;
	if (f->status >= 400 && f->status < 500 && f->status != 408 && f->status != 429)
		return -1;
	return 0;
}

/* Say once that the logger went away, and when it is back (a "resume" line
 * goes with the next batch). */
static void
outage(struct fwd *f, int ok)
{
	if (!ok && !f->failing) {
		f->failing = 1;
		f->outage_t = cull_mono();
		if (f->status)
			cull_warn("forward: %s answers %ld; keeping the lines and trying again",
				  f->url, f->status);
		else
			cull_warn("forward: %s: %s; keeping the lines and trying again", f->url,
				  f->curl_err[0] ? f->curl_err : "no answer");
	} else if (ok && f->failing) {
		f->failing = 0;
		f->event = "resume";
		if (!f->o->quiet)
			cull_warn("forward: %s is back after %.1f s", f->url,
				  cull_mono() - f->outage_t);
	}
}

static void
nap(double s)
{
	struct timespec t = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	while (!stop && nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

/* Send the next batch until it is taken or refused; once told to stop, one
 * try only. 1 sent (or refused), 0 nothing to send, or stopping with the
 * batch unsent: its position is kept and it goes first next time. */
static int
send_batch(struct fwd *f)
{
	double backoff = FWD_BACKOFF_MIN;
	struct batch b;
	int r;

	if (!batch_read(f, &b))
		return 0;
	while ((r = post(f, f->buf, b.len)) == 0) {
		outage(f, 0);
		if (stop)
			return 0;
		nap(backoff);
		backoff = backoff * 2 < FWD_BACKOFF_MAX ? backoff * 2 : FWD_BACKOFF_MAX;
	}
	if (r < 0) {
		f->st.lost += b.lines;
		cull_warn("forward: %s refused a batch of %zu lines (%ld): lost", f->url, b.lines,
			  f->status);
	} else {
		f->st.sent += b.lines;
	}
	if (b.len > b.from_log)
		f->event = NULL;	/* its line went with this batch */
	outage(f, 1);
	f->st.off += (off_t)b.from_log;
	state_save(f);
	return 1;
}

/* The URL the batches go to: --url with host=NAME added to its query. */
static int
build_url(struct fwd *f, CURL *h)
{
	char name[256];
	const char *host = f->o->host;
	char *esc;
	int n;

	if (!host) {
		if (gethostname(name, sizeof name) != 0)
			snprintf(name, sizeof name, "unknown");
		name[sizeof name - 1] = '\0';
		host = name;
	}
	if (!(esc = curl_easy_escape(h, host, 0)))
		return -1;
	n = snprintf(f->url, sizeof f->url, "%s%shost=%s", f->o->url,
		     strchr(f->o->url, '?') ? "&" : "?", esc);
	curl_free(esc);
	return n > 0 && (size_t)n < sizeof f->url ? 0 : -1;
}

/* The logger's answer ({"stored":N}) is not needed: the status says it. */
static size_t
discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

static CURL *
curl_open(struct fwd *f)
{
	CURL *h;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || !(h = curl_easy_init()))
		return NULL;
	if (build_url(f, h) < 0) {
		curl_easy_cleanup(h);
		return NULL;
	}
	curl_easy_setopt(h, CURLOPT_URL, f->url);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, f->curl_err);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 15000L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	return h;
}

/* Open the log, waiting for it while it is not there yet (a service may
 * start this before the logger has made it). 0, or -1 when stopped or it
 * cannot be read. */
static int
wait_for_log(struct fwd *f)
{
	int said = 0;

	while (log_open(f) < 0) {
		if (errno != ENOENT) {
			cull_warn("forward: cannot read %s:", f->o->log);
			return -1;
		}
		if (!said++)
			cull_warn("forward: waiting for %s to appear", f->o->log);
		nap(FWD_IDLE_MS / 1000.0);
		if (stop)
			return -1;
	}
	return 0;
}

int
forward_main(const struct logger_opts *o)
{
	struct fwd f = { .o = o, .fd = -1, .event = "start" };
	struct sigaction sa;
	int status = CULL_EXIT_OK;

	if (!o->log || !o->url)
		cull_die(CULL_EXIT_USAGE, "forward needs --log FILE and --url URL");
	if (strncmp(o->url, "http://", 7) != 0 && strncmp(o->url, "https://", 8) != 0)
		cull_die(CULL_EXIT_USAGE, "--url: \"%s\" is not an http:// or https:// URL", o->url);
	snprintf(f.state_path, sizeof f.state_path, "%s.fwd", o->log);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;	/* no SA_RESTART: a nap ends at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!(f.h = curl_open(&f)))
		cull_die(CULL_EXIT_FAIL, "forward: cannot start libcurl (or the URL is too long)");
	if (!(f.buf = malloc(FWD_BATCH_BYTES)))
		cull_die(CULL_EXIT_FAIL, "fatal: out of memory");
	state_load(&f);
	if (wait_for_log(&f) < 0) {
		status = stop ? CULL_EXIT_OK : CULL_EXIT_FAIL;
	} else {
		if (!o->quiet)
			cull_warn("forward: %s to %s from byte %lld", o->log, f.url,
				  (long long)f.st.off);
		while (!stop)
			if (!send_batch(&f) && !log_follow(&f))
				nap(FWD_IDLE_MS / 1000.0);
		send_batch(&f);	/* one last try */
		close(f.fd);
	}
	state_save(&f);
	if (!o->quiet || f.st.lost)
		cull_warn("forward: %llu lines sent, %llu lost", f.st.sent, f.st.lost);
	curl_easy_cleanup(f.h);
	curl_global_cleanup();
	free(f.buf);
	return status;
}
