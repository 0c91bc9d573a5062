/* http.c - see http.h */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "mem.h"
#include "http.h"
#include "jstrict.h"
#include "logger.h"
#include "record.h"

const char *
http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 507: return "Insufficient Storage";
	case 505: return "HTTP Version Not Supported";
	}
	return "Unknown";
}

/* RFC 9110 token characters (method, header names). */
static int
is_tchar(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* The end of the head: the offset just after "\r\n\r\n" (or "\n\n"), or 0. */
static size_t
head_end(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static int
bad(const char **why, int status, const char *msg)
{
	*why = msg;
	return status;
}

/* Header value with surrounding blanks trimmed: [*v, *v + *n). */
static void
trim(const char **v, size_t *n)
{
	while (*n && (**v == ' ' || **v == '\t')) {
		(*v)++;
		(*n)--;
	}
	while (*n && ((*v)[*n - 1] == ' ' || (*v)[*n - 1] == '\t'))
		(*n)--;
}

static int
parse_length(const char *v, size_t n, long long *out)
{
	long long x = 0;
	size_t i;

	if (n == 0 || n > 18)
		return -1;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	*out = x;
	return 0;
}

/* The request line, METHOD SP target SP HTTP/1.x, at the start of
 * buf[0..end): 0 with rq's method, path, query and minor filled and *next
 * the offset of the first header line, or an HTTP status with *why. */
static int
request_line(const char *buf, size_t end, struct http_req *rq, const char **why, size_t *next)
{
	size_t i, j, n;
	const char *line, *target, *q;

	for (j = 0; j < end && is_tchar((unsigned char)buf[j]); j++)
		;
	if (j == 0 || j >= sizeof rq->method || buf[j] != ' ')
		return bad(why, 400, "bad request line (method)");
	memcpy(rq->method, buf, j);
	target = buf + j + 1;
	for (n = 0; target + n < buf + end && target[n] > ' ' && target[n] != 0x7f; n++)
		;
	if (n == 0 || target[0] != '/' || target[n] != ' ')
		return bad(why, 400, "bad request line (target)");
	if (n >= sizeof rq->path)
		return bad(why, 414, "the request target is longer than 255 bytes");
	q = memchr(target, '?', n);
	if (q) {
		memcpy(rq->path, target, (size_t)(q - target));
		memcpy(rq->query, q + 1, n - (size_t)(q - target) - 1);
	} else {
		memcpy(rq->path, target, n);
	}
	line = target + n + 1;
	if ((size_t)(buf + end - line) < 10 || memcmp(line, "HTTP/1.", 7) != 0) {
		if ((size_t)(buf + end - line) >= 5 && memcmp(line, "HTTP/", 5) == 0)
			return bad(why, 505, "only HTTP/1.0 and HTTP/1.1 are spoken here");
		return bad(why, 400, "bad request line (version)");
	}
	if (line[7] != '0' && line[7] != '1')
		return bad(why, 505, "only HTTP/1.0 and HTTP/1.1 are spoken here");
	rq->minor = line[7] - '0';
	i = (size_t)(line - buf) + 8;
	if (buf[i] == '\r')
		i++;
	if (buf[i] != '\n')
		return bad(why, 400, "bad request line (version)");
	*next = i + 1;
	return 0;
}

/* One header field, name ":" OWS value OWS, in name[0..eol) (eol at its
 * '\n'): 0 (what rq needs of it kept), or an HTTP status with *why. */
static int
header_field(const char *name, const char *eol, struct http_req *rq, const char **why)
{
	const char *val;
	size_t nlen, vlen, j;

	for (nlen = 0; name + nlen < eol && is_tchar((unsigned char)name[nlen]); nlen++)
		;
	if (nlen == 0 || name[nlen] != ':')
		return bad(why, 400, "bad header line (a name, then ':')");
	val = name + nlen + 1;
	vlen = (size_t)(eol - val);
	if (vlen && val[vlen - 1] == '\r')
		vlen--;
	for (j = 0; j < vlen; j++)
		if (((unsigned char)val[j] < 0x20 && val[j] != '\t') || val[j] == 0x7f)
			return bad(why, 400, "control character in a header");
	trim(&val, &vlen);
	if (nlen == 14 && strncasecmp(name, "Content-Length", 14) == 0) {
		long long x;

		if (parse_length(val, vlen, &x) < 0)
			return bad(why, 400, "bad Content-Length");
		if (rq->length >= 0 && rq->length != x)
			return bad(why, 400, "two different Content-Length headers");
		rq->length = x;
	} else if (nlen == 17 && strncasecmp(name, "Transfer-Encoding", 17) == 0) {
		rq->chunked = 1;
	} else if (nlen == 6 && strncasecmp(name, "Expect", 6) == 0) {
		if (vlen == 12 && strncasecmp(val, "100-continue", 12) == 0)
			rq->expect_continue = 1;
	}
	return 0;
}

int
http_parse_head(const char *buf, size_t len, struct http_req *rq, const char **why)
{
	size_t end = head_end(buf, len), i = 0;
	int r;

	memset(rq, 0, sizeof *rq);
	rq->length = -1;
	*why = "";
	if (!end) {
		/* a stray byte that can never start a request is bad at once */
		if (len > 0 && !is_tchar((unsigned char)buf[0]) && buf[0] != '\r' && buf[0] != '\n')
			return bad(why, 400, "not an HTTP request");
		if (len >= HTTP_HEAD_MAX)
			return bad(why, 431, "the request head is longer than 8192 bytes");
		return 0;
	}
	if (end > HTTP_HEAD_MAX)
		return bad(why, 431, "the request head is longer than 8192 bytes");
	rq->head_len = end;
	if ((r = request_line(buf, end, rq, why, &i)) != 0)
		return r;
	while (i < end) {
		const char *name = buf + i, *eol = memchr(buf + i, '\n', end - i);

		if (!eol)
			return bad(why, 400, "bad header line");
		if (name == eol || (name[0] == '\r' && name + 1 == eol))
			break;	/* the blank line */
		if ((r = header_field(name, eol, rq, why)) != 0)
			return r;
		i = (size_t)(eol - buf) + 1;
	}
	if (rq->chunked && rq->length >= 0)
		return bad(why, 400, "both Content-Length and Transfer-Encoding");
	return 1;
}

/* The first key=VALUE of a query string: its value's bytes as written
 * (percent-encoding untouched) in *v, *vlen. 1 found, 0 absent. */
static int
query_value(const char *query, const char *key, const char **v, size_t *vlen)
{
	size_t klen = strlen(key);
	const char *p = query;

	while (p && *p) {
		const char *amp = strchr(p, '&');
		size_t plen = amp ? (size_t)(amp - p) : strlen(p);

		if (plen > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			*v = p + klen + 1;
			*vlen = plen - klen - 1;
			return 1;
		}
		p = amp ? amp + 1 : NULL;
	}
	return 0;
}

int
http_query_num(const char *query, const char *key, long long min, long long max,
	       long long *out)
{
	long long x = 0;
	const char *v;
	size_t n, i;

	if (!query_value(query, key, &v, &n))
		return 0;
	if (n == 0 || n > 12)
		return -1;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	if (x < min || x > max)
		return -1;
	*out = x;
	return 1;
}

int
logger_host_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= HTTP_HOST_MAX && strspn(s,
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

int
http_query_host(const char *query, char host[HTTP_HOST_MAX + 1])
{
	const char *v;
	size_t n;

	if (!query_value(query, "host", &v, &n))
		return 0;
	if (n == 0 || n > HTTP_HOST_MAX)
		return -1;
	memcpy(host, v, n);
	host[n] = '\0';
	return logger_host_ok(host) ? 1 : -1;
}

int
http_stamp_host(struct cull_linebuf *lines, const char *host)
{
	struct cull_linebuf out = { 0 };
	size_t i = 0, hl = strlen(host);
	const char *v;
	size_t vlen;
	int stamped = 0;

	while (i < lines->len) {
		const char *line = lines->buf + i;
		size_t n = (size_t)((const char *)memchr(line, '\n', lines->len - i) - line);

		if (n > 2 && line[0] == '{' && !jstrict_member(line, n, "host", &v, &vlen)) {
			char *at;

			/* {"host":"NAME", then the rest after the brace */
			out.buf = cull_grow(out.buf, &out.cap, out.len + n + hl + 13, 1);
			at = out.buf + out.len;
			memcpy(at, "{\"host\":\"", 9);
			memcpy(at + 9, host, hl);
			memcpy(at + 9 + hl, "\",", 2);
			memcpy(at + 11 + hl, line + 1, n - 1);
			at[10 + hl + n] = '\n';
			out.len += n + hl + 11;
			out.count++;
			stamped++;
		} else {
			cull_linebuf_put(&out, line, n);
		}
		i += n + 1;
	}
	free(lines->buf);
	*lines = out;
	return stamped;
}

/* ---- POST /logs bodies ---- */

void
http_lines_free(struct cull_linebuf *l)
{
	free(l->buf);
	memset(l, 0, sizeof *l);
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* What a JSON value is, from its first byte (it passed jstrict_check). */
static const char *
kind(char c)
{
	switch (c) {
	case '{': return "an object";
	case '[': return "an array";
	case '"': return "a string";
	case 't': case 'f': return "a boolean";
	case 'n': return "null";
	}
	return "a number";
}

/* One value, compacted, as a log line: the bytes that were checked, never
 * a re-serialisation (json-c would turn 123456789012345678901234567890
 * into 18446744073709551615 and -0 into 0, decode escapes and keep one of
 * two equal names). 0, or -1 with the reason in v->err. */
static int
put_record(struct jv *v, const char *s, size_t n, struct cull_linebuf *out)
{
	struct rec_fields jr;
	const char *why;
	size_t at;

	if (s[0] != '{')
		return jv_fail(v, "not a JSON object but %s", kind(s[0]));
	if ((why = rec_strict(s, n, &jr, &at)) != NULL) {
		rec_why_not(v, s, n, why, at);
		return -1;
	}
	cull_linebuf_put(out, s, n);
	return 0;
}

/* A compacted array c[0..n) of values: each one through put_record. */
static int
put_items(struct jv *v, const char *c, size_t n, struct cull_linebuf *out, char *err,
	  size_t errsize)
{
	size_t i, item = 1, depth = 0;
	const char *start = c + 1;
	int in_str = 0;

	if (n == 2)
		return 0;	/* [] */
	for (i = 1; i < n; i++) {
		if (in_str) {
			if (c[i] == '\\')
				i++;
			else if (c[i] == '"')
				in_str = 0;
			continue;
		}
		if (c[i] == '"') {
			in_str = 1;
		} else if (c[i] == '{' || c[i] == '[') {
			depth++;
		} else if (depth > 0 && (c[i] == '}' || c[i] == ']')) {
			depth--;
		} else if (depth == 0 && (c[i] == ',' || c[i] == ']')) {
			if (put_record(v, start, (size_t)(c + i - start), out) < 0) {
				snprintf(err, errsize, "item %zu: %s", item, v->err);
				return -1;
			}
			start = c + i + 1;
			item++;
		}
	}
	return 0;
}

/* The body is one JSON value (json-c took it whole): checked strictly,
 * compacted, and stored as one record or an array's items. */
static long
one_value(struct jv *v, const char *body, size_t len, struct cull_linebuf *out, char *err,
	  size_t errsize)
{
	const char *why;
	size_t at, n;
	long r = 0;
	char *c;

	if ((why = jstrict_check(body, len, &at)) != NULL) {
		snprintf(err, errsize, "not JSON: %s at byte %zu", why, at + 1);
		return -1;
	}
	/* store the checked bytes, without the white space between tokens
	 * (NDJSON: one record, one line) */
	c = malloc(len);
	if (!c)
		cull_die(CULL_EXIT_FAIL, "fatal: out of memory");
	n = jstrict_compact(body, len, c);
	if (c[0] == '[') {
		r = put_items(v, c, n, out, err, errsize);
	} else if (put_record(v, c, n, out) < 0) {
		snprintf(err, errsize, "%s", v->err);
		r = -1;
	}
	free(c);
	return r < 0 ? -1 : (long)out->count;
}

/* NDJSON: one record a line, blank lines allowed, each stored as it came
 * (strict and a record) without the white space around it. */
static long
ndjson(struct jv *v, const char *body, size_t len, struct cull_linebuf *out, char *err,
       size_t errsize)
{
	struct rec_fields jr;
	const char *why;
	size_t start, lineno, at;

	for (start = 0, lineno = 1; start < len; lineno++) {
		const char *nl = memchr(body + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - body) : len, a = start, b = end;

		start = end + 1;
		while (a < b && is_ws(body[a]))
			a++;
		while (b > a && is_ws(body[b - 1]))
			b--;
		if (a == b)
			continue;
		if ((why = rec_strict(body + a, b - a, &jr, &at)) != NULL) {
			rec_why_not(v, body + a, b - a, why, at);
			snprintf(err, errsize, "line %zu: %s", lineno, v->err);
			return -1;
		}
		cull_linebuf_put(out, body + a, b - a);
	}
	return (long)out->count;
}

long
http_body_lines(struct jv *v, const char *body, size_t len, struct cull_linebuf *out,
		char *err, size_t errsize)
{
	json_object *o;
	enum json_tokener_error e;
	size_t i, off;

	out->len = out->count = 0;
	for (i = 0; i < len && is_ws(body[i]); i++)
		;
	if (i == len) {
		snprintf(err, errsize, "the body is empty");
		return -1;
	}
	if (len > INT32_MAX) {
		snprintf(err, errsize, "the body is too large");
		return -1;
	}
	/* first the whole body as one JSON value: an object (maybe spread over
	 * lines) or an array of objects */
	json_tokener_reset(v->tok);
	o = json_tokener_parse_ex(v->tok, body, (int)len);
	json_object_put(o);
	e = json_tokener_get_error(v->tok);
	off = json_tokener_get_parse_end(v->tok);
	if (e == json_tokener_success) {
		for (i = off; i < len && is_ws(body[i]); i++)
			;
		if (i == len)
			return one_value(v, body, len, out, err, errsize);
	}
	if (e != json_tokener_success && memchr(body, '\n', len) == NULL) {
		snprintf(err, errsize, "not JSON: %s at byte %zu",
			 e == json_tokener_continue ? "the body ends inside a value" :
			 json_tokener_error_desc(e), off + 1);
		return -1;
	}
	return ndjson(v, body, len, out, err, errsize);
}
