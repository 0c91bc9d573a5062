/* policy.c - see policy.h */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mem.h"
#include "policy.h"

const char *const policy_class_name[2] = { "low", "high" };
const char *const policy_fate_name[4] = { "keep", "KILL", "dying", "-" };

void
policy_opt_default(struct policy_opt *o)
{
	memset(o, 0, sizeof *o);
	o->keep[CLASS_HIGH] = 2;
	o->keep[CLASS_LOW] = 3;
	o->sort_by = KEY_RAM;
	o->high_cpu = POLICY_HIGH_CPU;
	o->high_mem = POLICY_HIGH_MEM;
	o->max_mem_pct = -1;
	o->max_psi = -1;
	o->cooldown = -1;
}

void
policy_human_kb(char *buf, size_t n, long long kb)
{
	static const char *const unit[] = { "MiB", "GiB", "TiB", "PiB", "EiB" };
	double x = (double)kb;
	int u = -1;

	if (kb < 1024) {
		snprintf(buf, n, "%lld KiB", kb);
		return;
	}
	while (x >= 1024 && u < 4) {
		x /= 1024;
		u++;
	}
	snprintf(buf, n, "%.1f %s", x, unit[u]);
}

/* ---- the cooldown table: sorted by id, at most COOLDOWN_MAX entries ---- */

/* ts is at most 1e11 s and a cooldown at most 1e9 s (snap.c, main.c):
 * both fit in int64 microseconds with room to add them. */
int64_t
cooldown_us(double seconds)
{
	return (int64_t)llround(seconds * 1e6);
}

void
cooldown_free(struct cooldown *cd)
{
	size_t i;

	for (i = 0; i < cd->n; i++)
		free(cd->e[i].id);
	free(cd->e);
	memset(cd, 0, sizeof *cd);
}

/* Index of id, or where it would go (*found 0). */
static size_t
cooldown_pos(const struct cooldown *cd, const char *id, int *found)
{
	size_t lo = 0, hi = cd->n;

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(cd->e[mid].id, id);

		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct cooldown_entry *
cooldown_find(const struct cooldown *cd, const char *id, double ts)
{
	int found;
	size_t i = cooldown_pos(cd, id, &found);

	return found && cooldown_us(ts) < cd->e[i].until_us ? &cd->e[i] : NULL;
}

static void
cooldown_expire(struct cooldown *cd, double ts)
{
	int64_t now = cooldown_us(ts);
	size_t i, j = 0;

	for (i = 0; i < cd->n; i++) {
		if (now >= cd->e[i].until_us)
			free(cd->e[i].id);
		else
			cd->e[j++] = cd->e[i];
	}
	cd->n = j;
}

static void
cooldown_drop(struct cooldown *cd, size_t i)
{
	free(cd->e[i].id);
	memmove(&cd->e[i], &cd->e[i + 1], (cd->n - i - 1) * sizeof *cd->e);
	cd->n--;
}

static void
cooldown_add(struct cooldown *cd, const char *id, int64_t until)
{
	size_t i;
	int found;

	if (!cd->e) {
		cd->e = malloc(COOLDOWN_MAX * sizeof *cd->e);
		if (!cd->e)
			cull_die(CULL_EXIT_FAIL, "fatal: out of memory");
	}
	i = cooldown_pos(cd, id, &found);
	if (found) {
		cd->e[i].until_us = until;
		return;
	}
	if (cd->n == COOLDOWN_MAX) {
		size_t j, old = 0;

		for (j = 1; j < cd->n; j++)
			if (cd->e[j].until_us < cd->e[old].until_us)
				old = j;
		cooldown_drop(cd, old);
		if (old < i)
			i--;
	}
	memmove(&cd->e[i + 1], &cd->e[i], (cd->n - i) * sizeof *cd->e);
	cd->e[i].id = cull_strdup(id);
	cd->e[i].until_us = until;
	cd->n++;
}

/* ---- the orders ---- */

void
verdict_free(struct verdict *v)
{
	int k;

	free(v->kill);
	for (k = 0; k < KEY_N; k++)
		free(v->by[k]);
	memset(v, 0, sizeof *v);
}

static double
key_value(const struct snap_ctr *c, int key)
{
	switch (key) {
	case KEY_RAM:	return c->mem_pct;
	case KEY_CPU:	return c->cpu_pct;
	case KEY_VSZ:	return (double)c->vsz_kb;
	case KEY_WS:	return (double)c->ws_kb;
	default:	return (double)c->rss_kb;
	}
}

/* vsz, rss and ws are sizes in KiB, compared whole */
static int
key_is_size(int key)
{
	return key == KEY_VSZ || key == KEY_RSS || key == KEY_WS;
}

static int64_t
key_size(const struct snap_ctr *c, int key)
{
	return key == KEY_VSZ ? c->vsz_kb : key == KEY_WS ? c->ws_kb : c->rss_kb;
}

static long long
hundredths(double x)
{
	return x >= 9e15 ? (long long)9e17 : llround(x * 100);
}

struct order_ctx {
	const struct snap_ctr *ctr;
	int key;
};

/* heaviest first, ties by id */
static int
heavier(const void *a, const void *b, void *arg)
{
	const struct order_ctx *x = arg;
	const struct snap_ctr *p = &x->ctr[*(const size_t *)a], *q = &x->ctr[*(const size_t *)b];
	int c;

	if (key_is_size(x->key)) {
		int64_t u = key_size(p, x->key), w = key_size(q, x->key);

		c = (u < w) - (u > w);
	} else {
		/* shares compare at the precision they are written with (0.01):
		 * what looks like a tie is one, and goes by id */
		long long u = hundredths(key_value(p, x->key));
		long long w = hundredths(key_value(q, x->key));

		c = (u < w) - (u > w);
	}
	return c ? c : strcmp(p->id, q->id);
}

static void
figure(char *buf, size_t n, const struct snap_ctr *c, int key)
{
	if (key_is_size(key))
		policy_human_kb(buf, n, (long long)key_size(c, key));
	else
		snprintf(buf, n, "%.2f%%", key_value(c, key));
}

static void
heaviest(char *buf, size_t n, int nth)
{
	const char *sfx = "th";

	if (nth == 1) {
		snprintf(buf, n, "heaviest");
		return;
	}
	if (nth % 100 < 11 || nth % 100 > 13) {
		if (nth % 10 == 1)
			sfx = "st";
		else if (nth % 10 == 2)
			sfx = "nd";
		else if (nth % 10 == 3)
			sfx = "rd";
	}
	snprintf(buf, n, "%d%s heaviest", nth, sfx);
}

static void
sentence(struct snap_ctr *c, size_t i, struct verdict *v)
{
	c->fate = FATE_KILL;
	v->kill[v->nkill++] = i;
}

/* Room in v for n containers: every order and the kill list. */
static void
verdict_room(struct verdict *v, size_t n)
{
	size_t cap;
	int k;

	if (n <= v->by_cap)
		return;
	for (k = 0; k < KEY_N; k++) {
		cap = v->by_cap;
		v->by[k] = cull_grow(v->by[k], &cap, n, sizeof *v->by[k]);
	}
	cap = v->by_cap;
	v->kill = cull_grow(v->kill, &cap, n, sizeof *v->kill);
	v->by_cap = cap;
}

/* Each order, heaviest first, and each container's place in it. */
static void
order_all(struct snap *s, struct verdict *v)
{
	size_t i, n = s->nctr;
	int k;

	for (k = 0; k < KEY_N; k++) {
		struct order_ctx ctx = { s->ctr, k };

		for (i = 0; i < n; i++)
			v->by[k][i] = i;
		if (n > 1)	/* by[k] is NULL while no snapshot had a container */
			qsort_r(v->by[k], n, sizeof *v->by[k], heavier, &ctx);
		for (i = 0; i < n; i++)
			s->ctr[v->by[k][i]].order[k] = (int)i + 1;
	}
}

/* Class (a label says, else the thresholds), managed or not, and the fate
 * before sentencing: out, being killed (in its cooldown) or kept. */
static void
classify(struct snap *s, const struct policy_opt *o, const struct cooldown *cd)
{
	size_t i;

	for (i = 0; i < s->nctr; i++) {
		struct snap_ctr *c = &s->ctr[i];

		if (c->label_class >= 0)
			c->cls = c->label_class;
		else
			c->cls = c->cpu_pct >= o->high_cpu || c->mem_pct >= o->high_mem
				? CLASS_HIGH : CLASS_LOW;
		/* with the engine's list, one it does not list is not its own
		 * (another engine's on the same kernel): never a candidate */
		c->managed = !s->has_containers || (c->known && (o->any || c->label_managed));
		c->fate = !c->managed ? FATE_OUT
			: cooldown_find(cd, c->id, s->ts) ? FATE_INFLIGHT : FATE_KEEP;
		c->reason[0] = '\0';
	}
}

/* In class cls keep the lightest keep[cls], sentence the rest heaviest first. */
static void
keep_count(struct snap *s, const struct policy_opt *o, int cls, struct verdict *v)
{
	int running = 0, dying = 0, nth = 0;
	char fig[32], nthbuf[32], inflight[48] = "";
	const size_t *by = v->by[o->sort_by];
	size_t i, n = s->nctr;

	for (i = 0; i < n; i++) {
		const struct snap_ctr *c = &s->ctr[i];

		running += c->cls == cls && c->fate == FATE_KEEP;
		dying += c->cls == cls && c->fate == FATE_INFLIGHT;
	}
	if (running <= o->keep[cls])
		return;
	if (dying)
		snprintf(inflight, sizeof inflight, " (and %d being killed)", dying);
	for (i = 0; i < n && nth < running - o->keep[cls]; i++) {
		struct snap_ctr *c = &s->ctr[by[i]];

		if (c->cls != cls || c->fate != FATE_KEEP)
			continue;
		heaviest(nthbuf, sizeof nthbuf, ++nth);
		figure(fig, sizeof fig, c, o->sort_by);
		snprintf(c->reason, sizeof c->reason, "%s: %d running%s, keeping %d; %s by %s (%s)",
			 policy_class_name[cls], running, inflight, o->keep[cls], nthbuf,
			 snap_key_name[o->sort_by], fig);
		sentence(c, by[i], v);
	}
}

/* The memory guard: over max_mem_pct, sentence by RSS, heaviest first,
 * until what is being killed (counted as freed already) brings it under. */
static void
memory_guard(struct snap *s, const struct policy_opt *o, struct verdict *v)
{
	double freed = 0;
	int nth = 0;
	size_t i, n = s->nctr;

	for (i = 0; i < n; i++)
		if (s->ctr[i].fate == FATE_KILL || s->ctr[i].fate == FATE_INFLIGHT)
			freed += (double)s->ctr[i].rss_kb;
	for (i = 0; i < n; i++) {
		size_t j = v->by[KEY_RSS][i];
		struct snap_ctr *c = &s->ctr[j];
		char fig[32], nthbuf[32];

		if (s->used_pct - freed * 100 / (double)s->total_kb <= o->max_mem_pct)
			break;
		if (c->fate != FATE_KEEP)
			continue;
		heaviest(nthbuf, sizeof nthbuf, ++nth);
		policy_human_kb(fig, sizeof fig, (long long)c->rss_kb);
		snprintf(c->reason, sizeof c->reason,
			 "memory: %.2f%% used, over %.2f%%; %s left by rss (%s)",
			 s->used_pct, o->max_mem_pct, nthbuf, fig);
		freed += (double)c->rss_kb;
		sentence(c, j, v);
	}
}

/* The pressure guard: while some avg10 is over max_psi, sentence the
 * heaviest kept container in the policy's order, one at a time, as
 * systemd-oomd kills one cgroup and waits. A sentence, this one's or any
 * other's, answers the pressure until it has had time to show: the guard
 * waits the cooldown or POLICY_PSI_SETTLE after it, the longer (the average
 * lags the relief: it decays with a 10 s time constant), even when the
 * container is gone. */
static void
pressure_guard(struct snap *s, const struct policy_opt *o, const struct cooldown *cd,
	       struct verdict *v)
{
	const size_t *by = v->by[o->sort_by];
	size_t i, n = s->nctr;
	char fig[32];

	if (v->nkill || cooldown_us(s->ts) < cd->settle_us)
		return;
	for (i = 0; i < n; i++) {
		struct snap_ctr *c = &s->ctr[by[i]];

		if (c->fate != FATE_KEEP)
			continue;
		figure(fig, sizeof fig, c, o->sort_by);
		snprintf(c->reason, sizeof c->reason,
			 "pressure: some avg10 %.2f%%, over %.2f%%; heaviest by %s (%s)",
			 s->psi_some10, o->max_psi, snap_key_name[o->sort_by], fig);
		sentence(c, by[i], v);
		return;
	}
}

void
policy_run(struct snap *s, const struct policy_opt *o, struct cooldown *cd, struct verdict *v)
{
	size_t i;
	int cls;

	v->cooldown = o->cooldown >= 0 ? o->cooldown
		: s->interval_s > 0 ? POLICY_COOLDOWN_INTERVALS * s->interval_s
		: POLICY_COOLDOWN_FALLBACK;
	cooldown_expire(cd, s->ts);
	verdict_room(v, s->nctr);
	v->nkill = 0;
	order_all(s, v);
	classify(s, o, cd);
	for (cls = CLASS_HIGH; cls >= CLASS_LOW; cls--)
		keep_count(s, o, cls, v);
	if (o->max_mem_pct >= 0 && s->used_pct > o->max_mem_pct)
		memory_guard(s, o, v);
	if (o->max_psi >= 0 && s->has_psi && s->psi_some10 > o->max_psi)
		pressure_guard(s, o, cd, v);
	for (i = 0; i < v->nkill; i++)
		cooldown_add(cd, s->ctr[v->kill[i]].id, cooldown_us(s->ts) + cooldown_us(v->cooldown));
	if (v->nkill)
		cd->settle_us = cooldown_us(s->ts) +
			cooldown_us(v->cooldown > POLICY_PSI_SETTLE ? v->cooldown : POLICY_PSI_SETTLE);
}
