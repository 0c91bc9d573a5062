/* jv.c - see jv.h */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "jstrict.h"
#include "jv.h"

void
jv_init(struct jv *v)
{
	memset(v, 0, sizeof *v);
	v->tok = json_tokener_new_ex(JSTRICT_DEPTH);
	if (!v->tok)
		cull_die(CULL_EXIT_FAIL, "fatal: out of memory");
	json_tokener_set_flags(v->tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
}

void
jv_fini(struct jv *v)
{
	if (v->tok)
		json_tokener_free(v->tok);
	v->tok = NULL;
}

int
jv_fail(struct jv *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->err, sizeof v->err, fmt, ap);
	va_end(ap);
	return -1;
}

void
jv_where(struct jv *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->where, sizeof v->where, fmt, ap);
	va_end(ap);
}

const char *
jv_typename(json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_null:	return "null";
	case json_type_boolean:	return "a boolean";
	case json_type_double:
	case json_type_int:	return "a number";
	case json_type_string:	return "a string";
	case json_type_array:	return "an array";
	case json_type_object:	return "an object";
	}
	return "?";
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

json_object *
jv_parse(struct jv *v, const char *line, size_t len)
{
	json_object *o;
	enum json_tokener_error e;
	const char *why;
	size_t off, i, at;

	v->err[0] = '\0';
	if (len > INT32_MAX) {
		jv_fail(v, "line too long to parse");
		return NULL;
	}
	for (i = 0; i < len && is_space(line[i]); i++)
		;
	if (i == len) {
		jv_fail(v, "empty line");
		return NULL;
	}
	json_tokener_reset(v->tok);
	o = json_tokener_parse_ex(v->tok, line, (int)len);
	e = json_tokener_get_error(v->tok);
	off = json_tokener_get_parse_end(v->tok);
	if (e == json_tokener_continue) {
		jv_fail(v, "not JSON: the line ends inside a value");
		return NULL;
	}
	if (e != json_tokener_success) {
		jv_fail(v, "not JSON: %s at byte %zu", json_tokener_error_desc(e), off + 1);
		return NULL;
	}
	for (i = off; i < len && is_space(line[i]); i++)
		;
	if (i < len) {
		jv_fail(v, "not JSON: extra data after the value at byte %zu", i + 1);
		json_object_put(o);
		return NULL;
	}
	/* json-c's strict mode is not RFC 8259: check what it let through */
	if ((why = jstrict_check(line, len, &at)) != NULL) {
		jv_fail(v, "not JSON: %s at byte %zu", why, at + 1);
		json_object_put(o);
		return NULL;
	}
	if (!json_object_is_type(o, json_type_object)) {
		jv_fail(v, "not a JSON object but %s", o ? jv_typename(o) : "null");
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* Look up key; 1 when absent and optional, -1 when absent and required. */
static int
field(struct jv *v, json_object *o, const char *key, int req, json_object **out)
{
	if (json_object_object_get_ex(o, key, out)) {
		if (*out)
			return 0;
		return jv_fail(v, "\"%s%s\" is null", v->where, key);
	}
	if (req)
		return jv_fail(v, "\"%s%s\" is missing", v->where, key);
	return 1;
}

static int
wrong_type(struct jv *v, const char *key, json_object *f, const char *want)
{
	return jv_fail(v, "\"%s%s\" is %s, not %s", v->where, key,
		       f ? jv_typename(f) : "null", want);
}

int
jv_dbl(struct jv *v, json_object *o, const char *key, int req,
       double min, double max, double *out)
{
	json_object *f;
	double d;
	int r = field(v, o, key, req, &f);

	if (r)
		return r;
	if (!json_object_is_type(f, json_type_double) && !json_object_is_type(f, json_type_int))
		return wrong_type(v, key, f, "a number");
	d = json_object_get_double(f);
	if (!isfinite(d))
		return jv_fail(v, "\"%s%s\" is not a finite number", v->where, key);
	if (d < min)
		return jv_fail(v, "\"%s%s\" is %s (%g, the least allowed is %g)", v->where,
			       key, d < 0 && min >= 0 ? "negative" : "too small", d, min);
	if (d > max)
		return jv_fail(v, "\"%s%s\" is too large (%g, at most %g)", v->where, key, d, max);
	*out = d;
	return 0;
}

int
jv_i64(struct jv *v, json_object *o, const char *key, int req,
       int64_t min, int64_t max, int64_t *out)
{
	json_object *f;
	int64_t i;
	int r = field(v, o, key, req, &f);

	if (r)
		return r;
	if (json_object_is_type(f, json_type_double)) {
		double d = json_object_get_double(f);

		if (!isfinite(d) || d != floor(d) || d < -9.2e18 || d > 9.2e18)
			return jv_fail(v, "\"%s%s\" is not a whole number", v->where, key);
		i = (int64_t)d;
	} else if (json_object_is_type(f, json_type_int)) {
		i = json_object_get_int64(f);
		/* json-c clamps what does not fit; a clamped value is out of range */
		if (i == INT64_MAX && json_object_get_uint64(f) != (uint64_t)INT64_MAX)
			return jv_fail(v, "\"%s%s\" is too large", v->where, key);
	} else {
		return wrong_type(v, key, f, "a number");
	}
	if (i < min)
		return jv_fail(v, "\"%s%s\" is %s (%lld, the least allowed is %lld)", v->where,
			       key, i < 0 && min >= 0 ? "negative" : "too small",
			       (long long)i, (long long)min);
	if (i > max)
		return jv_fail(v, "\"%s%s\" is too large (%lld, at most %lld)", v->where, key,
			       (long long)i, (long long)max);
	*out = i;
	return 0;
}

int
jv_str(struct jv *v, json_object *o, const char *key, int req, const char **out, size_t *len)
{
	json_object *f;
	int r = field(v, o, key, req, &f);

	if (r)
		return r;
	if (!json_object_is_type(f, json_type_string))
		return wrong_type(v, key, f, "a string");
	*out = json_object_get_string(f);
	if (len)
		*len = (size_t)json_object_get_string_len(f);
	return 0;
}

int
jv_bool(struct jv *v, json_object *o, const char *key, int req, int *out)
{
	json_object *f;
	int r = field(v, o, key, req, &f);

	if (r)
		return r;
	if (!json_object_is_type(f, json_type_boolean))
		return wrong_type(v, key, f, "true or false");
	*out = json_object_get_boolean(f);
	return 0;
}

int
jv_obj(struct jv *v, json_object *o, const char *key, int req, json_object **out)
{
	json_object *f;
	int r = field(v, o, key, req, &f);

	if (r)
		return r;
	if (!json_object_is_type(f, json_type_object))
		return wrong_type(v, key, f, "an object");
	*out = f;
	return 0;
}

int
jv_arr(struct jv *v, json_object *o, const char *key, int req, json_object **out)
{
	json_object *f;
	int r = field(v, o, key, req, &f);

	if (r)
		return r;
	if (!json_object_is_type(f, json_type_array))
		return wrong_type(v, key, f, "an array");
	*out = f;
	return 0;
}
