/*
 * jobs.c - the kill lines in flight: each on its own easy handle of the
 * loop's libcurl multi handle, at most --parallel at once, the rest queued
 * in the order read. The decisions are kill.c's; this file sends what it
 * asks for, hands it the answers, and reports each line when it ends
 * (struct jobs' report callback, which writes the killed line).
 */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "kill.h"

struct job {
	struct job *next;
	struct kill k;
	CURL *h;
	int busy;		/* a request is in flight */
	struct docker_buf body;	/* of its answer */
	char url[1100];
	char cerr[CURL_ERROR_SIZE];
};

void
jobs_init(struct jobs *js, const struct kill_conf *c, struct docker *d, CURLM *multi,
	  int parallel, void (*report)(const struct kill *k, void *arg), void *arg)
{
	memset(js, 0, sizeof *js);
	js->conf = c;
	js->d = d;
	js->multi = multi;
	js->parallel = parallel;
	js->report = report;
	js->arg = arg;
	js->idle = calloc((size_t)parallel, sizeof *js->idle);
	if (!js->idle)
		cull_die(CULL_EXIT_FAIL, "fatal: out of memory");
	/* as many engine connections kept as lines in flight (and the log's
	 * POST), none closed for age: each kill finds one open */
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)parallel + 1);
}

void
jobs_add(struct jobs *js, struct kill_req *req, double now)
{
	struct job *j = calloc(1, sizeof *j);

	if (!j)
		cull_die(CULL_EXIT_FAIL, "fatal: out of memory");
	kill_init(&j->k, req, js->conf, now);
	if (js->queue_tail)
		js->queue_tail->next = j;
	else
		js->queue = j;
	js->queue_tail = j;
	js->nqueued++;
}

static void
job_free(struct jobs *js, struct job *j)
{
	if (j->h && js->nidle < js->parallel)
		js->idle[js->nidle++] = j->h;
	else if (j->h)
		curl_easy_cleanup(j->h);
	kill_free(&j->k);
	free(j->body.data);
	free(j);
}

/* Send the request j's step asks for. */
static void
issue(struct jobs *js, struct job *j)
{
	struct kill_call call;
	CURL *h = j->h;

	kill_call(&j->k, js->conf, cull_mono(), &call);
	curl_easy_reset(h);
	j->body.len = 0;
	if (j->body.data)
		j->body.data[0] = '\0';
	j->cerr[0] = '\0';
	docker_prepare(js->d, h, call.path, j->url, sizeof j->url);
	if (strcmp(call.method, "POST") == 0) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
	} else if (strcmp(call.method, "DELETE") == 0) {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
	}
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, call.timeout_ms);
	/* an idle engine connection stays good (libcurl drops one idle for
	 * 118 s by default, then opens another: see struct jobs) */
	curl_easy_setopt(h, CURLOPT_MAXAGE_CONN, 3600L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, docker_buf_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &j->body);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, j->cerr);
	curl_easy_setopt(h, CURLOPT_PRIVATE, j);
	if (curl_multi_add_handle(js->multi, h) != CURLM_OK)
		cull_die(CULL_EXIT_FAIL, "fatal: libcurl cannot add a request");
	j->busy = 1;
}

/* Report j and forget it (it is in the active list, or in none). */
static void
finish(struct jobs *js, struct job *j)
{
	struct job **pp;

	js->report(&j->k, js->arg);
	for (pp = &js->active; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			js->nactive--;
			break;
		}
	job_free(js, j);
}

static void
act(struct jobs *js, struct job *j, enum kill_do what)
{
	if (what == KILL_SEND)
		issue(js, j);
	else if (what == KILL_DONE)
		finish(js, j);
	/* KILL_WAIT: jobs_run sends it when it is due */
}

static void
start(struct jobs *js, struct job *j)
{
	j->h = js->nidle ? js->idle[--js->nidle] : curl_easy_init();
	if (!j->h)
		cull_die(CULL_EXIT_FAIL, "fatal: libcurl cannot make a handle");
	j->next = js->active;
	js->active = j;
	js->nactive++;
	kill_start(&j->k, js->conf, js->d, cull_mono());
	issue(js, j);
}

void
jobs_run(struct jobs *js)
{
	struct job *j;
	double now = cull_mono();

	while (js->queue && js->nactive < js->parallel) {
		j = js->queue;
		js->queue = j->next;
		if (!js->queue)
			js->queue_tail = NULL;
		js->nqueued--;
		j->next = NULL;
		start(js, j);
	}
	for (j = js->active; j; j = j->next)
		if (!j->busy && j->k.wake <= now)
			issue(js, j);
}

void
jobs_answer(struct jobs *js, CURL *h, CURLcode rc, int stopping)
{
	struct kill_answer a = { .rc = rc, .now = cull_mono(), .stopping = stopping };
	void *p = NULL;
	struct job *j;

	curl_easy_getinfo(h, CURLINFO_PRIVATE, &p);
	j = p;
	curl_multi_remove_handle(js->multi, j->h);
	j->busy = 0;
	if (rc == CURLE_OK)
		curl_easy_getinfo(j->h, CURLINFO_RESPONSE_CODE, &a.status);
	a.body = j->body.data;
	act(js, j, kill_answer(&j->k, js->conf, js->d, &a));
}

void
jobs_stop(struct jobs *js)
{
	struct job *j, *next;

	while ((j = js->queue)) {
		js->queue = j->next;
		js->nqueued--;
		j->next = NULL;
		kill_stop(&j->k);
		finish(js, j);
	}
	js->queue_tail = NULL;
	for (j = js->active; j; j = next) {
		next = j->next;
		if (!j->busy) {
			kill_stop(&j->k);
			finish(js, j);
		}
	}
}

int
jobs_poll_ms(const struct jobs *js)
{
	double now = cull_mono(), t = 1.0;
	const struct job *j;

	for (j = js->active; j; j = j->next)
		if (!j->busy && j->k.wake - now < t)
			t = j->k.wake - now;
	if (t < 0)
		t = 0;
	return (int)(t * 1000) + 1;
}

int
jobs_idle(const struct jobs *js)
{
	return !js->queue && !js->active;
}

int
jobs_full(const struct jobs *js)
{
	return js->nqueued >= JOBS_QUEUE_MAX;
}

void
jobs_fini(struct jobs *js)
{
	struct job *j, *next;

	for (j = js->active; j; j = next) {
		next = j->next;
		curl_multi_remove_handle(js->multi, j->h);
		job_free(js, j);
	}
	for (j = js->queue; j; j = next) {
		next = j->next;
		job_free(js, j);
	}
	while (js->nidle)
		curl_easy_cleanup(js->idle[--js->nidle]);
	free(js->idle);
	js->idle = NULL;
	js->active = js->queue = js->queue_tail = NULL;
	js->nactive = js->nqueued = 0;
}
