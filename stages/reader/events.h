/*
 * events.h - the engine's containers (names, images, labels), kept by its
 * event stream instead of asked for on every snapshot.
 *
 * At start, and again after the stream breaks, one GET /containers/json
 * fills a cache keyed by id (resync); then GET /events?since=T&filters=...
 * (type container; start, die, destroy, rename), T one second before the
 * resync, so nothing between the two is missed (replayed events are applied
 * again harmlessly). On a libcurl multi handle beside the blocking easy
 * handle of the GETs: one thread, the loop waits on the stream's socket and
 * the next tick at once (curl_multi_poll).
 *
 *   {"status":"start","id":"<64 hex>","Type":"container","Action":"start",
 *    "Actor":{"ID":"<64 hex>","Attributes":{"name":"web","image":"x",...}},
 *    "time":1700000000,"timeNano":1700000000123456789}
 *
 * start: an id not in the cache is asked for alone (GET /containers/json
 * with an id filter: the same fields as the list) and a snapshot is wanted
 * at once. die, destroy: the id leaves the cache (the list holds running
 * containers). rename: Actor.Attributes.name is the new name. Lines are at
 * most EVENTS_LINE_MAX bytes: a longer one, or an unreadable one, is a break.
 * While the stream is down there is no cache (snapshots carry no
 * `containers`, as when the engine does not answer); reconnecting waits
 * 0.1 s, doubling to 5 s, reset once a stream has lasted 5 s. An outage is
 * said once on stderr, and its end.
 */
#ifndef CULL_READER_EVENTS_H
#define CULL_READER_EVENTS_H

#include <curl/curl.h>
#include <json-c/json.h>
#include <signal.h>

#include "docker.h"

#define EVENTS_LINE_MAX 65536		/* bytes of one event line */
#define EVENTS_PENDING_MAX (1 << 20)	/* bytes of events not yet applied */
#define EVENTS_STARTED_MAX 16		/* start events kept between snapshots */

struct events {
	struct docker *d;	/* the engine, for the GETs (not owned) */
	CURLM *multi;
	CURL *h;		/* the stream; NULL while down */
	char url[1024];
	char err[CURL_ERROR_SIZE];
	struct docker_buf pending;	/* whole lines received, not yet applied */
	size_t partial;		/* bytes of pending after its last '\n' */
	int broken;		/* the stream said something unreadable */
	json_object *cache;	/* id -> that container as a snapshot writes it, one string
				 * (events.c render()); NULL: not synced */
	json_tokener *tok;
	double retry_at;	/* cull_mono() of the next resync */
	double backoff;		/* seconds */
	double up_since;	/* cull_mono() when the stream started */
	int down;		/* an outage was said */
	int wake;		/* a container started: a snapshot is wanted */
	unsigned long starts;	/* start events applied so far, and resyncs */
	/* the ids of the containers started since the reader last took them
	 * (procfs_add), the first EVENTS_STARTED_MAX; started_lost: more, or
	 * a resync (the list may hold any number): a full scan instead */
	char started[EVENTS_STARTED_MAX][65];
	size_t nstarted;
	int started_lost;
};

/* d is the engine (not NULL). Returns 0, or -1 when libcurl cannot start. */
int events_init(struct events *e, struct docker *d);
void events_free(struct events *e);

/* Resync when due, apply what the stream said; never waits for the stream. */
void events_poll(struct events *e);
/* Wait until the monotonic time deadline, following the stream meanwhile.
 * Returns 1 as soon as a container started, 0 at the deadline or when
 * *stop is set. */
int events_wait(struct events *e, double deadline, volatile sig_atomic_t *stop);
/* The running containers, id -> rendered entry (a string); NULL while not synced. Borrowed. */
json_object *events_containers(const struct events *e);

/* Apply one event line to cache (unit-tested, fuzzed). Returns -1 when the
 * line is not an event, else EV_* flags: EV_START a container started
 * (its id into id), EV_FETCH it is not in the cache and must be asked for. */
enum { EV_START = 1, EV_FETCH = 2 };
int events_apply(json_object *cache, json_tokener *tok, const char *line, size_t len,
		 char id[65]);

#endif
