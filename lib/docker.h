/*
 * docker.h - a small Docker Engine API client over libcurl.
 *
 * Where the engine is: an explicit "unix:///path", "/path" or
 * "tcp://host:port", else $DOCKER_HOST as the docker CLI reads it, else
 * unix:///var/run/docker.sock. One easy handle, reused, so requests share
 * one keep-alive connection. The API version is negotiated once
 * (GET /version) and pinned in every path: "/v1.41/containers/json".
 *
 * docker_call() returns 0 when the engine answered (whatever the HTTP
 * status: 404 "no such container" is an answer) and -1 when it did not
 * (socket missing, refused, timed out): two different events.
 */
#ifndef CULL_DOCKER_H
#define CULL_DOCKER_H

#include <stddef.h>
#include <curl/curl.h>

#define DOCKER_SOCKET_DEFAULT "/var/run/docker.sock"
#define DOCKER_API_MAX "1.41"	/* newest API version this client speaks */
#define DOCKER_BODY_MAX ((size_t)32 << 20)	/* answers larger than this are cut off: an error */

struct docker_buf {
	char *data;
	size_t len, cap;
};

struct docker {
	CURL *h;
	char *sock;		/* unix socket path, NULL for tcp */
	char base[256];		/* "http://localhost" or "http://host:port" */
	char api[24];		/* "/v1.41" once negotiated, "" before */
	long timeout_ms;	/* whole-request bound, default 10 s */
	long status;		/* HTTP status of the last answer */
	struct docker_buf body;	/* body of the last answer, NUL-terminated */
	char err[CURL_ERROR_SIZE + 64];	/* why the last call failed */
};

/* where may be NULL. Returns NULL (with a message on stderr) when the
 * address cannot be understood or libcurl cannot start. */
struct docker *docker_new(const char *where);
void docker_free(struct docker *d);

/* Human form of the address, for messages: "/var/run/docker.sock". */
const char *docker_where(const struct docker *d);

/* One request. path starts with '/', without the version prefix; body is
 * JSON or NULL. */
int docker_call(struct docker *d, const char *method, const char *path, const char *body);

/* GET /version and pin min(engine's ApiVersion, DOCKER_API_MAX). Returns 0,
 * or -1 when the engine did not answer or answered nonsense. */
int docker_negotiate(struct docker *d);

/* The second half of docker_negotiate for callers that fetched GET /version
 * themselves (the reaper, through its multi handle): pin the version found in
 * body. Returns 0, or -1 with d->err set. */
int docker_pin_api(struct docker *d, const char *body);

/* The engine's own message from an error answer ({"message":"..."}), or a
 * short description of the status when the body has none. */
const char *docker_message(struct docker *d);

/* Set on h the options every request to this engine shares (socket, timeouts,
 * error buffer not included), for callers driving their own handles (the
 * reaper's multi interface). Returns the URL for path in url. */
void docker_prepare(struct docker *d, CURL *h, const char *path, char *url, size_t urllen);

/* libcurl write callback appending into a struct docker_buf, bounded by
 * DOCKER_BODY_MAX. */
size_t docker_buf_write(char *ptr, size_t size, size_t nmemb, void *userdata);

#endif
