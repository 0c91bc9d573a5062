/*
 * cull-reaper - kill lines in, killed lines out, through the Docker Engine API.
 *
 * stdin:  {"type":"kill","seq":7,"id":"<64 hex>","name":"web-1","class":"high",
 *          "rss_kb":…,"vsz_kb":…,"mem_pct":…,"cpu_pct":…}    (cull-ranker)
 * stdout: {"type":"killed","ts":…,"seq":7,"id":"…","name":"web-1","class":"high",
 *          "ok":true,"status":204,"ms":131.2,"running":false,"rss_kb":…,…}
 * Every other line passes through byte for byte.
 *
 * For each kill line, a small state machine of engine requests, several
 * lines in flight at once on one libcurl multi handle:
 *
 *   [GET /version]  once, when the version is not pinned yet
 *   GET /containers/{ref}/json       the engine's word on labels, name, id
 *   policy: cull.managed=true (or --any), not --protect'ed, not ourselves
 *   POST /containers/{id}/kill?signal=S   or   POST /containers/{id}/stop?t=S
 *   [DELETE /containers/{id}?force=true]  with --remove
 *   GET /containers/{id}/json        until it says not running (or 404)
 *
 * An engine that does not answer (socket gone, refused, reset, timed out) or
 * answers 5xx is retried with backoff for --retry seconds, then the line is
 * reported with ok:false; the reaper never exits because the engine is down.
 *
 * Exit status: 0 at end of input (or after SIGINT/SIGTERM, once the kills in
 * flight are reported), 1 runtime failure (stdin or stdout failed), 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <curl/curl.h>

#include "clock.h"
#include "docker.h"
#include "err.h"
#include "jv.h"
#include "jw.h"
#include "lines.h"
#include "mem.h"
#include "opt.h"
#include "reaper.h"
#include "version.h"

static const char usage_text[] =
	"usage: cull-reaper [--socket PATH | --host tcp://HOST:PORT] [--signal SIG]\n"
	"                   [--stop-timeout S] [--remove] [--any] [--protect NAME]...\n"
	"                   [--dry-run] [--exec CMD] [--log-url URL] [--retry SECONDS]\n"
	"                   [--parallel N]\n";

static const char help_text[] =
	"Read kill lines on stdin, kill those containers through the Docker Engine\n"
	"API, write a killed line for each; every other line passes through.\n"
	"Only containers labelled cull.managed=true (checked with the engine), never\n"
	"a --protect'ed one, never the container cull-reaper runs in.\n"
	"\n"
	"  --socket PATH       engine's unix socket (default $DOCKER_HOST, else\n"
	"                      /var/run/docker.sock)\n"
	"  --host tcp://H:P    engine over TCP instead\n"
	"  --signal SIG        signal to send (default SIGKILL)\n"
	"  --stop-timeout S    graceful stop instead: SIGTERM, SIGKILL after S seconds\n"
	"  --remove            remove the container after killing it\n"
	"  --any               do not require the label cull.managed=true\n"
	"  --protect NAME      never kill NAME (a name or an id); repeatable\n"
	"  --dry-run           do every check, say what would be killed, kill nothing\n"
	"  --exec CMD          after each kill run sh -c CMD with CULL_ID, CULL_NAME,\n"
	"                      CULL_CLASS, CULL_RSS_KB, CULL_VSZ_KB in the environment\n"
	"  --log-url URL       also POST each killed line to URL (cull-logger /logs)\n"
	"  --retry SECONDS     keep retrying an engine that does not answer or answers\n"
	"                      5xx (default 10); a hung engine holds a line this long\n"
	"  --parallel N        kills in flight at once (default 16)\n"
	"  --help              this text\n"
	"\n"
	"Exit status: 0 end of input or SIGINT/SIGTERM, 1 runtime failure, 2 usage error.\n";

#define QUEUE_MAX 1024		/* kill lines accepted but not started */
#define EXEC_RUNNING_MAX 8	/* --exec commands at once */
#define EXEC_PENDING_MAX 256	/* --exec commands waiting for a slot */
#define LOGQ_LINES 1024		/* --log-url queue bound */
#define LOGQ_BYTES ((size_t)4 << 20)
#define VERIFY_WAIT 5.0		/* seconds to see a killed container stop */
#define DRAIN_WAIT 5.0		/* at the end, for --exec commands and the logger */
#define REQUEST_MAX_MS 10000L	/* the longest one request may wait for an answer */
#define REQUEST_MIN_MS 1000L	/* ... and the shortest, even when --retry is spent */

enum step { ST_VERSION, ST_INSPECT, ST_KILL, ST_REMOVE, ST_VERIFY };

struct job {
	struct job *next;
	struct kill_req req;	/* from the line */
	struct target tgt;	/* from the engine; tgt.id[0] once known */
	enum step step;
	CURL *h;
	int busy;		/* a request is in flight */
	double t0;		/* when the line was read (monotonic) */
	double wake;		/* do not (re)send before this */
	double retry_end;	/* give up on an engine that does not answer */
	double backoff;
	double verify_end;
	int kill_resent;	/* the kill went out again after a transport failure */
	long timeout_ms;	/* of the request in flight */
	long status;		/* of the last answer */
	long kill_status;	/* of the kill (or stop) */
	struct docker_buf body;
	char url[1100];
	char cerr[CURL_ERROR_SIZE];
	char last_err[CURL_ERROR_SIZE + 64];
};

struct exec_req {
	char *vars[6];
};

static struct {
	/* options */
	struct docker *d;
	struct policy pol;
	char signal[16];
	int graceful;		/* --stop-timeout given */
	long long stop_timeout;
	int remove, dry_run;
	const char *exec_cmd;
	const char *log_url;
	double retry;
	int parallel;

	/* state */
	CURLM *multi;
	struct cull_lines in;
	struct jv jv;
	struct jw w;
	int in_eof, in_failed, in_flags, in_nonblock;
	struct job *queue, *queue_tail;	/* read, not started */
	int nqueued;
	struct job *active;
	int nactive;
	int sigpipe[2];
	volatile sig_atomic_t nstop;
	int stop_seen;

	/* --exec */
	int exec_running;
	struct exec_req exec_q[EXEC_PENDING_MAX];
	int exec_qhead, exec_qlen;
	unsigned long exec_dropped;

	/* --log-url */
	struct logq logq;
	CURL *log_h;
	int log_busy;
	char *log_body;
	size_t log_lines;
	unsigned long log_sent, log_failed;
	int log_failing;
	char log_err[CURL_ERROR_SIZE];
} R;

static void
restore_stdin(void)
{
	if (R.in_nonblock)
		fcntl(0, F_SETFL, R.in_flags);
}

/* stdout is the data channel: a failed write ends the program, quietly when
 * the reader went away. */
static void
out_failed(void)
{
	restore_stdin();
	if (errno == EPIPE)
		exit(CULL_EXIT_OK);
	cull_die(CULL_EXIT_FAIL, "fatal: cannot write to stdout:");
}

static void
on_signal(int sig)
{
	int e = errno;
	char c = (char)sig;

	if (sig != SIGCHLD)
		R.nstop++;
	if (write(R.sigpipe[1], &c, 1) < 0) {
		/* full: a wakeup is pending anyway */
	}
	errno = e;
}

/* ---- --exec ---------------------------------------------------------- */

static char *
var(const char *name, const char *value)
{
	char *s;

	if (asprintf(&s, "%s=%s", name, value ? value : "") < 0)
		cull_die(CULL_EXIT_FAIL, "fatal: out of memory");
	return s;
}

static void
exec_free(struct exec_req *e)
{
	int i;

	for (i = 0; e->vars[i]; i++)
		free(e->vars[i]);
	memset(e, 0, sizeof *e);
}

static void
exec_start_pending(void)
{
	while (R.exec_qlen > 0 && R.exec_running < EXEC_RUNNING_MAX) {
		struct exec_req *e = &R.exec_q[R.exec_qhead];

		if (spawn_exec(R.exec_cmd, (const char *const *)e->vars) < 0)
			cull_warn("--exec: cannot start /bin/sh:");
		else
			R.exec_running++;
		exec_free(e);
		R.exec_qhead = (R.exec_qhead + 1) % EXEC_PENDING_MAX;
		R.exec_qlen--;
	}
}

static void
exec_queue(const struct job *j)
{
	struct exec_req *e;

	if (R.exec_qlen == EXEC_PENDING_MAX) {
		if (R.exec_dropped++ == 0)
			cull_warn("--exec: %d commands already waiting; dropping (counted)",
				  EXEC_PENDING_MAX);
		return;
	}
	e = &R.exec_q[(R.exec_qhead + R.exec_qlen++) % EXEC_PENDING_MAX];
	e->vars[0] = var("CULL_ID", j->tgt.id);
	e->vars[1] = var("CULL_NAME", j->tgt.name);
	e->vars[2] = var("CULL_CLASS", j->req.class);
	e->vars[3] = var("CULL_RSS_KB", j->req.rss_kb);
	e->vars[4] = var("CULL_VSZ_KB", j->req.vsz_kb);
	e->vars[5] = NULL;
	exec_start_pending();
}

static void
exec_reap(void)
{
	int st;
	pid_t pid;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		R.exec_running--;
		if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
			cull_warn("--exec: command (pid %d) exited with status %d", (int)pid,
				  WEXITSTATUS(st));
		else if (WIFSIGNALED(st))
			cull_warn("--exec: command (pid %d) killed by signal %d", (int)pid,
				  WTERMSIG(st));
	}
	exec_start_pending();
}

/* ---- --log-url ------------------------------------------------------- */

static size_t
discard(char *p, size_t s, size_t n, void *u)
{
	(void)p;
	(void)u;
	return s * n;
}

static void
log_pump(void)
{
	size_t len;

	if (!R.log_url || R.log_busy || R.logq.b.count == 0)
		return;
	free(R.log_body);
	len = logq_take(&R.logq, &R.log_body, &R.log_lines);
	curl_easy_reset(R.log_h);
	curl_easy_setopt(R.log_h, CURLOPT_URL, R.log_url);
	curl_easy_setopt(R.log_h, CURLOPT_POST, 1L);
	curl_easy_setopt(R.log_h, CURLOPT_POSTFIELDS, R.log_body);
	curl_easy_setopt(R.log_h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(R.log_h, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(R.log_h, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(R.log_h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(R.log_h, CURLOPT_ERRORBUFFER, R.log_err);
	curl_easy_setopt(R.log_h, CURLOPT_WRITEFUNCTION, discard);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(R.log_h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(R.log_h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	R.log_err[0] = '\0';
	curl_multi_add_handle(R.multi, R.log_h);
	R.log_busy = 1;
}

static void
log_done(CURLcode rc)
{
	long status = 0;

	curl_multi_remove_handle(R.multi, R.log_h);
	R.log_busy = 0;
	if (rc == CURLE_OK)
		curl_easy_getinfo(R.log_h, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_OK && status >= 200 && status < 300) {
		R.log_sent += R.log_lines;
		if (R.log_failing)
			cull_warn("--log-url: %s answers again", R.log_url);
		R.log_failing = 0;
	} else {
		R.log_failed += R.log_lines;
		if (!R.log_failing) {
			if (rc != CURLE_OK)
				cull_warn("--log-url: %s: %s (lines are lost and counted)", R.log_url,
					  R.log_err[0] ? R.log_err : curl_easy_strerror(rc));
			else
				cull_warn("--log-url: %s answered HTTP %ld (lines are lost and counted)",
					  R.log_url, status);
		}
		R.log_failing = 1;
	}
	R.log_lines = 0;
}

/* ---- its own container ----------------------------------------------- */

/* Say once, at start, when the reaper cannot tell which container it runs
 * in. It is silent when it knows (its cgroup, or the engine matched its
 * upperdir) and on the host (no evidence of a container at all). */
static void
self_warn(enum self_how how)
{
	if (R.pol.self[0])
		return;
	if (how == SELF_UPPER)
		cull_warn("cannot tell which container it runs in (no id in /proc/self/cgroup, "
			  "and the engine %s): it refuses any container whose root is %s",
			  R.d->api[0] ? "lists none with this root" : "did not answer", R.pol.upper);
	else if (how == SELF_GUESS)
		cull_warn("cannot tell for sure which container it runs in: only the bind mounts "
			  "of /etc/hostname, /etc/hosts, /etc/resolv.conf name %.12s (under "
			  "--network container:X they are X's); refusing to kill %.12s",
			  R.pol.guess, R.pol.guess);
	/* SELF_NONE: not /.dockerenv either, which is no proof: this build
	 * machine, a VM on ext4, has one */
}

/* ---- jobs ------------------------------------------------------------ */

static CURL *
handle_new(void)
{
	CURL *h = curl_easy_init();

	if (!h)
		cull_die(CULL_EXIT_FAIL, "fatal: libcurl cannot make a handle");
	return h;
}

static void
issue(struct job *j)
{
	char path[512];
	const char *id = j->tgt.id[0] ? j->tgt.id : j->req.ref;
	double end = j->step == ST_VERIFY && j->verify_end > j->retry_end ? j->verify_end : j->retry_end;
	double left = (end - cull_mono()) * 1000.0;
	long timeout;
	CURL *h = j->h;

	/* A hung engine must not hold a line for --retry plus a whole request
	 * time-out: each request waits at most what is left of the line's
	 * time (at least REQUEST_MIN_MS, so --retry 0 still tries once). */
	timeout = left >= (double)REQUEST_MAX_MS ? REQUEST_MAX_MS
		: left <= (double)REQUEST_MIN_MS ? REQUEST_MIN_MS : (long)left;

	curl_easy_reset(h);
	switch (j->step) {
	case ST_VERSION:
		snprintf(path, sizeof path, "/version");
		break;
	case ST_INSPECT:
	case ST_VERIFY:
		snprintf(path, sizeof path, "/containers/%s/json", id);
		break;
	case ST_KILL:
		if (R.graceful) {
			snprintf(path, sizeof path, "/containers/%s/stop?t=%lld", id, R.stop_timeout);
			timeout += (long)R.stop_timeout * 1000;
		} else {
			snprintf(path, sizeof path, "/containers/%s/kill?signal=%s", id, R.signal);
		}
		break;
	case ST_REMOVE:
		snprintf(path, sizeof path, "/containers/%s?force=true", id);
		break;
	}
	j->body.len = 0;
	if (j->body.data)
		j->body.data[0] = '\0';
	j->cerr[0] = '\0';
	docker_prepare(R.d, h, path, j->url, sizeof j->url);
	if (j->step == ST_KILL) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
	} else if (j->step == ST_REMOVE) {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
	}
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
	j->timeout_ms = timeout;
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, docker_buf_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &j->body);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, j->cerr);
	curl_easy_setopt(h, CURLOPT_PRIVATE, j);
	if (curl_multi_add_handle(R.multi, h) != CURLM_OK)
		cull_die(CULL_EXIT_FAIL, "fatal: libcurl cannot add a request");
	j->busy = 1;
}

/* The engine's own words from an error answer, else "". */
static const char *
engine_message(struct job *j, char *buf, size_t len)
{
	json_object *o = j->body.len ? json_tokener_parse(j->body.data) : NULL, *f;

	buf[0] = '\0';
	if (o && json_object_object_get_ex(o, "message", &f) &&
	    json_object_is_type(f, json_type_string))
		snprintf(buf, len, "%s", json_object_get_string(f));
	json_object_put(o);
	return buf;
}

static void
emit(struct job *j, int ok, long status, const char *error, const char *message, int running)
{
	struct jw *w = &R.w;
	const char *name = j->tgt.id[0] ? j->tgt.name : j->req.name;

	jw_reset(w);
	jw_open(w, NULL);
	jw_str(w, "type", "killed");
	jw_num(w, "ts", cull_wall(), 3);
	if (j->req.has_seq)
		jw_int(w, "seq", j->req.seq);
	jw_str(w, "id", j->tgt.id[0] ? j->tgt.id : j->req.ref);
	if (name)
		jw_str(w, "name", name);
	if (j->req.class)
		jw_str(w, "class", j->req.class);
	jw_bool(w, "ok", ok);
	jw_int(w, "status", status);
	jw_num(w, "ms", (cull_mono() - j->t0) * 1000.0, 1);
	if (error)
		jw_str(w, "error", error);
	if (message && *message)
		jw_str(w, "message", message);
	if (running >= 0)
		jw_bool(w, "running", running);
	if (R.dry_run)
		jw_bool(w, "dry_run", 1);
	if (j->req.rss_kb)
		jw_raw(w, "rss_kb", j->req.rss_kb, strlen(j->req.rss_kb));
	if (j->req.vsz_kb)
		jw_raw(w, "vsz_kb", j->req.vsz_kb, strlen(j->req.vsz_kb));
	if (j->req.mem_pct)
		jw_raw(w, "mem_pct", j->req.mem_pct, strlen(j->req.mem_pct));
	if (j->req.cpu_pct)
		jw_raw(w, "cpu_pct", j->req.cpu_pct, strlen(j->req.cpu_pct));
	if (R.logq.dropped + R.log_failed)
		jw_uint(w, "log_lost", R.logq.dropped + R.log_failed);
	jw_end(w);
	if (R.log_url)
		logq_push(&R.logq, w->buf, w->len);
	if (jw_line(w, stdout) < 0)
		out_failed();
}

static void
job_free(struct job *j)
{
	if (j->h)
		curl_easy_cleanup(j->h);
	kill_req_free(&j->req);
	free(j->body.data);
	free(j);
}

/* Report j and forget it. running: -1 unknown, else what the engine said
 * last. */
static void
finish(struct job *j, int ok, long status, const char *error, const char *message, int running)
{
	struct job **pp;

	emit(j, ok, status, error, message, running);
	if (ok && !R.dry_run && R.exec_cmd)
		exec_queue(j);
	for (pp = &R.active; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			R.nactive--;
			break;
		}
	job_free(j);
	log_pump();
}

static void
next_step(struct job *j, enum step s, double delay)
{
	j->step = s;
	j->wake = cull_mono() + delay;
	if (delay <= 0)
		issue(j);
}

static void
on_answer(struct job *j, CURLcode rc)
{
	char msg[512];
	double now = cull_mono();

	curl_multi_remove_handle(R.multi, j->h);
	j->busy = 0;
	if (rc != CURLE_OK) {
		if (rc == CURLE_WRITE_ERROR) {
			finish(j, 0, 0, "the engine's answer is too large", NULL, -1);
			return;
		}
		/* curl's own buffer says "localhost port 80" for a unix socket */
		if (rc == CURLE_OPERATION_TIMEDOUT)
			snprintf(j->last_err, sizeof j->last_err, "%s: no answer within %ld ms",
				 docker_where(R.d), j->timeout_ms);
		else
			snprintf(j->last_err, sizeof j->last_err, "%s: %s", docker_where(R.d),
				 curl_easy_strerror(rc));
		if (!R.nstop && now < j->retry_end) {
			j->wake = now + j->backoff < j->retry_end ? now + j->backoff : j->retry_end;
			j->backoff = j->backoff * 2 > 1.0 ? 1.0 : j->backoff * 2;
			if (j->step == ST_KILL)
				j->kill_resent = 1;
			return;
		}
		j->status = 0;
		finish(j, 0, 0, "engine unreachable", j->last_err, -1);
		return;
	}
	curl_easy_getinfo(j->h, CURLINFO_RESPONSE_CODE, &j->status);
	if (j->status >= 500 && !R.nstop && now < j->retry_end) {
		/* the engine answered but failed (overloaded, shutting down):
		 * the same backoff; a kill sent again is harmless */
		snprintf(j->last_err, sizeof j->last_err, "HTTP %ld: %s", j->status,
			 engine_message(j, msg, sizeof msg));
		j->wake = now + j->backoff < j->retry_end ? now + j->backoff : j->retry_end;
		j->backoff = j->backoff * 2 > 1.0 ? 1.0 : j->backoff * 2;
		if (j->step == ST_KILL)
			j->kill_resent = 1;
		return;
	}
	j->backoff = 0.05;
	switch (j->step) {
	case ST_VERSION:
		if (j->status != 200 || docker_pin_api(R.d, j->body.data) < 0) {
			snprintf(msg, sizeof msg, "GET /version answered %ld", j->status);
			finish(j, 0, j->status, "cannot negotiate the API version", msg, -1);
			return;
		}
		next_step(j, ST_INSPECT, 0);
		return;
	case ST_INSPECT: {
		const char *why;

		if (j->status == 404) {
			finish(j, 0, 404, "no such container", engine_message(j, msg, sizeof msg), -1);
			return;
		}
		if (j->status != 200) {
			finish(j, 0, j->status, "cannot inspect the container",
			       engine_message(j, msg, sizeof msg), -1);
			return;
		}
		if (target_parse(j->body.data, &j->tgt, msg, sizeof msg) < 0) {
			j->tgt.id[0] = '\0';
			finish(j, 0, j->status, "cannot inspect the container", msg, -1);
			return;
		}
		if ((why = target_refuse(&j->tgt, j->req.ref, &R.pol))) {
			finish(j, 0, j->status, why, NULL, j->tgt.running);
			return;
		}
		if (R.dry_run) {
			finish(j, 1, j->status, NULL, j->tgt.running ? "would kill" :
			       "would kill (not running)", j->tgt.running);
			return;
		}
		next_step(j, ST_KILL, 0);
		return;
	}
	case ST_KILL:
		j->kill_status = j->status;
		if (j->status == 204 || (j->kill_resent && (j->status == 409 || j->status == 304))) {
			/* 409/304 after a resend: the first kill may have landed */
			j->verify_end = now + VERIFY_WAIT;
			next_step(j, R.remove ? ST_REMOVE : ST_VERIFY, 0);
			return;
		}
		if (j->status == 404)
			finish(j, 0, 404, "no such container", engine_message(j, msg, sizeof msg), -1);
		else if (j->status == 409 || j->status == 304)
			finish(j, 0, j->status, "not running", engine_message(j, msg, sizeof msg), 0);
		else
			finish(j, 0, j->status, "kill failed", engine_message(j, msg, sizeof msg), -1);
		return;
	case ST_REMOVE:
		if (j->status == 204 || j->status == 404) {
			next_step(j, ST_VERIFY, 0);
			return;
		}
		finish(j, 0, j->status, "killed but not removed", engine_message(j, msg, sizeof msg), -1);
		return;
	case ST_VERIFY: {
		struct target t;

		if (j->status == 404) {	/* gone: removed, or by --rm */
			finish(j, 1, j->kill_status, NULL, NULL, 0);
			return;
		}
		if (j->status == 200 && target_parse(j->body.data, &t, msg, sizeof msg) == 0) {
			if (!t.running) {
				finish(j, 1, j->kill_status, NULL, NULL, 0);
				return;
			}
			if (now < j->verify_end) {
				next_step(j, ST_VERIFY, 0.05);
				return;
			}
			finish(j, 0, j->kill_status, "still running after the kill", NULL, 1);
			return;
		}
		finish(j, 0, j->kill_status, "cannot check the container after the kill",
		       j->status == 200 ? msg : engine_message(j, msg, sizeof msg), -1);
		return;
	}
	}
}

static void
job_start(struct job *j)
{
	j->h = handle_new();
	j->next = R.active;
	R.active = j;
	R.nactive++;
	j->step = R.d->api[0] ? ST_INSPECT : ST_VERSION;
	issue(j);
}

/* ---- input ----------------------------------------------------------- */

static void
on_line(char *line, size_t len)
{
	unsigned long n = R.in.lineno;
	json_object *o = jv_parse(&R.jv, line, len);
	const char *type;
	struct job *j;

	if (!o) {
		cull_warn("line %lu: %s", n, R.jv.err);
		return;
	}
	jv_where(&R.jv, "%s", "");
	if (jv_str(&R.jv, o, "type", JV_REQ, &type, NULL) < 0) {
		cull_warn("line %lu: %s", n, R.jv.err);
		goto out;
	}
	if (strcmp(type, "kill") != 0) {
		line[len] = '\n';	/* the reader keeps the byte after the line */
		if (fwrite(line, 1, len + 1, stdout) != len + 1)
			out_failed();
		line[len] = '\0';
		goto out;
	}
	j = calloc(1, sizeof *j);
	if (!j)
		cull_die(CULL_EXIT_FAIL, "fatal: out of memory");
	if (kill_req_parse(&R.jv, o, &j->req) < 0) {
		cull_warn("line %lu: %s", n, R.jv.err);
		free(j);
		goto out;
	}
	j->t0 = cull_mono();
	j->retry_end = j->t0 + R.retry;
	j->backoff = 0.05;
	if (R.queue_tail)
		R.queue_tail->next = j;
	else
		R.queue = j;
	R.queue_tail = j;
	R.nqueued++;
out:
	json_object_put(o);
}

static void
read_input(void)
{
	char *line;
	ssize_t n;

	while (!R.in_eof && !R.nstop && R.nqueued < QUEUE_MAX) {
		n = cull_lines_next(&R.in, &line);
		if (n >= 0) {
			on_line(line, (size_t)n);
		} else if (n == CULL_LINE_TOOLONG) {
			cull_warn("line %lu: longer than %zu bytes", R.in.lineno, R.in.max);
		} else if (n == CULL_LINE_EOF) {
			R.in_eof = 1;
		} else if (n == CULL_LINE_ERR) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			cull_warn("cannot read stdin:");
			R.in_eof = R.in_failed = 1;
		}
	}
}

/* ---- the loop -------------------------------------------------------- */

static void
start_jobs(void)
{
	struct job *j;
	double now = cull_mono();

	while (R.queue && R.nactive < R.parallel) {
		j = R.queue;
		R.queue = j->next;
		if (!R.queue)
			R.queue_tail = NULL;
		R.nqueued--;
		j->next = NULL;
		job_start(j);
	}
	for (j = R.active; j; j = j->next)
		if (!j->busy && j->wake <= now)
			issue(j);
}

/* After a signal: nothing new starts; what waits for a retry ends now. */
static void
stop_jobs(void)
{
	struct job *j, *next;

	while ((j = R.queue)) {
		R.queue = j->next;
		R.nqueued--;
		j->next = NULL;
		j->next = R.active;	/* finish() unlinks it from there */
		R.active = j;
		R.nactive++;
		finish(j, 0, 0, "not attempted: cull-reaper is stopping", NULL, -1);
	}
	R.queue_tail = NULL;
	for (j = R.active; j; j = next) {
		next = j->next;
		if (!j->busy)
			finish(j, 0, j->status, !j->last_err[0] ? "not finished: cull-reaper is stopping" :
			       j->status ? "engine error" : "engine unreachable", j->last_err, -1);
	}
}

static int
poll_timeout(void)
{
	double now = cull_mono(), t = 1.0;
	struct job *j;

	for (j = R.active; j; j = j->next)
		if (!j->busy && j->wake - now < t)
			t = j->wake - now;
	if (t < 0)
		t = 0;
	return (int)(t * 1000) + 1;
}

static void
loop(void)
{
	struct curl_waitfd fds[2];
	double drain_end = 0;
	int running;

	for (;;) {
		CURLMsg *m;
		int left, nfd = 0;
		char buf[64];

		while (read(R.sigpipe[0], buf, sizeof buf) > 0)
			;
		exec_reap();
		if (R.nstop && !R.stop_seen) {
			R.stop_seen = 1;
			cull_warn("stopping: reporting the kills in flight");
			stop_jobs();
		}
		if (R.nstop > 1) {
			cull_warn("stopping now; %d kills in flight not reported", R.nactive);
			return;
		}
		read_input();
		start_jobs();
		log_pump();
		if ((R.in_eof || R.nstop) && !R.queue && !R.active) {
			if (!drain_end)
				drain_end = cull_mono() + DRAIN_WAIT;
			if ((!R.exec_running && !R.exec_qlen && !R.log_busy && !R.logq.b.count) ||
			    cull_mono() > drain_end)
				return;
		}
		if (!R.in_eof && !R.nstop && R.nqueued < QUEUE_MAX) {
			fds[nfd].fd = 0;
			fds[nfd].events = CURL_WAIT_POLLIN;
			fds[nfd++].revents = 0;
		}
		fds[nfd].fd = R.sigpipe[0];
		fds[nfd].events = CURL_WAIT_POLLIN;
		fds[nfd++].revents = 0;
		curl_multi_poll(R.multi, fds, (unsigned)nfd, poll_timeout(), NULL);
		curl_multi_perform(R.multi, &running);
		while ((m = curl_multi_info_read(R.multi, &left))) {
			void *p = NULL;

			if (m->msg != CURLMSG_DONE)
				continue;
			if (m->easy_handle == R.log_h) {
				log_done(m->data.result);
				continue;
			}
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &p);
			on_answer(p, m->data.result);
		}
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "host", required_argument, NULL, 'H' },
		{ "signal", required_argument, NULL, 'k' },
		{ "stop-timeout", required_argument, NULL, 't' },
		{ "remove", no_argument, NULL, 'r' },
		{ "any", no_argument, NULL, 'a' },
		{ "protect", required_argument, NULL, 'p' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "exec", required_argument, NULL, 'x' },
		{ "log-url", required_argument, NULL, 'l' },
		{ "retry", required_argument, NULL, 'R' },
		{ "parallel", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL, *host = NULL;
	char *where = NULL;
	struct sigaction sa;
	enum self_how how;
	size_t protect_cap = 0;
	int c;

	cull_setprog(argv[0]);
	snprintf(R.signal, sizeof R.signal, "SIGKILL");
	R.retry = 10;
	R.parallel = 16;
	while ((c = cull_getopt(argc, argv, "", longopts, usage_text)) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 'H':
			host = optarg;
			if (strncmp(host, "tcp://", 6) != 0 || !host[6])
				cull_die(CULL_EXIT_USAGE, "--host: \"%s\" is not tcp://HOST:PORT", host);
			break;
		case 'k':
			if (reaper_signal(optarg, R.signal, sizeof R.signal) < 0)
				cull_die(CULL_EXIT_USAGE, "--signal: \"%s\" is not a signal", optarg);
			break;
		case 't':
			R.graceful = 1;
			R.stop_timeout = cull_opt_ll("--stop-timeout", optarg, 0, 3600);
			break;
		case 'r':
			R.remove = 1;
			break;
		case 'a':
			R.pol.any = 1;
			break;
		case 'p':
			if (!*optarg)
				cull_die(CULL_EXIT_USAGE, "--protect: empty name");
			R.pol.protect = cull_grow(R.pol.protect, &protect_cap,
						  (size_t)R.pol.nprotect + 1, sizeof *R.pol.protect);
			R.pol.protect[R.pol.nprotect++] = optarg;
			break;
		case 'n':
			R.dry_run = 1;
			break;
		case 'x':
			if (!*optarg)
				cull_die(CULL_EXIT_USAGE, "--exec: empty command");
			R.exec_cmd = optarg;
			break;
		case 'l':
			if (strncmp(optarg, "http://", 7) != 0 && strncmp(optarg, "https://", 8) != 0)
				cull_die(CULL_EXIT_USAGE, "--log-url: \"%s\" is not an http:// or https:// URL",
					 optarg);
			R.log_url = optarg;
			break;
		case 'R':
			R.retry = cull_opt_double("--retry", optarg, 0, 86400);
			break;
		case 'P':
			R.parallel = (int)cull_opt_ll("--parallel", optarg, 1, 256);
			break;
		case 'V':
			cull_version_exit();
		case 'h':
			fputs(usage_text, stdout);
			fputc('\n', stdout);
			fputs(help_text, stdout);
			return CULL_EXIT_OK;
		default:
			fputs(usage_text, stderr);
			return CULL_EXIT_USAGE;
		}
	}
	cull_opt_no_operands(argc, argv, optind, usage_text);
	if (sock && host)
		cull_die(CULL_EXIT_USAGE, "--socket and --host exclude each other");
	if (R.graceful && strcmp(R.signal, "SIGKILL") != 0)
		cull_die(CULL_EXIT_USAGE, "--signal and --stop-timeout exclude each other");
	if (sock) {
		if (!*sock)
			cull_die(CULL_EXIT_USAGE, "--socket: empty path");
		if (sock[0] != '/' && strncmp(sock, "unix://", 7) != 0 &&
		    asprintf(&where, "unix://%s", sock) < 0)
			cull_die(CULL_EXIT_FAIL, "fatal: out of memory");
	}
	R.d = docker_new(where ? where : sock ? sock : host);
	if (!R.d)
		return CULL_EXIT_USAGE;
	free(where);

	cull_stdio_setup();
	how = self_detect("/proc", &R.pol);
	if (pipe2(R.sigpipe, O_CLOEXEC | O_NONBLOCK) < 0)
		cull_die(CULL_EXIT_FAIL, "fatal: pipe:");
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	if (!(R.multi = curl_multi_init()))
		cull_die(CULL_EXIT_FAIL, "fatal: libcurl cannot start");
	if (R.log_url) {
		R.log_h = handle_new();
		logq_init(&R.logq, LOGQ_LINES, LOGQ_BYTES);
	}

	/* Pin the API version now if the engine answers; if not, each kill
	 * negotiates before its first request. */
	R.d->timeout_ms = 3000;
	if (docker_negotiate(R.d) < 0)
		cull_warn("the engine at %s does not answer yet; kills will retry",
			  docker_where(R.d));
	else if (how == SELF_UPPER)
		self_resolve(R.d, &R.pol);
	R.d->timeout_ms = 10000;
	self_warn(how);

	/* Read stdin without blocking when it is a pipe, so one slow writer
	 * never holds up kills in flight. */
	{
		struct stat st;

		if (fstat(0, &st) == 0 && S_ISFIFO(st.st_mode)) {
			R.in_flags = fcntl(0, F_GETFL);
			if (R.in_flags >= 0 && fcntl(0, F_SETFL, R.in_flags | O_NONBLOCK) == 0)
				R.in_nonblock = 1;
		}
	}
	cull_lines_init(&R.in, 0, 0);
	jv_init(&R.jv);
	loop();
	restore_stdin();

	if (R.exec_running || R.exec_qlen)
		cull_warn("--exec: %d commands still running, %d not started at exit",
			  R.exec_running, R.exec_qlen);
	if (R.exec_dropped)
		cull_warn("--exec: %lu commands dropped (too many waiting)", R.exec_dropped);
	if (R.log_url) {
		unsigned long unsent = R.logq.b.count + (R.log_busy ? R.log_lines : 0);

		if (R.logq.dropped || R.log_failed || unsent)
			cull_warn("--log-url: %lu lines sent, %lu dropped (queue full), %lu lost "
				  "(logger failed), %lu unsent at exit", R.log_sent, R.logq.dropped,
				  R.log_failed, unsent);
		if (R.log_busy)
			curl_multi_remove_handle(R.multi, R.log_h);
		curl_easy_cleanup(R.log_h);
		free(R.log_body);
		logq_free(&R.logq);
	}
	{
		struct job *j, *next;

		for (j = R.active; j; j = next) {
			next = j->next;
			curl_multi_remove_handle(R.multi, j->h);
			job_free(j);
		}
	}
	curl_multi_cleanup(R.multi);
	cull_lines_free(&R.in);
	jv_fini(&R.jv);
	jw_free(&R.w);
	free(R.pol.protect);
	docker_free(R.d);
	curl_global_cleanup();
	cull_stdout_close();
	return R.in_failed ? CULL_EXIT_FAIL : CULL_EXIT_OK;
}
