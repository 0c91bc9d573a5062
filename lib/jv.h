/*
 * jv.h - parse one input line with json-c and read typed fields, with one
 * clear sentence when something is wrong:
 *
 *	not JSON: unexpected character at byte 17
 *	"procs[3].rss_kb" is a string, not a number
 *	"mem.total_kb" is missing
 *
 * The tokener is strict (no trailing commas, no comments) and checks UTF-8;
 * what json-c's strict mode still lets through (NaN, -01, 2., raw control
 * characters, lone surrogates: jstrict.h) is refused after it. One struct jv
 * per stage, reused for every line.
 */
#ifndef CULL_JV_H
#define CULL_JV_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

struct jv {
	json_tokener *tok;
	char where[96];		/* prefix of field names, e.g. "procs[3]." */
	char err[320];		/* the last error, a sentence without the line number */
};

enum { JV_OPT = 0, JV_REQ = 1 };

void jv_init(struct jv *v);
void jv_fini(struct jv *v);

/* The line must hold exactly one JSON object (white space around it is
 * fine). Returns a new reference, or NULL with v->err set. */
json_object *jv_parse(struct jv *v, const char *line, size_t len);

/* Set the prefix added to field names in messages ("" to clear). */
void jv_where(struct jv *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Typed field readers: 0 read, 1 absent (JV_OPT), -1 wrong (v->err set).
 * Numbers must be finite and within [min, max]; an integer field accepts a
 * float only when it is integral. */
int jv_i64(struct jv *v, json_object *o, const char *key, int req,
	   int64_t min, int64_t max, int64_t *out);
int jv_dbl(struct jv *v, json_object *o, const char *key, int req,
	   double min, double max, double *out);
int jv_str(struct jv *v, json_object *o, const char *key, int req,
	   const char **out, size_t *len);
int jv_bool(struct jv *v, json_object *o, const char *key, int req, int *out);
int jv_obj(struct jv *v, json_object *o, const char *key, int req, json_object **out);
int jv_arr(struct jv *v, json_object *o, const char *key, int req, json_object **out);

/* Set v->err by hand (for checks the readers above do not cover). */
int jv_fail(struct jv *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

const char *jv_typename(json_object *o);

#endif
