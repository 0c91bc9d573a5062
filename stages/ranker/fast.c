/*
 * fast.c - snap_fast(): a snapshot line read without json-c (snap.h).
 *
 * jstrict_check() first: the line is then exactly one valid JSON text, so
 * a cursor that trusts its syntax can walk it once, without a tree and
 * without allocating (the tables it fills are reused). What it reads it
 * checks as snap_parse() does: types, ranges, required fields. Whatever it
 * cannot be sure json-c reads the same way makes it give up and leave the
 * line to json-c: a string with an escape where it looks at the value or
 * a name, a field twice (json-c keeps the last), an integer with a fraction
 * or an exponent, a number of more digits than a double holds exactly.
 * Those are rare in the reader's output and cost only the second parse.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jstrict.h"
#include "mem.h"
#include "policy.h"
#include "snap.h"

/* An entry of "containers" or "cgroups", to look a container up by id. */
struct snap_ent {
	const char *id;
	size_t idlen;
	const char *name, *image;	/* NULL when absent */
	int managed, cls;		/* its cull.* labels, as describe() reads them */
	int64_t ws_kb;
};

struct cur {
	char *p, *end;		/* p: at a value, a name or a structural byte */
};

#define IS(k, n, lit) ((n) == sizeof(lit) - 1 && memcmp((k), (lit), (n)) == 0)

static void
skip_ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

/* At '"': the string's bytes in *s, *n (between the quotes, escapes as
 * written); the cursor goes past its closing quote. 1 when it holds an
 * escape. */
static int
str(struct cur *c, char **s, size_t *n)
{
	char *q = c->p + 1, *e, *b;
	int esc = 0;

	for (;;) {
		e = memchr(q, '"', (size_t)(c->end - q));	/* there is one: checked */
		b = memchr(q, '\\', (size_t)(e - q));
		if (!b)
			break;
		esc = 1;
		q = b + 2;	/* past the escaped byte: \" is no end */
	}
	*s = c->p + 1;
	*n = (size_t)(e - *s);
	c->p = e + 1;
	return esc;
}

static int
is_scalar_byte(char ch)
{
	return (ch >= '0' && ch <= '9') || ch == '-' || ch == '+' || ch == '.' || ch == 'e' ||
	       ch == 'E' || (ch >= 'a' && ch <= 'z');
}

/* Past one value of any kind. */
static void
skip(struct cur *c)
{
	char *s;
	size_t n;
	int depth = 0;

	if (*c->p == '"') {
		str(c, &s, &n);
		return;
	}
	if (*c->p != '{' && *c->p != '[') {
		while (c->p < c->end && is_scalar_byte(*c->p))
			c->p++;
		return;
	}
	for (;;) {
		switch (*c->p) {
		case '"':
			str(c, &s, &n);
			continue;
		case '{':
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			if (--depth == 0) {
				c->p++;
				return;
			}
			break;
		}
		c->p++;
	}
}

/* At '{' or '[': 0 and past it, or -1 when the value is something else. */
static int
open_at(struct cur *c, char ch)
{
	if (*c->p != ch)
		return -1;
	c->p++;
	return 0;
}

/* The next member of an object: its name in *k, *kn, the cursor at its
 * value, 1; 0 past the object's end; -1 for a name with an escape. */
static int
member(struct cur *c, char **k, size_t *kn)
{
	skip_ws(c);
	if (*c->p == ',') {
		c->p++;
		skip_ws(c);
	}
	if (*c->p == '}') {
		c->p++;
		return 0;
	}
	if (str(c, k, kn))
		return -1;
	skip_ws(c);
	c->p++;		/* ':' */
	skip_ws(c);
	return 1;
}

/* The next element of an array: the cursor at it, 1; 0 past the end. */
static int
element(struct cur *c)
{
	skip_ws(c);
	if (*c->p == ',') {
		c->p++;
		skip_ws(c);
	}
	if (*c->p == ']') {
		c->p++;
		return 0;
	}
	return 1;
}

/* A field seen twice: json-c keeps the last, this path gives up. */
static int
once(unsigned *seen, unsigned bit)
{
	if (*seen & bit)
		return -1;
	*seen |= bit;
	return 0;
}

/* An integer written as one (json-c's int), in [lo, hi]. */
static int
get_i64(struct cur *c, int64_t lo, int64_t hi, int64_t *out)
{
	char *p = c->p;
	int64_t v = 0;
	int neg = 0, digits = 0;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		if (++digits > 18)
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (!digits || *p == '.' || *p == 'e' || *p == 'E')
		return -1;
	c->p = p;
	if (neg)
		v = -v;
	if (v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* Any number, as json-c reads it (strtod of its text), finite, in [lo, hi]. */
static int
get_dbl(struct cur *c, double lo, double hi, double *out)
{
	char buf[64], *s = c->p;
	size_t n;
	double d;

	if (*s != '-' && !(*s >= '0' && *s <= '9'))
		return -1;
	while (c->p < c->end && is_scalar_byte(*c->p))
		c->p++;
	n = (size_t)(c->p - s);
	if (n >= sizeof buf)
		return -1;
	/* json-c holds an integer as int64 and gives its double from that: the
	 * same as strtod's while it has at most 15 digits */
	if (!memchr(s, '.', n) && !memchr(s, 'e', n) && !memchr(s, 'E', n) && n > 15)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	d = strtod(buf, NULL);
	if (!isfinite(d) || d < lo || d > hi)
		return -1;
	*out = d;
	return 0;
}

/* A string without escapes: its bytes are its value. */
static int
get_str(struct cur *c, char **s, size_t *n)
{
	if (*c->p != '"')
		return -1;
	return str(c, s, n) ? -1 : 0;
}

/* Remember where a string the snapshot points to ends (its closing quote,
 * a NUL once the line is taken). */
static void
end_at(struct snap *s, size_t *nends, char *quote)
{
	s->ends = cull_grow(s->ends, &s->ends_cap, *nends + 1, sizeof *s->ends);
	s->ends[(*nends)++] = quote;
}

static int
mem_psi(struct snap *s, struct cur *c)
{
	unsigned seen = 0;
	char *k;
	size_t kn;
	int r;

	if (open_at(c, '{'))
		return -1;
	while ((r = member(c, &k, &kn)) > 0) {
		if (IS(k, kn, "some_avg10"))
			r = once(&seen, 1) || get_dbl(c, 0, 100, &s->psi_some10);
		else if (IS(k, kn, "some_avg60"))
			r = once(&seen, 2) || get_dbl(c, 0, 100, &s->psi_some60);
		else if (IS(k, kn, "full_avg10"))
			r = once(&seen, 4) || get_dbl(c, 0, 100, &s->psi_full10);
		else if (IS(k, kn, "full_avg60"))
			r = once(&seen, 8) || get_dbl(c, 0, 100, &s->psi_full60);
		else {
			skip(c);
			r = 0;
		}
		if (r)
			return -1;
	}
	return r < 0 || seen != 15 ? -1 : 0;
}

static int
mem(struct snap *s, struct cur *c)
{
	unsigned seen = 0;
	char *k;
	size_t kn;
	int r;

	s->has_psi = 0;
	if (open_at(c, '{'))
		return -1;
	while ((r = member(c, &k, &kn)) > 0) {
		if (IS(k, kn, "total_kb"))
			r = once(&seen, 1) || get_i64(c, 1, SNAP_KB_MAX, &s->total_kb);
		else if (IS(k, kn, "used_kb"))
			r = once(&seen, 2) || get_i64(c, 0, SNAP_KB_MAX, &s->used_kb);
		else if (IS(k, kn, "used_pct"))
			r = once(&seen, 4) || get_dbl(c, 0, 100, &s->used_pct);
		else if (IS(k, kn, "psi")) {
			r = once(&seen, 8) || mem_psi(s, c);
			s->has_psi = 1;
		} else {
			skip(c);
			r = 0;
		}
		if (r)
			return -1;
	}
	return r < 0 || (seen & 7) != 7 ? -1 : 0;
}

static int
proc(struct snap_proc *p, struct cur *c, struct snap *s, size_t *nends)
{
	unsigned seen = 0;
	char *k, *id = NULL;
	size_t kn;
	int r;

	if (open_at(c, '{'))
		return -1;
	while ((r = member(c, &k, &kn)) > 0) {
		if (IS(k, kn, "pid"))
			r = once(&seen, 1) || get_i64(c, 1, INT32_MAX, &p->pid);
		else if (IS(k, kn, "container"))
			r = once(&seen, 2) || get_str(c, &id, &p->clen);
		else if (IS(k, kn, "rss_kb"))
			r = once(&seen, 4) || get_i64(c, 0, SNAP_KB_MAX, &p->rss_kb);
		else if (IS(k, kn, "vsz_kb"))
			r = once(&seen, 8) || get_i64(c, 0, SNAP_KB_MAX, &p->vsz_kb);
		else if (IS(k, kn, "mem_pct"))
			r = once(&seen, 16) || get_dbl(c, 0, 100, &p->mem_pct);
		else if (IS(k, kn, "cpu_pct"))
			r = once(&seen, 32) || get_dbl(c, 0, SNAP_PCT_MAX, &p->cpu_pct);
		else {
			skip(c);
			r = 0;
		}
		if (r)
			return -1;
	}
	if (r < 0 || seen != 63 || p->clen > SNAP_ID_MAX)
		return -1;
	p->container = id;
	end_at(s, nends, id + p->clen);
	return 0;
}

static int
procs(struct snap *s, struct cur *c, size_t *n, size_t *nends)
{
	if (open_at(c, '['))
		return -1;
	for (*n = 0; element(c); (*n)++) {
		s->procs = cull_grow(s->procs, &s->procs_cap, *n + 1, sizeof *s->procs);
		if (proc(&s->procs[*n], c, s, nends))
			return -1;
	}
	return 0;
}

/* A container's labels: cull.managed and cull.class, strings. */
static int
labels(struct snap_ent *e, struct cur *c)
{
	unsigned seen = 0;
	char *k, *val;
	size_t kn, vn;
	int r;

	if (open_at(c, '{'))
		return -1;
	while ((r = member(c, &k, &kn)) > 0) {
		if (IS(k, kn, "cull.managed")) {
			if (once(&seen, 1) || get_str(c, &val, &vn))
				return -1;
			e->managed = IS(val, vn, "true");
		} else if (IS(k, kn, "cull.class")) {
			if (once(&seen, 2) || get_str(c, &val, &vn))
				return -1;
			e->cls = IS(val, vn, "high") ? CLASS_HIGH : IS(val, vn, "low") ? CLASS_LOW : -1;
		} else {
			skip(c);
		}
	}
	return r < 0 ? -1 : 0;
}

/* An entry of "containers": name, image (strings), labels. */
static int
container(struct snap_ent *e, struct cur *c, struct snap *s, size_t *nends)
{
	unsigned seen = 0;
	char *k, *val;
	size_t kn, vn;
	int r;

	if (open_at(c, '{'))
		return -1;
	while ((r = member(c, &k, &kn)) > 0) {
		if (IS(k, kn, "name") || IS(k, kn, "image")) {
			if (once(&seen, k[0] == 'n' ? 1 : 2) || get_str(c, &val, &vn))
				return -1;
			*(k[0] == 'n' ? &e->name : &e->image) = val;
			end_at(s, nends, val + vn);
		} else if (IS(k, kn, "labels")) {
			if (once(&seen, 4) || labels(e, c))
				return -1;
		} else {
			skip(c);
		}
	}
	return r < 0 ? -1 : 0;
}

/* An entry of "cgroups": its ws_kb. */
static int
cgroup(struct snap_ent *e, struct cur *c)
{
	unsigned seen = 0;
	char *k;
	size_t kn;
	int r;

	if (open_at(c, '{'))
		return -1;
	while ((r = member(c, &k, &kn)) > 0) {
		if (IS(k, kn, "ws_kb")) {
			if (once(&seen, 1) || get_i64(c, 0, SNAP_KB_MAX, &e->ws_kb))
				return -1;
		} else {
			skip(c);
		}
	}
	return r < 0 || !seen ? -1 : 0;
}

/* "containers" (cg 0) or "cgroups" (cg 1): its entries appended to s->ent. */
static int
entries(struct snap *s, struct cur *c, int cg, size_t *nent, size_t *nends)
{
	char *k;
	size_t kn;
	int r;

	if (open_at(c, '{'))
		return -1;
	while ((r = member(c, &k, &kn)) > 0) {
		struct snap_ent *e;

		s->ent = cull_grow(s->ent, &s->ent_cap, *nent + 1, sizeof *s->ent);
		e = &s->ent[(*nent)++];
		memset(e, 0, sizeof *e);
		e->id = k;
		e->idlen = kn;
		e->cls = -1;
		if (cg ? cgroup(e, c) : container(e, c, s, nends))
			return -1;
	}
	return r;
}

static int
by_id(const void *a, const void *b)
{
	const struct snap_ent *x = a, *y = b;
	int d = memcmp(x->id, y->id, x->idlen < y->idlen ? x->idlen : y->idlen);

	return d ? d : (x->idlen > y->idlen) - (x->idlen < y->idlen);
}

/* Sort ent[first..first+n) by id; -1 when an id is there twice (json-c
 * keeps the last). */
static int
sort_ids(struct snap_ent *ent, size_t first, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;	/* ent may be NULL */
	ent += first;
	qsort(ent, n, sizeof *ent, by_id);
	for (i = 1; i < n; i++)
		if (by_id(&ent[i - 1], &ent[i]) == 0)
			return -1;
	return 0;
}

static const struct snap_ent *
find(const struct snap_ent *ent, size_t first, size_t n, const char *id)
{
	struct snap_ent key = { .id = id, .idlen = strlen(id) };

	return n ? bsearch(&key, ent + first, n, sizeof *ent, by_id) : NULL;
}

/* One top-level member: 0, or -1 to leave the line to json-c. */
struct top {
	unsigned seen;
	char *type;
	size_t tn, nprocs, nent, nends;
	size_t cs, ncs, cg, ncg;	/* the two tables in s->ent: first, count */
};

static int
top_member(struct snap *s, struct cur *c, struct top *t, const char *k, size_t kn)
{
	int64_t ver;
	char *ts;

	if (IS(k, kn, "type"))	/* another type is json-c's at once, not after a walk */
		return once(&t->seen, 1) || get_str(c, &t->type, &t->tn) ||
		       !IS(t->type, t->tn, "snapshot") ? -1 : 0;
	if (IS(k, kn, "v"))
		return once(&t->seen, 2) || get_i64(c, 1, 1, &ver) ? -1 : 0;
	if (IS(k, kn, "ts")) {
		/* echoed as written: json-c's text of it is the same but for -0 */
		ts = c->p;
		if (once(&t->seen, 4) || *ts == '-' || get_dbl(c, 0, 1e11, &s->ts))
			return -1;
		s->ts_raw = ts;
		s->ts_len = (size_t)(c->p - ts);
		return 0;
	}
	if (IS(k, kn, "seq"))
		return once(&t->seen, 8) || get_i64(c, 0, INT64_MAX, &s->seq) ? -1 : 0;
	if (IS(k, kn, "interval_s"))
		return once(&t->seen, 16) || get_dbl(c, 0, 1e6, &s->interval_s) ? -1 : 0;
	if (IS(k, kn, "mem"))
		return once(&t->seen, 32) || mem(s, c) ? -1 : 0;
	if (IS(k, kn, "procs"))
		return once(&t->seen, 64) || procs(s, c, &t->nprocs, &t->nends) ? -1 : 0;
	if (IS(k, kn, "containers")) {
		t->cs = t->nent;
		if (once(&t->seen, 128) || entries(s, c, 0, &t->nent, &t->nends))
			return -1;
		t->ncs = t->nent - t->cs;
		s->has_containers = 1;
		return 0;
	}
	if (IS(k, kn, "cgroups")) {
		t->cg = t->nent;
		if (once(&t->seen, 256) || entries(s, c, 1, &t->nent, &t->nends))
			return -1;
		t->ncg = t->nent - t->cg;
		s->has_cgroups = 1;
		return 0;
	}
	skip(c);
	return 0;
}

#define TOP_REQUIRED (1 | 4 | 8 | 32 | 64)	/* type, ts, seq, mem, procs */

int
snap_fast(struct snap *s, char *line, size_t len)
{
	struct cur c = { line, line + len };
	struct top t = { 0 };
	size_t i, at, kn;
	char *k;
	int r;

	if (len > INT32_MAX || jstrict_check(line, len, &at))
		return -1;
	skip_ws(&c);
	if (open_at(&c, '{'))
		return -1;
	s->interval_s = 0;
	s->has_containers = s->has_cgroups = 0;
	while ((r = member(&c, &k, &kn)) > 0)
		if (top_member(s, &c, &t, k, kn))
			return -1;
	if (r < 0 || (t.seen & TOP_REQUIRED) != TOP_REQUIRED || !IS(t.type, t.tn, "snapshot") ||
	    sort_ids(s->ent, t.cs, t.ncs) || sort_ids(s->ent, t.cg, t.ncg))
		return -1;

	/* taken: end the strings, group, describe */
	for (i = 0; i < t.nends; i++)
		*s->ends[i] = '\0';
	if (snap_group(s, NULL, t.nprocs)) {
		for (i = 0; i < t.nends; i++)
			*s->ends[i] = '"';
		return -1;
	}
	for (i = 0; i < s->nctr; i++) {
		struct snap_ctr *x = &s->ctr[i];
		const struct snap_ent *e = find(s->ent, t.cs, t.ncs, x->id);
		const struct snap_ent *g = find(s->ent, t.cg, t.ncg, x->id);

		x->name = x->image = "";
		x->label_class = -1;
		if (e) {
			x->known = 1;
			if (e->name)
				x->name = e->name;
			if (e->image)
				x->image = e->image;
			x->label_managed = e->managed;
			x->label_class = e->cls;
		}
		if (g) {
			x->has_ws = 1;
			x->ws_kb = g->ws_kb;
		}
	}
	return 0;
}
