/*
 * kill.c - the state machine of one kill line (see kill.h for the steps).
 *
 * In:  the engine's answers (struct kill_answer: CURLcode, HTTP status,
 *      body), fed by jobs.c or by the unit test.
 * Out: the next request (kill_call), what to do next (enum kill_do), and at
 *      the end the killed line (kill_line):
 *   {"type":"killed","ts":…,"seq":7,"id":"…","name":"web-1","class":"high",
 *    "reason":"high: 4 running, keeping 2; …","ok":true,"status":204,"ms":131.2,"running":false,"rss_kb":…,…}
 *
 * An engine that does not answer (socket gone, refused, reset, timed out) or
 * answers 5xx is retried with backoff until the line's --retry time is
 * spent; then the line ends with ok:false. Nothing here does I/O.
 */
#include <stdio.h>
#include <string.h>

#include "kill.h"

void
kill_init(struct kill *k, struct kill_req *req, const struct kill_conf *c, double now)
{
	memset(k, 0, sizeof *k);
	k->req = *req;
	memset(req, 0, sizeof *req);
	k->step = KILL_NEW;
	k->t0 = now;
	k->retry_end = now + c->retry;
	k->backoff = KILL_BACKOFF_MIN;
}

/* The --retry time is the engine's to spend, counted from the line's first
 * request: a line waiting its turn behind --parallel others has not been
 * failed by the engine yet. (Counted from the read, 250 lines at 16 in
 * flight spent it queued and ended "engine unreachable" after one short
 * request each: bench/scale.sh.) */
void
kill_start(struct kill *k, const struct kill_conf *c, const struct docker *d, double now)
{
	k->step = d->api[0] ? KILL_INSPECT : KILL_VERSION;
	k->retry_end = now + c->retry;
}

void
kill_free(struct kill *k)
{
	kill_req_free(&k->req);
}

void
kill_call(struct kill *k, const struct kill_conf *c, double now, struct kill_call *call)
{
	const char *id = k->tgt.id[0] ? k->tgt.id : k->req.ref;
	double end = k->step == KILL_VERIFY && k->verify_end > k->retry_end ? k->verify_end
		: k->retry_end;
	double left = (end - now) * 1000.0;

	/* A hung engine must not hold a line for --retry plus a whole request
	 * time-out: each request waits at most what is left of the line's
	 * time (at least KILL_REQUEST_MIN_MS, so --retry 0 still tries once). */
	call->timeout_ms = left >= (double)KILL_REQUEST_MAX_MS ? KILL_REQUEST_MAX_MS
		: left <= (double)KILL_REQUEST_MIN_MS ? KILL_REQUEST_MIN_MS : (long)left;
	call->method = "GET";
	switch (k->step) {
	case KILL_NEW:
	case KILL_VERSION:
		snprintf(call->path, sizeof call->path, "/version");
		break;
	case KILL_INSPECT:
	case KILL_VERIFY:
		snprintf(call->path, sizeof call->path, "/containers/%s/json", id);
		break;
	case KILL_KILL:
		call->method = "POST";
		if (c->graceful) {
			snprintf(call->path, sizeof call->path, "/containers/%s/stop?t=%lld", id,
				 c->stop_timeout);
			call->timeout_ms += (long)c->stop_timeout * 1000;
		} else {
			snprintf(call->path, sizeof call->path, "/containers/%s/kill?signal=%s", id,
				 c->signal);
		}
		break;
	case KILL_REMOVE:
		call->method = "DELETE";
		snprintf(call->path, sizeof call->path, "/containers/%s?force=true", id);
		break;
	}
	k->timeout_ms = call->timeout_ms;
}

/* ---- answers ------------------------------------------------------------ */

/* The engine's own words from an error answer, else "". */
static const char *
engine_message(const char *body, char *buf, size_t len)
{
	json_object *o = body && *body ? json_tokener_parse(body) : NULL, *f;

	buf[0] = '\0';
	if (o && json_object_object_get_ex(o, "message", &f) &&
	    json_object_is_type(f, json_type_string))
		snprintf(buf, len, "%s", json_object_get_string(f));
	json_object_put(o);
	return buf;
}

/* The line ends: how, for its killed line. */
static enum kill_do
done(struct kill *k, int ok, long status, const char *error, const char *message, int running)
{
	k->out.ok = ok;
	k->out.status = status;
	k->out.error = error;
	snprintf(k->out.message, sizeof k->out.message, "%s", message ? message : "");
	k->out.running = running;
	return KILL_DONE;
}

/* On to step s, after delay seconds. */
static enum kill_do
next(struct kill *k, enum kill_step s, double now, double delay)
{
	k->step = s;
	k->wake = now + delay;
	return delay > 0 ? KILL_WAIT : KILL_SEND;
}

/* The engine failed this request (no answer, or 5xx): the same request
 * again after the backoff (KILL_BACKOFF_MIN doubling to KILL_BACKOFF_MAX),
 * never past the line's --retry time. 1 when a retry waits, 0 when the time
 * is spent or cull-reaper is stopping. A kill sent again is harmless: the
 * kill step then takes 409 "not running" as the first one having landed. */
static int
retry_later(struct kill *k, const struct kill_answer *a)
{
	if (a->stopping || a->now >= k->retry_end)
		return 0;
	k->wake = a->now + k->backoff < k->retry_end ? a->now + k->backoff : k->retry_end;
	k->backoff = k->backoff * 2 > KILL_BACKOFF_MAX ? KILL_BACKOFF_MAX : k->backoff * 2;
	if (k->step == KILL_KILL)
		k->kill_resent = 1;
	return 1;
}

/* No answer: socket gone, refused, reset, timed out, or too large. */
static enum kill_do
no_answer(struct kill *k, const struct docker *d, const struct kill_answer *a)
{
	if (a->rc == CURLE_WRITE_ERROR)
		return done(k, 0, 0, "the engine's answer is too large", NULL, -1);
	/* curl's own buffer says "localhost port 80" for a unix socket */
	if (a->rc == CURLE_OPERATION_TIMEDOUT)
		snprintf(k->last_err, sizeof k->last_err, "%s: no answer within %ld ms",
			 docker_where(d), k->timeout_ms);
	else
		snprintf(k->last_err, sizeof k->last_err, "%s: %s", docker_where(d),
			 curl_easy_strerror(a->rc));
	if (retry_later(k, a))
		return KILL_WAIT;
	k->status = 0;
	return done(k, 0, 0, "engine unreachable", k->last_err, -1);
}

static enum kill_do
on_version(struct kill *k, struct docker *d, const struct kill_answer *a)
{
	char msg[64];

	if (k->status != 200 || docker_pin_api(d, a->body) < 0) {
		snprintf(msg, sizeof msg, "GET /version answered %ld", k->status);
		return done(k, 0, k->status, "cannot negotiate the API version", msg, -1);
	}
	return next(k, KILL_INSPECT, a->now, 0);
}

/* The engine's word on the container, then the policy. */
static enum kill_do
on_inspect(struct kill *k, const struct kill_conf *c, const struct kill_answer *a)
{
	char msg[512];
	const char *why;

	if (k->status == 404)
		return done(k, 0, 404, "no such container", engine_message(a->body, msg, sizeof msg), -1);
	if (k->status != 200)
		return done(k, 0, k->status, "cannot inspect the container",
			    engine_message(a->body, msg, sizeof msg), -1);
	if (target_parse(a->body, &k->tgt, msg, sizeof msg) < 0) {
		k->tgt.id[0] = '\0';
		return done(k, 0, k->status, "cannot inspect the container", msg, -1);
	}
	if ((why = target_refuse(&k->tgt, k->req.ref, c->pol)))
		return done(k, 0, k->status, why, NULL, k->tgt.running);
	if (c->dry_run)
		return done(k, 1, k->status, NULL, k->tgt.running ? "would kill" :
			    "would kill (not running)", k->tgt.running);
	return next(k, KILL_KILL, a->now, 0);
}

static enum kill_do
on_kill(struct kill *k, const struct kill_conf *c, const struct kill_answer *a)
{
	char msg[512];

	k->kill_status = k->status;
	if (k->status == 204 || (k->kill_resent && (k->status == 409 || k->status == 304))) {
		/* 409/304 after a resend: the first kill may have landed */
		k->verify_end = a->now + KILL_VERIFY_WAIT;
		return next(k, c->remove ? KILL_REMOVE : KILL_VERIFY, a->now, 0);
	}
	engine_message(a->body, msg, sizeof msg);
	if (k->status == 404)
		return done(k, 0, 404, "no such container", msg, -1);
	if (k->status == 409 || k->status == 304)
		return done(k, 0, k->status, "not running", msg, 0);
	return done(k, 0, k->status, "kill failed", msg, -1);
}

static enum kill_do
on_remove(struct kill *k, const struct kill_answer *a)
{
	char msg[512];

	if (k->status == 204 || k->status == 404)
		return next(k, KILL_VERIFY, a->now, 0);
	return done(k, 0, k->status, "killed but not removed",
		    engine_message(a->body, msg, sizeof msg), -1);
}

/* Look until the engine says it stopped, KILL_VERIFY_WAIT at most. */
static enum kill_do
on_verify(struct kill *k, const struct kill_answer *a)
{
	struct target t;
	char msg[512];

	if (k->status == 404)	/* gone: removed, or by --rm */
		return done(k, 1, k->kill_status, NULL, NULL, 0);
	if (k->status == 200 && target_parse(a->body, &t, msg, sizeof msg) == 0) {
		if (!t.running)
			return done(k, 1, k->kill_status, NULL, NULL, 0);
		if (a->now < k->verify_end)
			return next(k, KILL_VERIFY, a->now, 0.05);
		return done(k, 0, k->kill_status, "still running after the kill", NULL, 1);
	}
	return done(k, 0, k->kill_status, "cannot check the container after the kill",
		    k->status == 200 ? msg : engine_message(a->body, msg, sizeof msg), -1);
}

enum kill_do
kill_answer(struct kill *k, const struct kill_conf *c, struct docker *d,
	    const struct kill_answer *a)
{
	char msg[512];

	if (a->rc != CURLE_OK)
		return no_answer(k, d, a);
	k->status = a->status;
	if (k->status >= 500 && retry_later(k, a)) {
		/* it answered but failed (overloaded, shutting down) */
		snprintf(k->last_err, sizeof k->last_err, "HTTP %ld: %s", k->status,
			 engine_message(a->body, msg, sizeof msg));
		return KILL_WAIT;
	}
	k->backoff = KILL_BACKOFF_MIN;
	switch (k->step) {
	case KILL_NEW:
	case KILL_VERSION:
		return on_version(k, d, a);
	case KILL_INSPECT:
		return on_inspect(k, c, a);
	case KILL_KILL:
		return on_kill(k, c, a);
	case KILL_REMOVE:
		return on_remove(k, a);
	case KILL_VERIFY:
		break;
	}
	return on_verify(k, a);
}

void
kill_stop(struct kill *k)
{
	if (k->step == KILL_NEW)
		done(k, 0, 0, "not attempted: cull-reaper is stopping", NULL, -1);
	else
		done(k, 0, k->status, !k->last_err[0] ? "not finished: cull-reaper is stopping" :
		     k->status ? "engine error" : "engine unreachable", k->last_err, -1);
}

/* ---- the killed line ---------------------------------------------------- */

void
kill_line(struct jw *w, const struct kill *k, const struct kill_conf *c, double ts, double now,
	  unsigned long log_lost)
{
	const struct kill_req *r = &k->req;
	const char *name = k->tgt.id[0] ? k->tgt.name : r->name;

	jw_reset(w);
	jw_open(w, NULL);
	jw_str(w, "type", "killed");
	jw_num(w, "ts", ts, 3);
	if (r->has_seq)
		jw_int(w, "seq", r->seq);
	jw_str(w, "id", k->tgt.id[0] ? k->tgt.id : r->ref);
	if (name)
		jw_str(w, "name", name);
	if (r->class)
		jw_str(w, "class", r->class);
	if (r->reason)
		jw_str(w, "reason", r->reason);
	jw_bool(w, "ok", k->out.ok);
	jw_int(w, "status", k->out.status);
	jw_num(w, "ms", (now - k->t0) * 1000.0, 1);
	if (k->out.error)
		jw_str(w, "error", k->out.error);
	if (k->out.message[0])
		jw_str(w, "message", k->out.message);
	if (k->out.running >= 0)
		jw_bool(w, "running", k->out.running);
	if (c->dry_run)
		jw_bool(w, "dry_run", 1);
	if (r->rss_kb)
		jw_raw(w, "rss_kb", r->rss_kb, strlen(r->rss_kb));
	if (r->vsz_kb)
		jw_raw(w, "vsz_kb", r->vsz_kb, strlen(r->vsz_kb));
	if (r->mem_pct)
		jw_raw(w, "mem_pct", r->mem_pct, strlen(r->mem_pct));
	if (r->cpu_pct)
		jw_raw(w, "cpu_pct", r->cpu_pct, strlen(r->cpu_pct));
	if (log_lost)
		jw_uint(w, "log_lost", log_lost);
	jw_end(w);
}
