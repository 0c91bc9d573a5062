/*
 * jstrict.h - RFC 8259 syntax check of one JSON text, without building a
 * tree and without allocating.
 *
 * json-c 0.16, even with JSON_TOKENER_STRICT, accepts NaN, Infinity, -01,
 * 2., 'single quotes', raw control characters in strings, lone surrogate
 * escapes ("\ud800", which jq cannot read back) and UTF-8 with overlong or
 * surrogate sequences; the JSONTestSuite n_ files show it. A stage must not
 * pass such a line on, so jv_parse() runs jstrict_check() after json-c.
 * jstrict_object() checks the same way and hands each top-level member of
 * an object to a rule's hooks: cull-logger's record rule
 * (stages/logger/record.c) is its fast path instead of json-c (about ten
 * times faster than building a tree).
 *
 * Both check UTF-8 as lib/jesc.h's cull_utf8_len() does (no overlong
 * forms, no surrogates, nothing above U+10FFFF) and bound nesting to
 * JSTRICT_DEPTH, the depth lib/jv.c gives json-c, so neither accepts what
 * json-c refuses. tests/unit/lib-jstrict.c runs them on JSONTestSuite and
 * on mutations.
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

/* Hooks on the top-level members of an object, for a rule about them
 * (any may be NULL, and the whole struct too). ctx is theirs. */
struct jstrict_members {
	/* A member's name k[0..klen): the bytes between its quotes, escapes
	 * as written (esc: it holds one), before its value is read. NULL to
	 * go on, or a fault, reported at the name's opening quote. */
	const char *(*name)(void *ctx, const char *k, size_t klen, int esc);
	/* Then its value v[0..vlen), checked. NULL, or a fault reported at
	 * its first byte. */
	const char *(*value)(void *ctx, const char *v, size_t vlen);
	/* After the object, when nothing but white space follows it. NULL, or
	 * a fault reported at the end of the text. */
	const char *(*end)(void *ctx);
	void *ctx;
};

/* NULL when s[0..n) is exactly one JSON object, with optional white space
 * around it, that the hooks m take; else what is wrong ("not a JSON
 * object", a fault of jstrict_check's or a hook's) and *at, as
 * jstrict_check() says it. */
const char *jstrict_object(const char *s, size_t n, const struct jstrict_members *m,
			   size_t *at);

/* Does the name k[0..klen) (as a name hook gets it) say name, a lowercase
 * ASCII word? Compared by the decoded value: "t\u0073" is "ts" to every
 * JSON reader. */
int jstrict_name_is(const char *k, size_t klen, int esc, const char *name);

/* In an object s[0..n) that jstrict_check() took: the raw bytes of the
 * value of its top-level member name (compared decoded, as
 * jstrict_name_is() does; the last one when repeated, as json-c and jq
 * read it), in *v and *vlen. 1 found, 0 not there. */
int jstrict_member(const char *s, size_t n, const char *name, const char **v, size_t *vlen);

/* Copy the JSON text s[0..n), which jstrict_check() took, into out (n bytes
 * at least) without the white space outside its strings. Returns the length
 * written: the same value, byte for byte, on one line. */
size_t jstrict_compact(const char *s, size_t n, char *out);

#endif
