/*
 * jscan.h - the fast path of intake: check that a line is one strict JSON
 * object (RFC 8259, UTF-8 checked, nesting at most 64 deep) with "type" a
 * non-empty string and "ts" a finite number, without building a tree.
 *
 * It answers yes or no, and it is the judge of what goes into the log: json-c
 * 0.16 accepts, even in strict mode, NaN, Infinity, 01, 2., single quotes,
 * raw tabs in strings and lone surrogate escapes ("\ud800"), which jq and
 * other readers of the log refuse. On
 * no, the caller asks json-c (jv_parse, rec_check) to say what is wrong, and
 * says "not strict JSON" when json-c sees nothing wrong.
 * tests/unit/logger-jscan.c runs it on JSONTestSuite: every y_ file yes,
 * every n_ file no. It is also about ten times faster than building a json-c
 * tree (allocations and a locale switch per line).
 */
#ifndef CULL_JSCAN_H
#define CULL_JSCAN_H

#include <stddef.h>

struct jscan_rec {
	const char *type;	/* raw bytes of the "type" string, no quotes */
	size_t type_len;
	int type_escaped;	/* it holds a backslash escape */
	double ts;
};

/* 0: s[0..n) is a record (out filled); -1: ask json-c. */
int jscan_record(const char *s, size_t n, struct jscan_rec *out);
/* 0: s[0..n) is exactly one JSON value of any kind; -1: not. */
int jscan_value(const char *s, size_t n);

#endif
