/*
 * kill.h - one kill line through the engine, and the lines in flight.
 *
 *   kill.c  the state machine of one line (struct kill): which request to
 *           send next (kill_call), what an answer means (kill_answer:
 *           next step, retry with backoff, or done), the killed line
 *           (kill_line). No I/O: the unit test (tests/unit/reaper-kill.c)
 *           feeds it answers and reads its decisions.
 *   jobs.c  the transport: kill lines queued and in flight, each on its own
 *           easy handle of the loop's libcurl multi handle.
 *
 * The steps of one line:
 *   [GET /version]  once, when the version is not pinned yet
 *   GET /containers/{ref}/json       the engine's word on labels, name, id
 *   policy: cull.managed=true (or --any), not --protect'ed, not ourselves
 *   POST /containers/{id}/kill?signal=S   or   POST /containers/{id}/stop?t=S
 *   [DELETE /containers/{id}?force=true]  with --remove
 *   GET /containers/{id}/json        until it says not running (or 404)
 */
#ifndef CULL_REAPER_KILL_H
#define CULL_REAPER_KILL_H

#include <curl/curl.h>

#include "docker.h"
#include "jw.h"
#include "reaper.h"

#define KILL_VERIFY_WAIT 5.0	/* seconds to see a killed container stop */
#define KILL_REQUEST_MAX_MS 10000L	/* the longest one request may wait */
#define KILL_REQUEST_MIN_MS 1000L	/* ... and the shortest, even when --retry is spent */
#define KILL_BACKOFF_MIN 0.05	/* seconds before the first retry, doubling */
#define KILL_BACKOFF_MAX 1.0
#define JOBS_QUEUE_MAX 1024	/* kill lines accepted but not started */

/* The settings every kill shares, from the options; read only. */
struct kill_conf {
	const char *signal;	/* --signal, as the engine wants it: "SIGKILL" */
	int graceful;		/* --stop-timeout given: stop, not kill */
	long long stop_timeout;	/* its seconds */
	int remove;		/* --remove */
	int dry_run;		/* --dry-run */
	double retry;		/* --retry: seconds an engine may fail a line */
	const struct policy *pol;	/* who may be killed */
};

enum kill_step {
	KILL_NEW,	/* read, not started */
	KILL_VERSION,	/* GET /version */
	KILL_INSPECT,	/* GET /containers/{ref}/json */
	KILL_KILL,	/* POST .../kill or .../stop */
	KILL_REMOVE,	/* DELETE /containers/{id}?force=true */
	KILL_VERIFY,	/* GET /containers/{id}/json, until it stopped */
};

/* What kill_answer (and kill_start) want done next. */
enum kill_do {
	KILL_SEND,	/* send kill_call()'s request now */
	KILL_WAIT,	/* send it at k->wake (a retry, or the next look) */
	KILL_DONE,	/* k->out is the outcome: write the killed line */
};

/* How a line ended: the fields of its killed line. */
struct kill_outcome {
	int ok;
	long status;		/* the HTTP status that decided, 0 for none */
	const char *error;	/* NULL, or a constant sentence */
	char message[512];	/* the engine's words (or ours), "" for none */
	int running;		/* -1 unknown, else what the engine said last */
};

/* One kill line, from reading to its killed line. */
struct kill {
	struct kill_req req;	/* from the line */
	struct target tgt;	/* from the engine; tgt.id[0] once known */
	enum kill_step step;
	double t0;		/* when the line was read (monotonic) */
	double wake;		/* do not (re)send before this */
	double retry_end;	/* give up on an engine that does not answer */
	double backoff;		/* the next retry's delay */
	double verify_end;	/* give up waiting for it to stop */
	int kill_resent;	/* the kill went out again after a failure */
	long timeout_ms;	/* of the request in flight */
	long status;		/* of the last answer */
	long kill_status;	/* of the kill (or stop) */
	char last_err[CURL_ERROR_SIZE + 64];	/* why the engine failed last */
	struct kill_outcome out;	/* once KILL_DONE */
};

/* The request to send for k's step. */
struct kill_call {
	const char *method;	/* "GET", "POST" (empty body) or "DELETE" */
	char path[512];		/* without the version: "/containers/<id>/json" */
	long timeout_ms;	/* how long to wait for the answer */
};

/* What the engine said, or that it did not answer. */
struct kill_answer {
	CURLcode rc;		/* CURLE_OK: it answered */
	long status;		/* then its HTTP status */
	const char *body;	/* and its body (NUL-terminated), or NULL */
	double now;		/* when it came (monotonic) */
	int stopping;		/* cull-reaper is stopping: no more retries */
};

/* Take over req (k owns what it points to; *req is emptied), read at now. */
void kill_init(struct kill *k, struct kill_req *req, const struct kill_conf *c, double now);
/* The first step, at now: the version first when d has none pinned. The
 * line's --retry time counts from here, not from its read. */
void kill_start(struct kill *k, const struct kill_conf *c, const struct docker *d, double now);
/* The request for k's step at now (records its time-out in k). */
void kill_call(struct kill *k, const struct kill_conf *c, double now, struct kill_call *call);
/* An answer to that request; d pins the version and names the engine in
 * messages. */
enum kill_do kill_answer(struct kill *k, const struct kill_conf *c, struct docker *d,
			 const struct kill_answer *a);
/* cull-reaper is stopping and k waits for no answer: its outcome now. */
void kill_stop(struct kill *k);
/* The killed line of a finished k into w (reset first), at wall time ts and
 * monotonic now; log_lost: --log-url lines lost so far. */
void kill_line(struct jw *w, const struct kill *k, const struct kill_conf *c, double ts, double now,
	       unsigned long log_lost);
void kill_free(struct kill *k);

/* ---- jobs.c: the lines in flight ---------------------------------------- */

struct job;
struct jobs {
	const struct kill_conf *conf;
	struct docker *d;
	CURLM *multi;		/* the loop's */
	int parallel;		/* --parallel: lines in flight at most */
	/* a finished line: write it out (called before it is freed) */
	void (*report)(const struct kill *k, void *arg);
	void *arg;
	struct job *queue, *queue_tail;	/* read, not started */
	int nqueued;
	struct job *active;	/* started */
	int nactive;
	/* handles of lines that ended, for the next ones: a handle made and
	 * freed for each kill left its allocations, and the engine connections
	 * the multi handle then dropped and opened again, all over the heap
	 * (the reaper's RSS crept in an hour of kills: bench/soak) */
	CURL **idle;		/* room for parallel */
	int nidle;
};
void jobs_init(struct jobs *js, const struct kill_conf *c, struct docker *d, CURLM *multi,
	       int parallel, void (*report)(const struct kill *k, void *arg), void *arg);
/* A kill line read at now (its req is taken over, as by kill_init). */
void jobs_add(struct jobs *js, struct kill_req *req, double now);
/* Start queued lines while there is room, send what is due. */
void jobs_run(struct jobs *js);
/* A request ended on handle h (CURLMSG_DONE). */
void jobs_answer(struct jobs *js, CURL *h, CURLcode rc, int stopping);
/* After a signal: nothing new starts; what waits for a retry ends now. */
void jobs_stop(struct jobs *js);
/* Milliseconds until the next retry is due (at most a second). */
int jobs_poll_ms(const struct jobs *js);
int jobs_idle(const struct jobs *js);
/* JOBS_QUEUE_MAX lines wait to start: read no more for now. */
int jobs_full(const struct jobs *js);
void jobs_fini(struct jobs *js);

#endif
