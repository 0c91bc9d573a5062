/* events.c - see events.h */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgid.h"
#include "clock.h"
#include "err.h"
#include "events.h"
#include "jw.h"

#define BACKOFF_MIN 0.1
#define BACKOFF_MAX 5.0
#define STABLE_S 5.0	/* a stream that lasted this long resets the backoff */

/* the filter, URL-encoded: {"type":["container"],"event":["start","die","destroy","rename"]} */
#define EVENTS_FILTER "%7B%22type%22%3A%5B%22container%22%5D%2C%22event%22%3A%5B%22start%22%2C" \
	"%22die%22%2C%22destroy%22%2C%22rename%22%5D%7D"

static const char *
str_field(json_object *o, const char *key)
{
	json_object *f;

	if (!o || !json_object_object_get_ex(o, key, &f) || !json_object_is_type(f, json_type_string))
		return NULL;
	return json_object_get_string(f);
}

/*
 * What a snapshot writes of a container, rendered once when it enters the
 * cache: {"name":..,"image":..,"created":..,"labels":{..}} (DESIGN.md),
 * kept as one string. A container's entry is then two blocks on the heap
 * (its id, the key; this string), not the twenty-odd small objects of a
 * json-c tree that stayed spread among the engine's answers freed around
 * them for as long as the container ran: with containers coming and going
 * all day, the reader's heap grew 25 KiB an hour though nothing more was
 * in use (bench/soak/NOTES.md). image not a string: ""; created not an
 * integer: left out; labels: the string values of an object.
 */
static json_object *
render(const char *name, json_object *image, json_object *created, json_object *labels)
{
	struct jw w = { 0 };
	json_object *s;

	jw_open(&w, NULL);
	jw_str(&w, "name", name);
	jw_str(&w, "image", json_object_is_type(image, json_type_string) ?
	       json_object_get_string(image) : "");
	if (json_object_is_type(created, json_type_int))
		jw_int(&w, "created", json_object_get_int64(created));
	jw_open(&w, "labels");
	if (json_object_is_type(labels, json_type_object)) {
		json_object_object_foreach(labels, k, v) {
			if (json_object_is_type(v, json_type_string))
				jw_strn(&w, k, json_object_get_string(v),
					(size_t)json_object_get_string_len(v));
		}
	}
	jw_end(&w);
	jw_end(&w);
	s = json_object_new_string_len(w.buf, (int)w.len);
	jw_free(&w);
	if (!s)
		cull_die(CULL_EXIT_FAIL, "out of memory");
	return s;
}

/* An entry of GET /containers/json, rendered: its first name without the '/'. */
static json_object *
render_entry(json_object *c)
{
	json_object *names, *f, *image = NULL, *created = NULL, *labels = NULL;
	const char *name = "";

	if (json_object_object_get_ex(c, "Names", &names) &&
	    json_object_is_type(names, json_type_array) && json_object_array_length(names) > 0) {
		f = json_object_array_get_idx(names, 0);
		if (json_object_is_type(f, json_type_string)) {
			name = json_object_get_string(f);
			if (name[0] == '/')
				name++;
		}
	}
	json_object_object_get_ex(c, "Image", &image);
	json_object_object_get_ex(c, "Created", &created);
	json_object_object_get_ex(c, "Labels", &labels);
	return render(name, image, created, labels);
}

int
events_apply(json_object *cache, json_tokener *tok, const char *line, size_t len, char id[65])
{
	json_object *o, *actor = NULL, *attrs = NULL, *c;
	const char *type, *action, *cid;
	int r = 0;

	if (len > EVENTS_LINE_MAX)
		return -1;
	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, line, (int)len);
	if (o) {	/* one object, then at most white space */
		size_t end = json_tokener_get_parse_end(tok);

		while (end < len && (line[end] == ' ' || line[end] == '\r' || line[end] == '\t'))
			end++;
		if (end != len) {
			json_object_put(o);
			o = NULL;
		}
	}
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return -1;
	}
	json_object_object_get_ex(o, "Actor", &actor);
	if (actor)
		json_object_object_get_ex(actor, "Attributes", &attrs);
	type = str_field(o, "Type");
	action = str_field(o, "Action");
	cid = str_field(actor, "ID");
	if (!type || !action || !cid) {
		json_object_put(o);
		return -1;
	}
	if (strcmp(type, "container") != 0 || !cull_is_id(cid, strlen(cid)))
		goto done;	/* not ours to follow */
	if (strcmp(action, "start") == 0) {
		r = EV_START;
		memcpy(id, cid, 65);
		if (!json_object_object_get_ex(cache, cid, NULL))
			r |= EV_FETCH;
	} else if (strcmp(action, "die") == 0 || strcmp(action, "destroy") == 0) {
		json_object_object_del(cache, cid);
	} else if (strcmp(action, "rename") == 0 && json_object_object_get_ex(cache, cid, &c)) {
		const char *name = str_field(attrs, "name");
		json_object *was = name ? json_tokener_parse(json_object_get_string(c)) : NULL;

		if (was) {	/* our own rendering: the same again, with the new name */
			json_object *image = NULL, *created = NULL, *labels = NULL;

			json_object_object_get_ex(was, "image", &image);
			json_object_object_get_ex(was, "created", &created);
			json_object_object_get_ex(was, "labels", &labels);
			json_object_object_add(cache, cid, render(name, image, created, labels));
			json_object_put(was);
		}
	}
done:
	json_object_put(o);
	return r;
}

int
events_init(struct events *e, struct docker *d)
{
	memset(e, 0, sizeof *e);
	e->d = d;
	e->backoff = BACKOFF_MIN;
	e->multi = curl_multi_init();
	e->tok = json_tokener_new();
	if (!e->multi || !e->tok) {
		cull_warn("cannot start libcurl's multi interface");
		events_free(e);
		return -1;
	}
	return 0;
}

static void
stream_stop(struct events *e)
{
	if (e->h) {
		curl_multi_remove_handle(e->multi, e->h);
		curl_easy_cleanup(e->h);
		e->h = NULL;
	}
	e->pending.len = e->partial = 0;
	e->broken = 0;
}

void
events_free(struct events *e)
{
	stream_stop(e);
	if (e->multi)
		curl_multi_cleanup(e->multi);
	if (e->tok)
		json_tokener_free(e->tok);
	json_object_put(e->cache);
	free(e->pending.data);
	memset(e, 0, sizeof *e);
}

json_object *
events_containers(const struct events *e)
{
	return e->cache;
}

/* Whole lines go to pending; a line longer than EVENTS_LINE_MAX, or more
 * than EVENTS_PENDING_MAX not yet applied, breaks the stream. */
static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct events *e = userdata;
	size_t n = size * nmemb, i;

	if (e->pending.len + n > EVENTS_PENDING_MAX ||
	    docker_buf_write(ptr, 1, n, &e->pending) != n) {
		e->broken = 1;
		return 0;	/* ends the transfer */
	}
	for (i = 0; i < n; i++)
		e->partial = ptr[i] == '\n' ? 0 : e->partial + 1;
	if (e->partial > EVENTS_LINE_MAX) {
		e->broken = 1;
		return 0;
	}
	return n;
}

/* The engine is gone or said nonsense: no cache, retry later. */
static void
outage(struct events *e, const char *why)
{
	double now = cull_mono();

	if (e->h && now - e->up_since >= STABLE_S)
		e->backoff = BACKOFF_MIN;
	stream_stop(e);
	json_object_put(e->cache);
	e->cache = NULL;
	if (!e->down)
		cull_warn("docker: %s; going on without container names", why);
	e->down = 1;
	e->retry_at = now + e->backoff;
	e->backoff = e->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : e->backoff * 2;
}

/* GET /containers/json (path picks which) into cache: 0, or -1 said. */
static int
fetch(struct events *e, const char *path, json_object *cache)
{
	json_object *o;
	char why[512];
	size_t i, n;

	if (docker_call(e->d, "GET", path, NULL) < 0) {
		snprintf(why, sizeof why, "cannot reach %s: %s", docker_where(e->d), e->d->err);
		outage(e, why);
		return -1;
	}
	if (e->d->status != 200) {
		snprintf(why, sizeof why, "GET /containers/json: %s", docker_message(e->d));
		outage(e, why);
		return -1;
	}
	o = json_tokener_parse(e->d->body.data);
	if (!o || !json_object_is_type(o, json_type_array)) {
		json_object_put(o);
		outage(e, "GET /containers/json: not a JSON array");
		return -1;
	}
	n = json_object_array_length(o);
	for (i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(o, i);
		const char *id = str_field(c, "Id");

		if (id && cull_is_id(id, strlen(id)))
			json_object_object_add(cache, id, render_entry(c));
	}
	json_object_put(o);
	return 0;
}

/* The list, then the stream from one second before it. */
static void
resync(struct events *e)
{
	json_object *cache = json_object_new_object();
	char path[256];
	long long since = (long long)cull_wall() - 1;

	if (!cache)
		cull_die(CULL_EXIT_FAIL, "out of memory");
	stream_stop(e);
	if (fetch(e, "/containers/json", cache) < 0) {
		json_object_put(cache);
		return;
	}
	e->starts++;	/* the list may hold containers started while we did not follow */
	e->started_lost = 1;
	snprintf(path, sizeof path, "/events?since=%lld&filters=%s", since, EVENTS_FILTER);
	e->h = curl_easy_init();
	if (!e->h) {
		json_object_put(cache);
		outage(e, "cannot start a libcurl handle");
		return;
	}
	docker_prepare(e->d, e->h, path, e->url, sizeof e->url);
	curl_easy_setopt(e->h, CURLOPT_TIMEOUT_MS, 0L);	/* a stream: no end */
	curl_easy_setopt(e->h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e->h, CURLOPT_WRITEDATA, e);
	curl_easy_setopt(e->h, CURLOPT_ERRORBUFFER, e->err);
	curl_easy_setopt(e->h, CURLOPT_FAILONERROR, 1L);
	e->err[0] = '\0';
	curl_multi_add_handle(e->multi, e->h);
	json_object_put(e->cache);
	e->cache = cache;
	e->up_since = cull_mono();
	if (e->down)
		cull_warn("docker: %s answers again", docker_where(e->d));
	e->down = 0;
}

/* Apply the whole lines received; ask for the containers that started. */
static void
apply_pending(struct events *e)
{
	char *p = e->pending.data, *end, id[65];
	size_t whole;

	if (!p || e->pending.len == e->partial)
		return;
	whole = e->pending.len - e->partial;
	for (end = p + whole; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		int r = nl == p ? 0 : events_apply(e->cache, e->tok, p, (size_t)(nl - p), id);

		p = nl + 1;
		if (r < 0) {
			e->broken = 1;
			break;
		}
		if (r & EV_FETCH) {
			char path[256];

			snprintf(path, sizeof path,
				 "/containers/json?filters=%%7B%%22id%%22%%3A%%5B%%22%s%%22%%5D%%7D", id);
			if (fetch(e, path, e->cache) < 0)
				return;	/* outage() dropped the stream and the cache */
		}
		if (r & EV_START) {
			e->wake = 1;
			e->starts++;
			if (e->nstarted < EVENTS_STARTED_MAX)
				memcpy(e->started[e->nstarted++], id, sizeof id);
			else
				e->started_lost = 1;
		}
	}
	memmove(e->pending.data, e->pending.data + whole, e->partial);
	e->pending.len = e->partial;
}

/* Move the stream on, without waiting; notice its end. */
static void
stream_step(struct events *e)
{
	CURLMsg *msg;
	int running, left;

	curl_multi_perform(e->multi, &running);
	if (e->cache)
		apply_pending(e);
	if (e->h && e->broken) {
		outage(e, "the event stream said something unreadable");
		return;
	}
	while (e->h && (msg = curl_multi_info_read(e->multi, &left))) {
		char why[CURL_ERROR_SIZE + 64];

		if (msg->msg != CURLMSG_DONE)
			continue;
		snprintf(why, sizeof why, "the event stream ended (%s)",
			 e->err[0] ? e->err : curl_easy_strerror(msg->data.result));
		outage(e, why);
	}
}

void
events_poll(struct events *e)
{
	if (!e->h && cull_mono() >= e->retry_at)
		resync(e);
	if (e->h)
		stream_step(e);
}

int
events_wait(struct events *e, double deadline, volatile sig_atomic_t *stop)
{
	while (!*stop) {
		double now, until;

		events_poll(e);
		if (e->wake) {
			e->wake = 0;
			return 1;
		}
		now = cull_mono();
		if (now >= deadline)
			return 0;
		until = !e->h && e->retry_at < deadline ? e->retry_at : deadline;
		if (until <= now)
			continue;
		if (e->h) {
			curl_multi_poll(e->multi, NULL, 0, (int)((until - now) * 1000) + 1, NULL);
		} else {
			struct timespec ts = { (time_t)(until - now),
					       (long)((until - now - (double)(time_t)(until - now)) * 1e9) };

			nanosleep(&ts, NULL);	/* a signal ends it */
		}
	}
	return 0;
}
