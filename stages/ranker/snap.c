/* snap.c - see snap.h */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mem.h"
#include "snap.h"
#include "policy.h"

const char *const snap_key_name[KEY_N + 1] = { "ram", "cpu", "vsz", "rss", "ws", NULL };


int64_t
snap_sat_add(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return INT64_MAX;
	return r;
}

void
snap_free(struct snap *s)
{
	free(s->procs);
	free(s->ctr);
	free(s->idx);
	free(s->ent);
	free(s->ends);
	memset(s, 0, sizeof *s);
}

/* qsort has no context argument: the procs being sorted */
static const struct snap_proc *sort_procs;

static int
by_pid(const void *a, const void *b)
{
	int64_t x = sort_procs[*(const size_t *)a].pid, y = sort_procs[*(const size_t *)b].pid;

	return (x > y) - (x < y);
}

/* by container id, then pid: the sums do not depend on the input's order */
static int
by_container(const void *a, const void *b)
{
	const struct snap_proc *x = &sort_procs[*(const size_t *)a];
	const struct snap_proc *y = &sort_procs[*(const size_t *)b];
	int c = strcmp(x->container, y->container);

	if (c)
		return c;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* qsort() of glibc allocates and merges; a snapshot has a few dozen
 * processes, where an insertion sort is quicker. */
static void
sort_idx(size_t *a, size_t n, int (*cmp)(const void *, const void *))
{
	size_t i, j;

	if (n > 64) {
		qsort(a, n, sizeof *a, cmp);
		return;
	}
	for (i = 1; i < n; i++) {
		size_t x = a[i];

		for (j = i; j > 0 && cmp(&a[j - 1], &x) > 0; j--)
			a[j] = a[j - 1];
		a[j] = x;
	}
}

/* mem.psi, optional: memory pressure from the kernel, in percent */
static int
parse_psi(struct snap *s, struct jv *v, json_object *m)
{
	json_object *p;
	int r = jv_obj(v, m, "psi", JV_OPT, &p);

	s->has_psi = 0;
	if (r)
		return r < 0 ? -1 : 0;
	jv_where(v, "mem.psi.");
	if (jv_dbl(v, p, "some_avg10", JV_REQ, 0, 100, &s->psi_some10) ||
	    jv_dbl(v, p, "some_avg60", JV_REQ, 0, 100, &s->psi_some60) ||
	    jv_dbl(v, p, "full_avg10", JV_REQ, 0, 100, &s->psi_full10) ||
	    jv_dbl(v, p, "full_avg60", JV_REQ, 0, 100, &s->psi_full60))
		return -1;
	s->has_psi = 1;
	return 0;
}

static int
parse_mem(struct snap *s, struct jv *v, json_object *o)
{
	json_object *m;

	if (jv_obj(v, o, "mem", JV_REQ, &m))
		return -1;
	jv_where(v, "mem.");
	if (jv_i64(v, m, "total_kb", JV_REQ, 1, SNAP_KB_MAX, &s->total_kb) ||
	    jv_i64(v, m, "used_kb", JV_REQ, 0, SNAP_KB_MAX, &s->used_kb) ||
	    jv_dbl(v, m, "used_pct", JV_REQ, 0, 100, &s->used_pct))
		return -1;
	if (parse_psi(s, v, m))
		return -1;
	jv_where(v, "%s", "");
	return 0;
}

static int
proc_fields(struct snap_proc *p, struct jv *v, json_object *o)
{
	return jv_i64(v, o, "pid", JV_REQ, 1, INT32_MAX, &p->pid) ||
	       jv_str(v, o, "container", JV_REQ, &p->container, &p->clen) ||
	       jv_i64(v, o, "rss_kb", JV_REQ, 0, SNAP_KB_MAX, &p->rss_kb) ||
	       jv_i64(v, o, "vsz_kb", JV_REQ, 0, SNAP_KB_MAX, &p->vsz_kb) ||
	       jv_dbl(v, o, "mem_pct", JV_REQ, 0, 100, &p->mem_pct) ||
	       jv_dbl(v, o, "cpu_pct", JV_REQ, 0, SNAP_PCT_MAX, &p->cpu_pct);
}

static int
parse_proc(struct snap_proc *p, struct jv *v, json_object *o, size_t i)
{
	if (!json_object_is_type(o, json_type_object))
		return jv_fail(v, "\"procs[%zu]\" is %s, not an object", i, jv_typename(o));
	if (proc_fields(p, v, o)) {
		/* again with the field prefix, only to say where */
		jv_where(v, "procs[%zu].", i);
		proc_fields(p, v, o);
		return -1;
	}
	if (p->clen > SNAP_ID_MAX)
		return jv_fail(v, "\"procs[%zu].container\" is longer than %d bytes", i, SNAP_ID_MAX);
	if (strlen(p->container) != p->clen)
		return jv_fail(v, "\"procs[%zu].container\" holds a NUL character", i);
	return 0;
}

/* A cull.* label: absent (1), a string (0), or anything else (-1). */
static int
label(struct jv *v, json_object *labels, const char *id, const char *key, const char **out)
{
	json_object *f;

	if (!json_object_object_get_ex(labels, key, &f))
		return 1;
	if (!json_object_is_type(f, json_type_string)) {
		jv_fail(v, "label \"%s\" of container \"%.64s\" is %s, not a string", key, id,
			f ? jv_typename(f) : "null");
		return -1;
	}
	*out = json_object_get_string(f);
	return 0;
}

static int
container_fields(struct jv *v, const char *id, json_object *c)
{
	json_object *labels = NULL;	/* stays NULL when absent (JV_OPT) */
	const char *str;

	if (jv_str(v, c, "name", JV_OPT, &str, NULL) < 0 ||
	    jv_str(v, c, "image", JV_OPT, &str, NULL) < 0 ||
	    jv_obj(v, c, "labels", JV_OPT, &labels) < 0)
		return -1;
	if (labels && (label(v, labels, id, "cull.managed", &str) < 0 ||
		       label(v, labels, id, "cull.class", &str) < 0))
		return -1;
	return 0;
}

/* Every entry of `containers` is checked, listed or not, so a line is
 * either good or reported whatever its processes. */
static int
check_containers(struct jv *v, json_object *cs)
{
	json_object_object_foreach(cs, id, c) {
		if (!c || !json_object_is_type(c, json_type_object))
			return jv_fail(v, "\"containers\" entry \"%.64s\" is %s, not an object", id,
				       c ? jv_typename(c) : "null");
		if (container_fields(v, id, c)) {
			/* again with the field prefix, only to say where */
			jv_where(v, "containers[\"%.64s\"].", id);
			container_fields(v, id, c);
			return -1;
		}
	}
	return 0;
}

/* `cgroups`: every entry an object with a ws_kb; the other fields (usage,
 * inactive file, limit, pressure) are the reader's and not looked at. */
static int
check_cgroups(struct jv *v, json_object *cg)
{
	int64_t ws;

	json_object_object_foreach(cg, id, c) {
		if (!c || !json_object_is_type(c, json_type_object))
			return jv_fail(v, "\"cgroups\" entry \"%.64s\" is %s, not an object", id,
				       c ? jv_typename(c) : "null");
		if (jv_i64(v, c, "ws_kb", JV_REQ, 0, SNAP_KB_MAX, &ws)) {
			jv_where(v, "cgroups[\"%.64s\"].", id);
			jv_i64(v, c, "ws_kb", JV_REQ, 0, SNAP_KB_MAX, &ws);
			return -1;
		}
	}
	return 0;
}

static void
working_set(struct snap_ctr *k, json_object *cg)
{
	json_object *c, *f;

	k->has_ws = 0;
	k->ws_kb = 0;
	if (!cg || !json_object_object_get_ex(cg, k->id, &c) ||
	    !json_object_object_get_ex(c, "ws_kb", &f))
		return;
	k->has_ws = 1;
	k->ws_kb = json_object_get_int64(f);
}

static void
describe(struct snap_ctr *k, json_object *cs)
{
	json_object *c, *labels = NULL, *f;
	const char *str;

	k->name = k->image = "";
	k->known = k->label_managed = 0;
	k->label_class = -1;
	if (!cs || !json_object_object_get_ex(cs, k->id, &c))
		return;
	k->known = 1;
	if (json_object_object_get_ex(c, "name", &f))
		k->name = json_object_get_string(f);
	if (json_object_object_get_ex(c, "image", &f))
		k->image = json_object_get_string(f);
	if (!json_object_object_get_ex(c, "labels", &labels) || !labels)
		return;
	if (json_object_object_get_ex(labels, "cull.managed", &f))
		k->label_managed = strcmp(json_object_get_string(f), "true") == 0;
	if (json_object_object_get_ex(labels, "cull.class", &f)) {
		str = json_object_get_string(f);
		if (strcmp(str, "high") == 0)
			k->label_class = CLASS_HIGH;
		else if (strcmp(str, "low") == 0)
			k->label_class = CLASS_LOW;
	}
}

int
snap_parse(struct snap *s, struct jv *v, json_object *o)
{
	json_object *procs, *cs = NULL, *cg = NULL, *ts;
	size_t n, i;
	int64_t ver;
	int r;

	jv_where(v, "%s", "");
	r = jv_i64(v, o, "v", JV_OPT, 0, INT64_MAX, &ver);
	if (r < 0)
		return -1;
	if (r == 0 && ver != 1)
		return jv_fail(v, "snapshot version %lld is not supported (only 1)", (long long)ver);
	if (jv_dbl(v, o, "ts", JV_REQ, 0, 1e11, &s->ts) ||
	    jv_i64(v, o, "seq", JV_REQ, 0, INT64_MAX, &s->seq))
		return -1;
	json_object_object_get_ex(o, "ts", &ts);
	s->ts_raw = json_object_to_json_string_length(ts, JSON_C_TO_STRING_PLAIN, &s->ts_len);
	s->interval_s = 0;
	if (jv_dbl(v, o, "interval_s", JV_OPT, 0, 1e6, &s->interval_s) < 0)
		return -1;
	if (parse_mem(s, v, o) || jv_arr(v, o, "procs", JV_REQ, &procs))
		return -1;
	r = jv_obj(v, o, "containers", JV_OPT, &cs);
	if (r < 0 || (r == 0 && check_containers(v, cs)))
		return -1;
	s->has_containers = r == 0;
	r = jv_obj(v, o, "cgroups", JV_OPT, &cg);
	if (r < 0 || (r == 0 && check_cgroups(v, cg)))
		return -1;
	s->has_cgroups = r == 0;

	n = json_object_array_length(procs);
	s->procs = cull_grow(s->procs, &s->procs_cap, n, sizeof *s->procs);
	for (i = 0; i < n; i++)
		if (parse_proc(&s->procs[i], v, json_object_array_get_idx(procs, i), i))
			return -1;
	if (snap_group(s, v, n))
		return -1;
	for (i = 0; i < s->nctr; i++) {
		describe(&s->ctr[i], cs);
		working_set(&s->ctr[i], cg);
	}
	return 0;
}

int
snap_group(struct snap *s, struct jv *v, size_t n)
{
	size_t i, j;

	s->idx = cull_grow(s->idx, &s->idx_cap, n, sizeof *s->idx);
	for (i = 0; i < n; i++)
		s->idx[i] = i;
	sort_procs = s->procs;
	sort_idx(s->idx, n, by_pid);
	for (i = 1; i < n; i++)
		if (s->procs[s->idx[i]].pid == s->procs[s->idx[i - 1]].pid) {
			size_t a = s->idx[i - 1], b = s->idx[i];

			if (!v)
				return -1;
			return jv_fail(v, "pid %lld appears twice (procs[%zu] and procs[%zu])",
				       (long long)s->procs[a].pid, a < b ? a : b, a < b ? b : a);
		}

	/* group by container */
	sort_idx(s->idx, n, by_container);
	s->nctr = s->nprocs = 0;
	for (i = 0; i < n; i = j) {
		const struct snap_proc *p = &s->procs[s->idx[i]];
		struct snap_ctr *k;

		for (j = i + 1; j < n && strcmp(s->procs[s->idx[j]].container, p->container) == 0; j++)
			;
		if (p->clen == 0)
			continue;	/* host processes */
		s->ctr = cull_grow(s->ctr, &s->ctr_cap, s->nctr + 1, sizeof *s->ctr);
		k = &s->ctr[s->nctr++];
		memset(k, 0, sizeof *k);
		k->id = p->container;
		k->procs = (int)(j - i);
		for (; i < j; i++) {
			p = &s->procs[s->idx[i]];
			k->rss_kb = snap_sat_add(k->rss_kb, p->rss_kb);
			k->vsz_kb = snap_sat_add(k->vsz_kb, p->vsz_kb);
			k->mem_pct += p->mem_pct;
			k->cpu_pct += p->cpu_pct;
		}
		s->nprocs += (size_t)k->procs;
	}
	return 0;
}

const char *
snap_differ(const struct snap *a, const struct snap *b)
{
	static char why[128];
	size_t i;

#define D(cond, what) do { if (cond) { snprintf(why, sizeof why, "%s", what); return why; } } while (0)
	D(a->ts != b->ts || a->ts_len != b->ts_len || memcmp(a->ts_raw, b->ts_raw, a->ts_len), "ts");
	D(a->seq != b->seq || a->interval_s != b->interval_s, "seq or interval_s");
	D(a->total_kb != b->total_kb || a->used_kb != b->used_kb || a->used_pct != b->used_pct, "mem");
	D(a->has_psi != b->has_psi, "has_psi");
	D(a->has_psi && (a->psi_some10 != b->psi_some10 || a->psi_some60 != b->psi_some60 ||
			 a->psi_full10 != b->psi_full10 || a->psi_full60 != b->psi_full60), "psi");
	D(a->has_containers != b->has_containers || a->has_cgroups != b->has_cgroups, "has_*");
	D(a->nprocs != b->nprocs || a->nctr != b->nctr, "counts");
	for (i = 0; i < a->nctr; i++) {
		const struct snap_ctr *x = &a->ctr[i], *y = &b->ctr[i];

		snprintf(why, sizeof why, "container %zu", i);
		if (strcmp(x->id, y->id) || strcmp(x->name, y->name) || strcmp(x->image, y->image) ||
		    x->known != y->known || x->label_class != y->label_class ||
		    x->label_managed != y->label_managed || x->procs != y->procs ||
		    x->rss_kb != y->rss_kb || x->vsz_kb != y->vsz_kb || x->mem_pct != y->mem_pct ||
		    x->cpu_pct != y->cpu_pct || x->has_ws != y->has_ws || x->ws_kb != y->ws_kb)
			return why;
	}
	return NULL;
#undef D
}
