/*
 * target.c - what the engine says about a container, and whether the reaper
 * may kill it. The answer of GET /containers/{id}/json, abridged:
 *
 *   {"Id":"<64 hex>","Name":"/web-1","State":{"Running":true,…},
 *    "Config":{"Labels":{"cull.managed":"true","cull.class":"high"},…},…}
 *
 * Nothing from the kill line decides this: only the engine's answer, the
 * options and the reaper's own container.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cgid.h"
#include "jstrict.h"
#include "reaper.h"

static json_object *
get(json_object *o, const char *key, json_type type)
{
	json_object *f;

	if (!o || !json_object_object_get_ex(o, key, &f) || !json_object_is_type(f, type))
		return NULL;
	return f;
}

/* Container ids are hex, which docker writes in lower case; a person may
 * type them in capitals (--protect ABC123DEF456). Ids compare without
 * regard to case; names stay exact, as docker keeps them. */
static int
all_hex(const char *s, size_t n)
{
	return strspn(s, "0123456789abcdefABCDEF") >= n;
}

/* The engine's "Id" in docker's own form (lower case) into out, when it is
 * a container id (lib/cgid.h); 0, or -1 with out untouched. */
static int
engine_id(const char *s, char out[65])
{
	char id[CULL_ID_LEN + 1];
	size_t i, n = strlen(s);

	if (n != CULL_ID_LEN)
		return -1;
	for (i = 0; i <= n; i++)
		id[i] = (char)tolower((unsigned char)s[i]);
	if (!cull_is_id(id, n))
		return -1;
	memcpy(out, id, sizeof id);
	return 0;
}

/*
 * The fast path: the answer (10 KB and more, some 300 values) checked by
 * jstrict and its five fields read in place, without json-c's tree. That
 * tree was most of a kill's allocations: hundreds of small blocks made and
 * freed around the few that live on (libcurl's, the log's), which left
 * the reaper's heap creeping for its first twenty minutes of a soak
 * (bench/soak/NOTES.md). What it does not read plainly (a string with an
 * escape, a NUL escape anywhere, text jstrict refuses, not an object) goes
 * to json-c instead, which decides as before: the two agree on every answer
 * (tests/unit/reaper-parts.c compares them).
 */
enum { FAST_NO = -1, FAST_ABSENT = 0, FAST_OK = 1 };

/* Member name of the object v[0..n) when it is a string without escapes:
 * FAST_OK with its bytes (no quotes) in *s, *slen; FAST_ABSENT when there
 * is none or it is not a string (json-c's get() gives NULL); FAST_NO when
 * it holds an escape. */
static int
fast_str(const char *v, size_t n, const char *name, const char **s, size_t *slen)
{
	const char *m;
	size_t mlen;

	if (!v || !jstrict_member(v, n, name, &m, &mlen) || m[0] != '"')
		return FAST_ABSENT;
	if (memchr(m, '\\', mlen))
		return FAST_NO;
	*s = m + 1;
	*slen = mlen - 2;
	return FAST_OK;
}

/* Member name of the object v[0..n) when it is an object: its text, else NULL. */
static const char *
fast_obj(const char *v, size_t n, const char *name, size_t *olen)
{
	const char *m;

	if (!v || !jstrict_member(v, n, name, &m, olen) || m[0] != '{')
		return NULL;
	return m;
}

int
target_fast(const char *body, struct target *t, char *err, size_t errlen, int *rc)
{
	size_t n = strlen(body), at, slen, len;
	const char *s, *o, *f;
	char id[CULL_ID_LEN + 1];
	int r;

	if (jstrict_check(body, n, &at) || memmem(body, n, "\\u0000", 6))
		return 0;
	o = body + strspn(body, " \t\r\n");
	if (*o != '{')
		return 0;
	n -= (size_t)(o - body);	/* what jstrict_member reads, from the '{' */
	*rc = -1;
	if ((r = fast_str(o, n, "Id", &s, &slen)) == FAST_NO)
		return 0;
	if (r == FAST_ABSENT || slen != CULL_ID_LEN) {
		snprintf(err, errlen, "the engine's answer has no 64-hex \"Id\"");
		return 1;
	}
	memcpy(id, s, slen);
	id[slen] = '\0';
	if (engine_id(id, t->id) < 0) {
		snprintf(err, errlen, "the engine's answer has no 64-hex \"Id\"");
		return 1;
	}
	if ((r = fast_str(o, n, "Name", &s, &slen)) == FAST_NO)
		return 0;
	if (r == FAST_OK) {
		if (slen && *s == '/')
			s++, slen--;
		snprintf(t->name, sizeof t->name, "%.*s", (int)slen, s);
	}
	f = fast_obj(o, n, "State", &len);
	if (!f || !jstrict_member(f, len, "Running", &s, &slen) ||
	    !((slen == 4 && memcmp(s, "true", 4) == 0) || (slen == 5 && memcmp(s, "false", 5) == 0))) {
		snprintf(err, errlen, "the engine's answer has no \"State.Running\"");
		return 1;
	}
	t->running = slen == 4;
	f = fast_obj(o, n, "GraphDriver", &len);
	f = fast_obj(f, len, "Data", &len);
	if ((r = fast_str(f, len, "UpperDir", &s, &slen)) == FAST_NO)
		return 0;
	if (r == FAST_OK && slen < sizeof t->upper) {
		memcpy(t->upper, s, slen);
		t->upper[slen] = '\0';
	}
	f = fast_obj(o, n, "Config", &len);
	f = fast_obj(f, len, "Labels", &len);
	if ((r = fast_str(f, len, "cull.managed", &s, &slen)) == FAST_NO)
		return 0;
	t->managed = r == FAST_OK && slen == 4 && memcmp(s, "true", 4) == 0;
	*rc = 0;
	return 1;
}

int
target_parse(const char *body, struct target *t, char *err, size_t errlen)
{
	int rc;

	memset(t, 0, sizeof *t);
	if (body && target_fast(body, t, err, errlen, &rc))
		return rc;
	return target_parse_jsonc(body, t, err, errlen);
}

int
target_parse_jsonc(const char *body, struct target *t, char *err, size_t errlen)
{
	json_object *o = body ? json_tokener_parse(body) : NULL;
	json_object *f, *state, *labels;
	const char *s;
	int rc = -1;

	memset(t, 0, sizeof *t);
	if (!o || !json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "the engine's answer is not a JSON object");
		goto out;
	}
	if (!(f = get(o, "Id", json_type_string)) || engine_id(json_object_get_string(f), t->id) < 0) {
		snprintf(err, errlen, "the engine's answer has no 64-hex \"Id\"");
		goto out;
	}
	if ((f = get(o, "Name", json_type_string))) {
		s = json_object_get_string(f);
		if (*s == '/')
			s++;
		snprintf(t->name, sizeof t->name, "%s", s);
	}
	if (!(state = get(o, "State", json_type_object)) ||
	    !(f = get(state, "Running", json_type_boolean))) {
		snprintf(err, errlen, "the engine's answer has no \"State.Running\"");
		goto out;
	}
	t->running = json_object_get_boolean(f);
	f = get(get(get(o, "GraphDriver", json_type_object), "Data", json_type_object), "UpperDir",
		json_type_string);
	if (f && (size_t)json_object_get_string_len(f) < sizeof t->upper)
		memcpy(t->upper, json_object_get_string(f), (size_t)json_object_get_string_len(f) + 1);
	labels = get(get(o, "Config", json_type_object), "Labels", json_type_object);
	f = get(labels, "cull.managed", json_type_string);
	t->managed = f && strcmp(json_object_get_string(f), "true") == 0;
	rc = 0;
out:
	json_object_put(o);
	return rc;
}

/* NAME names t: its name (with or without '/'), its full id, or an id
 * prefix of at least 12 hex digits (the short id docker prints). */
static int
names(const char *name, const struct target *t)
{
	size_t n = strlen(name);

	if (*name == '/')
		name++, n--;
	if (n && strcmp(name, t->name) == 0)
		return 1;
	return n >= 12 && n <= 64 && all_hex(name, n) && strncasecmp(name, t->id, n) == 0;
}

/* t is the container the reaper runs in, or might be and cannot be told
 * apart (see self.c for the evidence). */
static int
target_is_self(const struct target *t, const struct policy *p)
{
	int uppers = p->upper[0] && t->upper[0];

	if (p->self[0] && strcasecmp(p->self, t->id) == 0)
		return 1;
	/* one root filesystem per container: the same upperdir is us */
	if (uppers && strcmp(p->upper, t->upper) == 0)
		return 1;
	/* only the bind mounts name it, which may be a --network
	 * container: donor: protect it unless the upperdirs tell them apart */
	return p->guess[0] && strcasecmp(p->guess, t->id) == 0 && !uppers;
}

const char *
target_refuse(const struct target *t, const char *ref, const struct policy *p)
{
	int i;

	/* the engine answers for a full id, a name or a unique id prefix: make
	 * sure the answer is about what the line asked for */
	if (strcmp(ref, t->name) != 0 &&
	    !(all_hex(ref, strlen(ref)) && strncasecmp(ref, t->id, strlen(ref)) == 0))
		return "the engine answered for another container";
	if (target_is_self(t, p))
		return "refused: it is the container cull-reaper runs in";
	for (i = 0; i < p->nprotect; i++)
		if (names(p->protect[i], t))
			return "refused: protected (--protect)";
	if (!p->any && !t->managed)
		return "refused: not labelled cull.managed=true";
	return NULL;
}
