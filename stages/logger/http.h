/*
 * http.h - the HTTP/1.1 request head, parsed apart from any I/O so it can be
 * tested alone, and the body of POST /logs turned into log lines.
 *
 *	POST /logs HTTP/1.1\r\n
 *	Host: 127.0.0.1:8000\r\n
 *	Content-Length: 57\r\n
 *	\r\n
 *
 * One request per connection: the answer always says Connection: close.
 */
#ifndef CULL_HTTP_H
#define CULL_HTTP_H

#include <stddef.h>
#include "jv.h"
#include "mem.h"

#define HTTP_HEAD_MAX 8192	/* bytes of request line and headers */

struct http_req {
	char method[16];
	char path[256];		/* target before '?', percent-encoding untouched */
	char query[256];	/* after '?', or "" */
	int minor;		/* HTTP/1.<minor> */
	long long length;	/* Content-Length, -1 when absent */
	int expect_continue;	/* Expect: 100-continue */
	int chunked;		/* Transfer-Encoding present */
	size_t head_len;	/* bytes of the head, with its blank line */
};

/*
 * Parse the head at the start of buf[0..len). Returns 1 when it is whole and
 * good (rq filled), 0 when more bytes are needed, or an HTTP status (400,
 * 414, 431, 505) with *why set to a sentence when it is bad.
 */
int http_parse_head(const char *buf, size_t len, struct http_req *rq, const char **why);

/* The value of key=N in a query string: 1 found and valid (within
 * [min,max]), 0 absent, -1 present but not a whole number in range. */
int http_query_num(const char *query, const char *key, long long min, long long max,
		   long long *out);

/* ?host=NAME: 1 found and valid (logger_host_ok, copied into host), 0
 * absent, -1 present but not a host name. */
#define HTTP_HOST_MAX 64
int http_query_host(const char *query, char host[HTTP_HOST_MAX + 1]);

/* Put "host":"NAME" first in every line (a JSON object) of lines that has
 * no "host" member of its own; a line that has one keeps it (a relay's
 * lines are another host's). Returns how many were stamped. */
int http_stamp_host(struct cull_linebuf *lines, const char *host);

const char *http_reason(int status);

/*
 * Turn a body (a JSON object, an array of objects, or NDJSON) into log
 * lines, all or nothing: returns the number of records, or -1 with a sentence
 * in err ("line 3: \"ts\" is missing", "item 2: not a JSON object but a
 * number"). Every record must pass rec_check().
 */
long http_body_lines(struct jv *v, const char *body, size_t len, struct cull_linebuf *out,
		     char *err, size_t errsize);
void http_lines_free(struct cull_linebuf *l);

#endif
