/*
 * jstrict.h - RFC 8259 syntax check of one JSON text, without building a
 * tree and without allocating.
 *
 * json-c 0.16, even with JSON_TOKENER_STRICT, accepts NaN, Infinity, -01,
 * 2., 'single quotes', raw control characters in strings, lone surrogate
 * escapes ("\ud800", which jq cannot read back) and UTF-8 with overlong or
 * surrogate sequences; the JSONTestSuite n_ files show it. A stage must not
 * pass such a line on, so jv_parse() runs jstrict_check() after json-c, and
 * cull-logger's intake uses jstrict_record() as its fast path instead of
 * json-c (about ten times faster than building a tree).
 *
 * Both check UTF-8 (no overlong forms, no surrogates, nothing above
 * U+10FFFF) and bound nesting to JSTRICT_DEPTH, the depth lib/jv.c gives
 * json-c, so neither accepts what json-c refuses.
 * tests/unit/lib-jstrict.c runs them on JSONTestSuite and on mutations.
 */
#ifndef CULL_JSTRICT_H
#define CULL_JSTRICT_H

#include <stddef.h>

/* Arrays and objects nested deeper than this are refused (json-c, made with
 * json_tokener_new_ex(JSTRICT_DEPTH), refuses them too). */
#define JSTRICT_DEPTH 64

/* NULL when s[0..n) is exactly one JSON value of any kind with optional
 * white space around it; else what is wrong, a phrase such as "NaN or
 * Infinity is not a number", with *at the 0-based offset of the offending
 * byte. */
const char *jstrict_check(const char *s, size_t n, size_t *at);

/* A cull record: one object with "type" a non-empty string and "ts" a
 * finite number within +-1e12 (Unix seconds), each once at its top level.
 * Names are compared by their decoded value, so "t\u0073" is "ts": a second
 * "type" or "ts", escaped or not, is refused ("\"ts\" appears twice"), as
 * readers would disagree on which one counts (json-c and jq take the last). */
struct jstrict_rec {
	const char *type;	/* raw bytes of the "type" string, no quotes */
	size_t type_len;
	int type_escaped;	/* the value holds a backslash escape */
	double ts;
};

/* NULL when s[0..n) is a record (out filled); else what is wrong and *at,
 * as jstrict_check() says it. */
const char *jstrict_record(const char *s, size_t n, struct jstrict_rec *out, size_t *at);

/* In an object s[0..n) that jstrict_record() took: the raw bytes of the
 * value of its top-level member name (compared decoded, as there; the last
 * one when repeated, as json-c and jq read it), in *v and *vlen. 1 found,
 * 0 not there. */
int jstrict_member(const char *s, size_t n, const char *name, const char **v, size_t *vlen);

/* Copy the JSON text s[0..n), which jstrict_check() took, into out (n bytes
 * at least) without the white space outside its strings. Returns the length
 * written: the same value, byte for byte, on one line. */
size_t jstrict_compact(const char *s, size_t n, char *out);

#endif
