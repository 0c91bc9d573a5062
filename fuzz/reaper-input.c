/* reaper-input.c - fuzz the reaper's parsers of outside data: the kill line
 * (first byte even) and the engine's answer to GET /containers/{id}/json
 * (first byte odd), that answer then fed as every answer of one kill line to
 * the state machine (kill.c), under statuses the first byte picks. A
 * reference it accepts must be fit for a URL path; whatever the engine says,
 * the killed line is one line of valid JSON. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "jv.h"
#include "kill.h"
#include "reaper.h"

static void
drive(const char *body, unsigned char sel)
{
	static const long statuses[] = { 200, 204, 304, 404, 409, 500, 503 };
	static struct docker *d;
	static struct jw w;
	struct policy pol = { .any = sel & 2 };
	struct kill_conf c = { .signal = "SIGKILL", .retry = 2, .pol = &pol,
			       .remove = (sel >> 2) & 1, .dry_run = (sel >> 3) & 1 };
	struct kill_req req;
	struct kill k;
	json_object *o;
	int i;

	if (!d && !(d = docker_new("unix:///nonexistent/cull-fuzz.sock")))
		abort();
	if (sel & 16)
		snprintf(d->api, sizeof d->api, "/v1.41");
	else
		d->api[0] = '\0';
	memset(&req, 0, sizeof req);
	snprintf(req.ref, sizeof req.ref, "web-1");
	kill_init(&k, &req, &c, 0);
	kill_start(&k, &c, d, 0);
	for (i = 0; i < 16; i++) {
		struct kill_answer a = { .rc = CURLE_OK, .body = body, .now = i * 0.5 };
		struct kill_call call;

		kill_call(&k, &c, a.now, &call);
		a.status = statuses[(sel / 32 + (unsigned)i * 3) % 7];
		if (kill_answer(&k, &c, d, &a) == KILL_DONE)
			break;
	}
	if (i == 16)
		kill_stop(&k);
	kill_line(&w, &k, &c, 0, 1, 0);
	if (memchr(w.buf, '\n', w.len) || !(o = jv_parse(fuzz_jv(), w.buf, w.len)))
		abort();	/* the killed line is one JSON line */
	json_object_put(o);
	kill_free(&k);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct jv *v = fuzz_jv();
	char *body, err[256];

	if (size < 1)
		return 0;
	if (data[0] % 2 == 0) {
		struct kill_req k;
		json_object *o = jv_parse(v, (const char *)data + 1, size - 1);

		memset(&k, 0, sizeof k);
		if (o && kill_req_parse(v, o, &k) == 0) {
			if (!reaper_ref_ok(k.ref) || strpbrk(k.ref, "/?#% \"\\"))
				abort();	/* would reach the URL */
			kill_req_free(&k);
		}
		json_object_put(o);
		return 0;
	}
	body = malloc(size);
	if (!body)
		return 0;
	memcpy(body, data + 1, size - 1);
	body[size - 1] = '\0';
	{
		struct target t, u;
		char err2[256];
		int r = target_parse(body, &t, err, sizeof err);

		if (r == 0 && (strlen(t.id) > 64 || memchr(t.name, '\0', sizeof t.name) == NULL))
			abort();
		/* the fast path decides as json-c's tree would */
		if (target_parse_jsonc(body, &u, err2, sizeof err2) != r ||
		    (r == 0 && (strcmp(t.id, u.id) || strcmp(t.name, u.name) || t.managed != u.managed ||
				t.running != u.running || strcmp(t.upper, u.upper))))
			abort();
	}
	drive(body, data[0]);
	free(body);
	return 0;
}
