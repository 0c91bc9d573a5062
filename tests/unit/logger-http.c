/* logger-http.c - the HTTP request head and the POST /logs body, parsed
 * without any I/O: good requests, every refusal with its status, bounds. */
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "jv.h"
#include "tap.h"

static int
parse(const char *s, struct http_req *rq, const char **why)
{
	return http_parse_head(s, strlen(s), rq, why);
}

static void
test_head(void)
{
	struct http_req rq;
	const char *why;
	char *big;
	size_t i;
	static const struct {
		const char *req;
		int status;
		const char *what;
	} bad[] = {
		{ "GET /x HTTP/2.0\r\n\r\n", 505, "HTTP/2 refused" },
		{ "GET /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "negative length" },
		{ "GET /x HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", 400, "length with junk" },
		{ "GET /x HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 400,
		  "length too long" },
		{ "GET /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400,
		  "two lengths" },
		{ "POST /x HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
		  400, "length and chunked (request smuggling)" },
		{ "GET x HTTP/1.1\r\n\r\n", 400, "target not starting with /" },
		{ "GET /x\r\n\r\n", 400, "HTTP/0.9 line" },
		{ "GET  /x HTTP/1.1\r\n\r\n", 400, "two spaces" },
		{ "G(T /x HTTP/1.1\r\n\r\n", 400, "bad method character" },
		{ "GET /x HTTP/1.1\r\nBad Header: 1\r\n\r\n", 400, "space in a header name" },
		{ "GET /x HTTP/1.1\r\nX: a\x01" "b\r\n\r\n", 400, "control byte in a value" },
		{ "\x16\x03\x01\x02\x00", 400, "TLS hello at once" },
	};

	is_int(parse("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n", &rq, &why), 1, "simple GET");
	is_str(rq.method, "GET", "method");
	is_str(rq.path, "/healthz", "path");
	is_int(rq.length, -1, "no Content-Length");
	is_int(rq.minor, 1, "HTTP/1.1");
	is_int(parse("POST /logs?tail=5&x=y HTTP/1.0\nContent-length:  12 \n\n{\"a\"", &rq, &why),
	       1, "bare LF line ends, HTTP/1.0");
	is_str(rq.path, "/logs", "path without query");
	is_str(rq.query, "tail=5&x=y", "query");
	is_int(rq.length, 12, "Content-Length, any case, blanks trimmed");
	is_int((long long)rq.head_len, 53, "head length points at the body");
	is_int(parse("POST /logs HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n",
		     &rq, &why), 1, "Expect");
	ok(rq.expect_continue, "Expect: 100-continue seen");
	is_int(parse("GET /x HTTP/1.1\r\nHost: a\r\n", &rq, &why), 0, "incomplete head: need more");
	is_int(parse("", &rq, &why), 0, "nothing yet: need more");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int r = parse(bad[i].req, &rq, &why);

		is_int(r, bad[i].status, "%s -> %d (%s)", bad[i].what, bad[i].status, why);
	}
	big = malloc(HTTP_HEAD_MAX + 100);
	memcpy(big, "GET /x HTTP/1.1\r\nX: ", 20);
	memset(big + 20, 'a', HTTP_HEAD_MAX + 79);
	big[HTTP_HEAD_MAX + 99] = '\0';
	is_int(http_parse_head(big, HTTP_HEAD_MAX, &rq, &why), 431, "endless header -> 431");
	memcpy(big + HTTP_HEAD_MAX + 95, "\r\n\r\n", 4);
	is_int(http_parse_head(big, HTTP_HEAD_MAX + 99, &rq, &why), 431, "long head -> 431");
	memcpy(big, "GET /", 5);
	memset(big + 5, 'a', 400);
	memcpy(big + 405, " HTTP/1.1\r\n\r\n", 13);
	is_int(http_parse_head(big, 418, &rq, &why), 414, "long target -> 414");
	free(big);
}

static void
test_query(void)
{
	long long n = 0;

	is_int(http_query_num("tail=20", "tail", 1, 100, &n), 1, "tail=20");
	is_int(n, 20, "value");
	is_int(http_query_num("a=1&tail=3", "tail", 1, 100, &n), 1, "second pair");
	is_int(n, 3, "value");
	is_int(http_query_num("", "tail", 1, 100, &n), 0, "absent");
	is_int(http_query_num("tails=3", "tail", 1, 100, &n), 0, "other key");
	is_int(http_query_num("tail=0", "tail", 1, 100, &n), -1, "below range");
	is_int(http_query_num("tail=101", "tail", 1, 100, &n), -1, "above range");
	is_int(http_query_num("tail=-1", "tail", 1, 100, &n), -1, "sign");
	is_int(http_query_num("tail=", "tail", 1, 100, &n), -1, "empty");
	is_int(http_query_num("tail=99999999999999999999", "tail", 1, 100, &n), -1, "huge");
}

static void
test_host(void)
{
	char h[HTTP_HOST_MAX + 1] = "";
	char big[80];
	struct cull_linebuf l = { 0 };
	const char *in = "{\"type\":\"mem\",\"ts\":1}\n{\"host\":\"b\",\"type\":\"x\",\"ts\":2}\n"
			 "{\"type\":\"x\",\"ts\":3,\"h\\u006fst\":\"c\"}\n";

	is_int(http_query_host("host=web-1.example_2", h), 1, "host=web-1.example_2");
	is_str(h, "web-1.example_2", "  its value");
	is_int(http_query_host("tail=3&host=a", h), 1, "host= after another key");
	is_int(http_query_host("tail=3", h), 0, "no host=");
	is_int(http_query_host("host=", h), -1, "empty");
	is_int(http_query_host("host=a%20b", h), -1, "percent-encoded space");
	is_int(http_query_host("host=a/b", h), -1, "a slash");
	is_int(http_query_host("host=\"x\"", h), -1, "a quote");
	memset(big, 'a', sizeof big);
	memcpy(big, "host=", 5);
	big[5 + HTTP_HOST_MAX] = '\0';
	is_int(http_query_host(big, h), 1, "64 characters");
	big[5 + HTTP_HOST_MAX] = 'a';
	big[6 + HTTP_HOST_MAX] = '\0';
	is_int(http_query_host(big, h), -1, "65 characters");

	cull_linebuf_put(&l, in, strlen(in) - 1);
	l.count = 3;
	is_int(http_stamp_host(&l, "n1"), 1, "one line of three stamped");
	{
		const char *want = "{\"host\":\"n1\",\"type\":\"mem\",\"ts\":1}\n"
				   "{\"host\":\"b\",\"type\":\"x\",\"ts\":2}\n"
				   "{\"type\":\"x\",\"ts\":3,\"h\\u006fst\":\"c\"}\n";

		ok(l.len == strlen(want) && memcmp(l.buf, want, l.len) == 0,
		   "  a line with host, escaped or not, keeps it");
	}
	is_int(l.count, 3, "  still three lines");
	http_lines_free(&l);
}

static void
test_body(void)
{
	struct cull_linebuf l = { 0 };
	struct jv v;
	char err[400];
	static const struct {
		const char *body;
		long want;
		const char *out;	/* the log lines, or the error */
	} cases[] = {
		{ "{\"type\":\"a\",\"ts\":1}", 1, "{\"type\":\"a\",\"ts\":1}\n" },
		{ "{\n  \"type\": \"a\",\n  \"ts\": 1\n}\n", 1, "{\"type\":\"a\",\"ts\":1}\n" },
		{ "[{\"type\":\"a\",\"ts\":1},{\"ts\":2.5,\"type\":\"b\"}]", 2,
		  "{\"type\":\"a\",\"ts\":1}\n{\"ts\":2.5,\"type\":\"b\"}\n" },
		{ "[]", 0, "" },
		{ "{\"type\":\"a\",\"ts\":1}\n\n {\"type\":\"b\",\"ts\":2} \r\n", 2,
		  "{\"type\":\"a\",\"ts\":1}\n{\"type\":\"b\",\"ts\":2}\n" },
		{ "", -1, "the body is empty" },
		{ "  \n", -1, "the body is empty" },
		{ "[1]", -1, "item 1: not a JSON object but a number" },
		{ "[{\"type\":\"a\",\"ts\":1},{}]", -1, "item 2: \"type\" is missing" },
		{ "{\"type\":\"a\",\"ts\":1}\n{\"type\":\"b\"}", -1, "line 2: \"ts\" is missing" },
		{ "{\"type\":\"a\",\"ts\":1}\nnope", -1, "line 2: not JSON: null expected at byte 2" },
		{ "{\"type\":\"a\",\"ts\":NaN}", -1, "not JSON: NaN or Infinity is not a number at byte 18" },
		{ "\"x\"", -1, "not a JSON object but a string" },
		{ "{\"type\":\"a\"", -1, "not JSON: the body ends inside a value at byte 12" },
		/* the bytes that passed the check are what is stored: no number
		 * rewritten, no escape decoded, no duplicate collapsed */
		{ "{\"type\":\"a\",\"ts\":1,\"n\":123456789012345678901234567890,\"z\":-0,"
		  "\"f\":1.10e+2,\"e\":\"\\u00e9\\/\",\"d\":1,\"d\":2}", 1,
		  "{\"type\":\"a\",\"ts\":1,\"n\":123456789012345678901234567890,\"z\":-0,"
		  "\"f\":1.10e+2,\"e\":\"\\u00e9\\/\",\"d\":1,\"d\":2}\n" },
		{ "[ {\"type\":\"a\",\"ts\":1e0,\"s\":\" [ , ] \\\" \"} ,\n\t{\"ts\":-0.0,\"type\":\"b\",\"v\":[1, {}]} ]", 2,
		  "{\"type\":\"a\",\"ts\":1e0,\"s\":\" [ , ] \\\" \"}\n{\"ts\":-0.0,\"type\":\"b\",\"v\":[1,{}]}\n" },
		{ "{\"type\":\"x\",\"ts\":1,\"t\\u0073\":\"bad\"}", -1,
		  "\"ts\" appears twice at byte 20 (write \"type\" and \"ts\" once each)" },
		{ "[{\"type\":\"x\",\"ts\":1},{\"type\":\"x\",\"ts\":1,\"ts\":2}]", -1,
		  "item 2: \"ts\" appears twice at byte 20 (write \"type\" and \"ts\" once "
		  "each)" },
		{ "[{\"type\":\"x\",\"ts\":1},[]]", -1, "item 2: not a JSON object but an array" },
		{ "[{\"type\":\"x\",\"ts\":1},null]", -1, "item 2: not a JSON object but null" },
	};
	size_t i;

	jv_init(&v);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		long n = http_body_lines(&v, cases[i].body, strlen(cases[i].body), &l, err, sizeof err);
		char got[400];

		if (n >= 0)
			snprintf(got, sizeof got, "%.*s", (int)l.len, l.buf ? l.buf : "");
		else
			snprintf(got, sizeof got, "%s", err);
		is_int(n, cases[i].want, "body %zu: count", i + 1);
		is_str(got, cases[i].out, "body %zu: %s", i + 1, n >= 0 ? "lines" : "reason");
	}
	http_lines_free(&l);
	jv_fini(&v);
}

int
main(void)
{
	test_head();
	test_query();
	test_host();
	test_body();
	return tap_done();
}
