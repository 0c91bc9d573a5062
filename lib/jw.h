/*
 * jw.h - write one compact JSON object into a growing buffer, then emit it
 * as one line. Faster than building a json-c tree for output we already hold
 * in C structs, and it fixes the number formats (no "0.10000000000000001").
 *
 *	struct jw w = {0};
 *	jw_open(&w, NULL);               {
 *	jw_str(&w, "type", "snapshot");    "type":"snapshot",
 *	jw_num(&w, "ts", ts, 3);           "ts":1700000000.123,
 *	jw_arr(&w, "procs"); ... jw_end(&w);
 *	jw_end(&w);                      }
 *	jw_line(&w, stdout);             one write of the line and '\n'
 *
 * Strings are escaped so the output is valid JSON and valid UTF-8 whatever
 * bytes they hold: '"' '\\' and control characters are escaped, each byte
 * that is not part of a well-formed UTF-8 sequence becomes U+FFFD.
 * Out of memory is fatal (exit 1): a stage cannot go on without its output.
 */
#ifndef CULL_JW_H
#define CULL_JW_H

#include <stddef.h>
#include <stdio.h>

#define JW_DEPTH 32

struct jw {
	char *buf;
	size_t len, cap;
	int depth;
	unsigned char first[JW_DEPTH];	/* nothing written yet at this level */
	char closer[JW_DEPTH];		/* '}' or ']' for each open level */
};

void jw_reset(struct jw *w);		/* empty the buffer, keep the memory */
void jw_free(struct jw *w);
void jw_open(struct jw *w, const char *key);	/* { ; key is NULL in an array or at top */
void jw_arr(struct jw *w, const char *key);	/* [ */
void jw_end(struct jw *w);			/* } or ] */
void jw_str(struct jw *w, const char *key, const char *s);
void jw_strn(struct jw *w, const char *key, const char *s, size_t n);
void jw_int(struct jw *w, const char *key, long long v);
void jw_uint(struct jw *w, const char *key, unsigned long long v);
/* A float with a fixed number of decimals; NaN and infinities become null. */
void jw_num(struct jw *w, const char *key, double v, int decimals);
void jw_bool(struct jw *w, const char *key, int v);
void jw_null(struct jw *w, const char *key);
/* Already-serialized JSON, copied as is (e.g. from json-c). */
void jw_raw(struct jw *w, const char *key, const char *json, size_t n);

/* Append '\n' and write the whole buffer; then reset. Returns 0, or -1 with
 * errno set (the caller decides: a failed write of data is fatal). */
int jw_line(struct jw *w, FILE *f);

/* Escape s[0..n) as the body of a JSON string (no quotes) into w. */
void jw_escape(struct jw *w, const char *s, size_t n);

#endif
