/*
 * record.h - what the logger accepts and what it tells people.
 *
 * A record is one JSON object with "type" (a string) and "ts" (a finite
 * number, Unix seconds), as every cull stream line is (DESIGN.md "Streams"):
 *	{"type":"mem","ts":1700000000.5,"used_pct":61.2,...}
 * Anything else is refused with one sentence in v->err.
 */
#ifndef CULL_RECORD_H
#define CULL_RECORD_H

#include <stddef.h>
#include "jv.h"

/* The record rule, without json-c (the fast path of intake, POST /logs and
 * plot): one object, RFC 8259 strict (lib/jstrict.h), with "type" a
 * non-empty string and "ts" a finite number within +-1e12 (Unix seconds),
 * each once at its top level. Names are compared by their decoded value,
 * so "t\u0073" is "ts": a second "type" or "ts", escaped or not, is
 * refused ("\"ts\" appears twice"), as readers would disagree on which one
 * counts (json-c and jq take the last). */
struct rec_fields {
	const char *type;	/* raw bytes of the "type" string, no quotes */
	size_t type_len;
	int type_escaped;	/* the value holds a backslash escape */
	double ts;
};

/* NULL when s[0..n) is a record (out filled); else what is wrong and *at,
 * the 0-based offset of the offending byte, as jstrict_check() says it. */
const char *rec_strict(const char *s, size_t n, struct rec_fields *out, size_t *at);

/* Is f's type the word t (not escaped)? */
int rec_type_is(const struct rec_fields *f, const char *t);

/* 0 when o is a record (type and ts stored), -1 with v->err set. */
int rec_check(struct jv *v, json_object *o, const char **type, double *ts);

/* Why line[0..n) is not a record, in v->err, when rec_strict refused it
 * for why at byte at: jv_parse's or rec_check's sentence, as for any line;
 * why itself for a second "type" or "ts" (json-c keeps the last one and
 * would judge that) or when they see a record ("ts" written too long). */
void rec_why_not(struct jv *v, const char *line, size_t n, const char *why, size_t at);

/* State for the human lines: the last RAM figure seen. */
struct rec_human {
	double used_pct;
	int have_pct;
};

/* One short line for people about a mem or killed record, e.g.
 *	12:03:04 RAM 61.2%
 *	12:03:04 RAM 61.2% | killed cull-high-3f2a (high) rss 210 MiB
 * written into out (NUL-terminated, no '\n'). Returns its length, or 0 when
 * the record is of another type. Names are shown with control characters
 * replaced, so a container cannot write escape sequences to a terminal. */
size_t rec_human(struct rec_human *h, json_object *o, const char *type, double ts,
		 char *out, size_t size);

#endif
