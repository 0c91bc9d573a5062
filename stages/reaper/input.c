/*
 * input.c - stdin: kill lines into the queue of jobs, every other line to
 * stdout unchanged, a bad line warned with its number and skipped. A pipe is
 * read without blocking, so one slow writer never holds up kills in flight.
 *
 *   {"type":"kill","seq":7,"id":"<64 hex>",…}   -> jobs_add (request.c parses)
 *   {"type":"mem",…}                            -> stdout, byte for byte
 *
 * A line that passes on is checked by jstrict alone (passes(), below).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "err.h"
#include "jstrict.h"
#include "kill.h"
#include "reaper.h"

void
input_open(struct input *in)
{
	struct stat st;

	memset(in, 0, sizeof *in);
	if (fstat(0, &st) == 0 && S_ISFIFO(st.st_mode)) {
		in->flags = fcntl(0, F_GETFL);
		if (in->flags >= 0 && fcntl(0, F_SETFL, in->flags | O_NONBLOCK) == 0)
			in->nonblock = 1;
	}
	cull_lines_init(&in->lines, 0, 0);
	jv_init(&in->jv);
}

void
input_restore(const struct input *in)
{
	if (in->nonblock)
		fcntl(0, F_SETFL, in->flags);
}

void
input_close(struct input *in)
{
	input_restore(in);
	cull_lines_free(&in->lines);
	jv_fini(&in->jv);
}

/*
 * Does the line pass on as it is? Yes when it is strict JSON whose "type"
 * (the last one, as json-c reads it) is a string without escapes other than
 * "kill": jstrict's check alone, without json-c's tree (about ten times
 * faster; every snapshot's mem and rank lines pass through the reaper). Any
 * other line, kill lines and faulty ones, goes to jv_parse as before, which
 * says what is wrong with it.
 */
static int
passes(const char *line, size_t len)
{
	const char *v;
	size_t vlen, at;

	if (jstrict_check(line, len, &at) || !jstrict_member(line, len, "type", &v, &vlen))
		return 0;
	return vlen > 2 && v[0] == '"' && !memchr(v + 1, '\\', vlen - 2) &&
	       !(vlen == 6 && memcmp(v + 1, "kill", 4) == 0);
}

/* Write the line and its newline (the reader keeps the byte after it). */
static int
pass_on(char *line, size_t len)
{
	int rc = 0;

	line[len] = '\n';
	if (fwrite(line, 1, len + 1, stdout) != len + 1)
		rc = -1;
	line[len] = '\0';
	return rc;
}

/* One line: 0, or -1 when stdout failed. */
static int
on_line(struct input *in, struct jobs *js, char *line, size_t len)
{
	unsigned long n = in->lines.lineno;
	json_object *o;
	struct kill_req req;
	const char *type;
	int rc = 0;

	if (len <= INT32_MAX && passes(line, len))
		return pass_on(line, len);
	o = jv_parse(&in->jv, line, len);
	if (!o) {
		cull_warn("line %lu: %s", n, in->jv.err);
		return 0;
	}
	jv_where(&in->jv, "%s", "");
	if (jv_str(&in->jv, o, "type", JV_REQ, &type, NULL) < 0) {
		cull_warn("line %lu: %s", n, in->jv.err);
	} else if (strcmp(type, "kill") != 0) {
		rc = pass_on(line, len);
	} else if (kill_req_parse(&in->jv, o, &req) < 0) {
		cull_warn("line %lu: %s", n, in->jv.err);
	} else {
		jobs_add(js, &req, cull_mono());
	}
	json_object_put(o);
	return rc;
}

int
input_read(struct input *in, struct jobs *js, const volatile sig_atomic_t *stop)
{
	char *line;
	ssize_t n;

	while (!in->eof && !*stop && !jobs_full(js)) {
		n = cull_lines_next(&in->lines, &line);
		if (n >= 0) {
			if (on_line(in, js, line, (size_t)n) < 0)
				return -1;
		} else if (n == CULL_LINE_TOOLONG) {
			cull_warn("line %lu: longer than %zu bytes", in->lines.lineno, in->lines.max);
		} else if (n == CULL_LINE_EOF) {
			in->eof = 1;
		} else if (n == CULL_LINE_ERR) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			cull_warn("cannot read stdin:");
			in->eof = in->failed = 1;
		}
	}
	return 0;
}
