/*
 * jstrict.h - RFC 8259 syntax check of one JSON text, to run after json-c
 * has accepted it. json-c 0.16 with JSON_TOKENER_STRICT still accepts NaN,
 * Infinity, -01, 2., 'single quotes' and raw control characters in strings
 * (the JSONTestSuite n_* files show it); a stage that passes a line through
 * must not hand such a line to the next one. Lone surrogate escapes
 * ("\ud800") are refused too, as cull-logger's jscan does: jq cannot read
 * them back. No allocation; recursion depth is bounded by JSTRICT_DEPTH
 * (json-c's own limit is smaller).
 * UTF-8 is not checked here: json-c's JSON_TOKENER_VALIDATE_UTF8 does that.
 */
#ifndef CULL_JSTRICT_H
#define CULL_JSTRICT_H

#include <stddef.h>

#define JSTRICT_DEPTH 256

/* NULL when s[0..n) is one JSON value with optional white space around it;
 * else what is wrong ("NaN or Infinity is not a number"), with *at the
 * 0-based offset of the offending byte. */
const char *jstrict_check(const char *s, size_t n, size_t *at);

#endif
