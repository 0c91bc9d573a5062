/* logger-http.c - fuzz the logger's HTTP request head parser, its query
 * reader, the POST /logs body splitter and ?host= stamping (every line it
 * accepts for the log, stamped, must be one whole JSON object on one line,
 * and a record) and the record rule itself (a record is strict JSON with
 * its type inside it). */
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "jstrict.h"
#include "fuzz.h"
#include "jv.h"
#include "logger.h"
#include "record.h"

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct jv *v = fuzz_jv();
	struct http_req rq;
	struct cull_linebuf out = {0};
	const char *why;
	char err[256];
	long long n;
	size_t i, start = 0;

	if (size < 1)
		return 0;
	if (data[0] % 4 == 1) {
		/* the record rule alone: a record is a strict value, its type
		 * inside it; a refusal points inside the input */
		struct rec_fields f;
		const char *s = (const char *)data + 1;
		size_t at;

		if (rec_strict(s, size - 1, &f, &at) == NULL) {
			if (jstrict_check(s, size - 1, &at) != NULL || f.type < s ||
			    f.type_len == 0 || f.type + f.type_len > s + size - 1)
				abort();
		} else if (at > size - 1) {
			abort();
		}
		return 0;
	}
	if (data[0] % 2 == 0) {
		if (http_parse_head((const char *)data + 1, size - 1, &rq, &why) == 0) {
			if (rq.head_len > size - 1 || !memchr(rq.path, '\0', sizeof rq.path))
				abort();
			char host[HTTP_HOST_MAX + 1];

			http_query_num(rq.query, "tail", 0, 1000000, &n);
			if (http_query_host(rq.query, host) > 0 && !logger_host_ok(host))
				abort();
		}
		return 0;
	}
	if (http_body_lines(v, (const char *)data + 1, size - 1, &out, err, sizeof err) > 0) {
		long count = (long)out.count;

		if (data[0] % 8 == 3)
			http_stamp_host(&out, "node-1.example");
		if ((long)out.count != count)
			abort();	/* stamping neither adds nor drops a line */
		for (i = 0; i < out.len; i++) {
			if (out.buf[i] != '\n')
				continue;
			json_object *o = jv_parse(v, out.buf + start, i - start);
			struct rec_fields jr;
			size_t at;

			if (!o || !json_object_is_type(o, json_type_object) ||
			    rec_strict(out.buf + start, i - start, &jr, &at) != NULL)
				abort();
			json_object_put(o);
			start = i + 1;
		}
		if (start != out.len)
			abort();	/* a line without its newline */
	}
	http_lines_free(&out);
	return 0;
}
