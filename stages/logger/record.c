/* record.c - see record.h */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jstrict.h"
#include "record.h"

/* rec_strict's state, through jstrict_object's hooks. */
struct walk {
	struct rec_fields *out;
	int member;		/* the member being read: 'y' "type", 's' "ts", 0 another */
	int have_type;		/* 1 a non-empty "type", -1 an empty one */
	int have_ts;
};

static const char *
on_name(void *ctx, const char *k, size_t klen, int esc)
{
	struct walk *w = ctx;

	w->member = 0;
	if (!esc && klen != 4 && klen != 2)
		return NULL;	/* most names: neither "type" nor "ts", by length */
	if (jstrict_name_is(k, klen, esc, "type")) {
		if (w->have_type)
			return "\"type\" appears twice";
		w->member = 'y';
	} else if (jstrict_name_is(k, klen, esc, "ts")) {
		if (w->have_ts)
			return "\"ts\" appears twice";
		w->member = 's';
	}
	return NULL;
}

static const char *
on_ts(struct walk *w, const char *v, size_t vlen)
{
	char num[64];

	if (v[0] != '-' && (v[0] < '0' || v[0] > '9'))
		return "\"ts\" is not a number";
	if (vlen >= sizeof num)
		return "\"ts\" is written with too many digits";
	memcpy(num, v, vlen);
	num[vlen] = '\0';
	w->out->ts = strtod(num, NULL);
	if (!isfinite(w->out->ts) || w->out->ts < -1e12 || w->out->ts > 1e12)
		return "\"ts\" is out of range";
	w->have_ts = 1;
	return NULL;
}

static const char *
on_value(void *ctx, const char *v, size_t vlen)
{
	struct walk *w = ctx;

	if (w->member == 's')
		return on_ts(w, v, vlen);
	if (w->member != 'y')
		return NULL;
	if (v[0] != '"')
		return "\"type\" is not a string";
	w->out->type = v + 1;
	w->out->type_len = vlen - 2;
	w->out->type_escaped = memchr(v + 1, '\\', vlen - 2) != NULL;
	w->have_type = w->out->type_len > 0 ? 1 : -1;
	return NULL;
}

static const char *
on_end(void *ctx)
{
	struct walk *w = ctx;

	if (!w->have_type)
		return "\"type\" is missing";
	if (w->have_type < 0)
		return "\"type\" is empty";
	if (!w->have_ts)
		return "\"ts\" is missing";
	return NULL;
}

const char *
rec_strict(const char *s, size_t n, struct rec_fields *out, size_t *at)
{
	struct walk w = { out, 0, 0, 0 };
	const struct jstrict_members m = { on_name, on_value, on_end, &w };

	memset(out, 0, sizeof *out);
	return jstrict_object(s, n, &m, at);
}

int
rec_type_is(const struct rec_fields *f, const char *t)
{
	size_t n = strlen(t);

	return !f->type_escaped && f->type_len == n && memcmp(f->type, t, n) == 0;
}

int
rec_check(struct jv *v, json_object *o, const char **type, double *ts)
{
	size_t n;

	v->where[0] = '\0';
	if (jv_str(v, o, "type", JV_REQ, type, &n) < 0)
		return -1;
	if (n == 0)
		return jv_fail(v, "\"type\" is empty");
	if (jv_dbl(v, o, "ts", JV_REQ, -1e12, 1e12, ts) < 0)
		return -1;
	return 0;
}

void
rec_why_not(struct jv *v, const char *line, size_t n, const char *why, size_t at)
{
	json_object *o;
	const char *type;
	double ts;

	/* json-c keeps the last of two equal names and judges that one: the
	 * duplicate itself is the fault */
	if (strstr(why, "appears twice")) {
		jv_fail(v, "%s at byte %zu (write \"type\" and \"ts\" once each)", why, at + 1);
		return;
	}
	o = jv_parse(v, line, n);
	if (o && rec_check(v, o, &type, &ts) == 0)
		jv_fail(v, "%s at byte %zu (write \"type\" and \"ts\" once each, \"ts\" in at "
			"most 63 characters)", why, at + 1);
	json_object_put(o);
}

/* Copy s into out with control bytes shown as '?', at most 64 bytes. */
static void
safe_copy(char *out, size_t size, const char *s)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		out[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	out[i] = '\0';
}

static const char *
get_str(json_object *o, const char *key, const char *dflt)
{
	json_object *f;

	if (json_object_object_get_ex(o, key, &f) && json_object_is_type(f, json_type_string))
		return json_object_get_string(f);
	return dflt;
}

static int
get_num(json_object *o, const char *key, double *d)
{
	json_object *f;

	if (!json_object_object_get_ex(o, key, &f) ||
	    !(json_object_is_type(f, json_type_double) || json_object_is_type(f, json_type_int)))
		return 0;
	*d = json_object_get_double(f);
	return isfinite(*d);
}

size_t
rec_human(struct rec_human *h, json_object *o, const char *type, double ts,
	  char *out, size_t size)
{
	char clock[16] = "??:??:??", ram[32] = "", name[65], cls[65], why[65], reason[161] = "";
	time_t t = (time_t)ts;
	struct tm tm;
	double d;
	json_object *f;
	int okv = 1, n;

	if (strcmp(type, "mem") != 0 && strcmp(type, "killed") != 0)
		return 0;
	if (localtime_r(&t, &tm))
		strftime(clock, sizeof clock, "%H:%M:%S", &tm);
	if (strcmp(type, "mem") == 0) {
		if (!get_num(o, "used_pct", &d))
			return 0;
		h->used_pct = d;
		h->have_pct = 1;
		n = snprintf(out, size, "%s RAM %.1f%%", clock, d);
		return n < 0 ? 0 : strlen(out);
	}
	if (h->have_pct)
		snprintf(ram, sizeof ram, "RAM %.1f%% | ", h->used_pct);
	safe_copy(name, sizeof name, get_str(o, "name", get_str(o, "id", "?")));
	safe_copy(cls, sizeof cls, get_str(o, "class", "?"));
	safe_copy(reason, sizeof reason, get_str(o, "reason", ""));
	if (json_object_object_get_ex(o, "ok", &f) && json_object_is_type(f, json_type_boolean))
		okv = json_object_get_boolean(f);
	if (okv) {
		char rss[32] = "";

		if (get_num(o, "rss_kb", &d))
			snprintf(rss, sizeof rss, " rss %.0f MiB", d / 1024);
		n = snprintf(out, size, "%s %skilled %s (%s)%s%s%s", clock, ram, name, cls, rss,
			     reason[0] ? ": " : "", reason);
	} else {
		safe_copy(why, sizeof why, get_str(o, "error", "unknown error"));
		n = snprintf(out, size, "%s %skill FAILED %s (%s): %s%s%s", clock, ram, name, cls, why,
			     reason[0] ? "; sentenced for " : "", reason);
	}
	return n < 0 ? 0 : strlen(out);
}
