/* docker.c - see docker.h */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "docker.h"
#include "err.h"

size_t
docker_buf_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct docker_buf *b = userdata;
	size_t n = size * nmemb;

	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *nb;

		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > DOCKER_BODY_MAX)
			return 0;	/* makes curl fail with CURLE_WRITE_ERROR */
		nb = realloc(b->data, cap);
		if (!nb)
			return 0;
		b->data = nb;
		b->cap = cap;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

static int
set_address(struct docker *d, const char *where)
{
	if (!where || !*where)
		where = getenv("DOCKER_HOST");
	if (!where || !*where)
		where = "unix://" DOCKER_SOCKET_DEFAULT;
	if (strncmp(where, "unix://", 7) == 0 || where[0] == '/') {
		const char *path = where[0] == '/' ? where : where + 7;

		if (!*path) {
			cull_warn("docker address \"%s\" has no socket path", where);
			return -1;
		}
		d->sock = strdup(path);
		if (!d->sock)
			return -1;
		snprintf(d->base, sizeof d->base, "http://localhost");
		return 0;
	}
	if (strncmp(where, "tcp://", 6) == 0 && where[6]) {
		const char *hp = where + 6;
		size_t n = strcspn(hp, "/");

		if (n >= sizeof d->base - 8) {
			cull_warn("docker address \"%s\" is too long", where);
			return -1;
		}
		snprintf(d->base, sizeof d->base, "http://%.*s", (int)n, hp);
		return 0;
	}
	cull_warn("docker address \"%s\" is not unix://PATH or tcp://HOST:PORT", where);
	return -1;
}

struct docker *
docker_new(const char *where)
{
	static int curl_ready;
	struct docker *d = calloc(1, sizeof *d);

	if (!d)
		return NULL;
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
			cull_warn("cannot start libcurl");
			free(d);
			return NULL;
		}
		curl_ready = 1;
	}
	d->timeout_ms = 10000;
	if (set_address(d, where) < 0 || !(d->h = curl_easy_init())) {
		docker_free(d);
		return NULL;
	}
	return d;
}

void
docker_free(struct docker *d)
{
	if (!d)
		return;
	if (d->h)
		curl_easy_cleanup(d->h);
	free(d->sock);
	free(d->body.data);
	free(d);
}

const char *
docker_where(const struct docker *d)
{
	return d->sock ? d->sock : d->base + 7;
}

void
docker_prepare(struct docker *d, CURL *h, const char *path, char *url, size_t urllen)
{
	snprintf(url, urllen, "%s%s%s", d->base, d->api, path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	if (d->sock)
		curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, d->sock);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, d->timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTP);
#endif
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
}

int
docker_call(struct docker *d, const char *method, const char *path, const char *body)
{
	struct curl_slist *hdr = NULL;
	char url[1024];
	CURLcode rc;

	curl_easy_reset(d->h);
	d->body.len = 0;
	if (d->body.data)
		d->body.data[0] = '\0';
	d->status = 0;
	d->err[0] = '\0';
	docker_prepare(d, d->h, path, url, sizeof url);
	curl_easy_setopt(d->h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(d->h, CURLOPT_WRITEFUNCTION, docker_buf_write);
	curl_easy_setopt(d->h, CURLOPT_WRITEDATA, &d->body);
	curl_easy_setopt(d->h, CURLOPT_ERRORBUFFER, d->err);
	if (body) {
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		curl_easy_setopt(d->h, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(d->h, CURLOPT_POSTFIELDS, body);
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(d->h, CURLOPT_POSTFIELDSIZE, 0L);
		curl_easy_setopt(d->h, CURLOPT_POSTFIELDS, "");
	}
	rc = curl_easy_perform(d->h);
	curl_slist_free_all(hdr);
	if (rc != CURLE_OK) {
		if (!d->err[0])
			snprintf(d->err, sizeof d->err, "%s", curl_easy_strerror(rc));
		if (rc == CURLE_WRITE_ERROR)
			snprintf(d->err, sizeof d->err, "answer larger than %zu bytes",
				 DOCKER_BODY_MAX);
		return -1;
	}
	curl_easy_getinfo(d->h, CURLINFO_RESPONSE_CODE, &d->status);
	if (!d->body.data && docker_buf_write((char *)"", 1, 0, &d->body) != 0)
		return -1;
	return 0;
}

/* "1.41" < "1.9"? Compare as major.minor numbers. */
static int
api_cmp(const char *a, const char *b)
{
	unsigned am = 0, an = 0, bm = 0, bn = 0;

	sscanf(a, "%u.%u", &am, &an);
	sscanf(b, "%u.%u", &bm, &bn);
	if (am != bm)
		return am < bm ? -1 : 1;
	return an < bn ? -1 : an > bn;
}

int
docker_pin_api(struct docker *d, const char *body)
{
	json_object *o, *f;
	const char *v;
	int ok = -1;

	o = body ? json_tokener_parse(body) : NULL;
	if (o && json_object_object_get_ex(o, "ApiVersion", &f) &&
	    json_object_is_type(f, json_type_string)) {
		v = json_object_get_string(f);
		if (strspn(v, "0123456789.") == strlen(v) && strlen(v) < 8 && strchr(v, '.')) {
			if (api_cmp(v, DOCKER_API_MAX) > 0)
				v = DOCKER_API_MAX;
			snprintf(d->api, sizeof d->api, "/v%s", v);
			ok = 0;
		}
	}
	if (ok < 0)
		snprintf(d->err, sizeof d->err, "GET /version: no ApiVersion in the answer");
	json_object_put(o);
	return ok;
}

int
docker_negotiate(struct docker *d)
{
	d->api[0] = '\0';
	if (docker_call(d, "GET", "/version", NULL) < 0)
		return -1;
	if (d->status != 200) {
		snprintf(d->err, sizeof d->err, "GET /version answered %ld", d->status);
		return -1;
	}
	return docker_pin_api(d, d->body.data);
}

const char *
docker_message(struct docker *d)
{
	json_object *o, *f;

	if (d->body.data && d->body.len) {
		o = json_tokener_parse(d->body.data);
		if (o && json_object_object_get_ex(o, "message", &f) &&
		    json_object_is_type(f, json_type_string)) {
			snprintf(d->err, sizeof d->err, "%s", json_object_get_string(f));
			json_object_put(o);
			return d->err;
		}
		json_object_put(o);
	}
	snprintf(d->err, sizeof d->err, "HTTP status %ld", d->status);
	return d->err;
}
