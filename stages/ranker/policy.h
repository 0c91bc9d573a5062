/*
 * policy.h - the ranker's policy: a pure function of one snapshot, the
 * options and the cooldown table (what was sentenced lately, in input time).
 * No I/O, no clock: the same snapshots give the same verdicts.
 *
 * For each container of the snapshot it fills in the class, whether it takes
 * part, its place in the four orders and its fate; the kill list says which
 * to sentence, in order, each with a reason a person understands:
 *
 *   high: 4 running, keeping 2; heaviest by ram (12.50%)
 *   memory: 93.1% used, over 90%; heaviest by rss (1.2 GiB)
 */
#ifndef CULL_RANKER_POLICY_H
#define CULL_RANKER_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "snap.h"

enum { CLASS_LOW, CLASS_HIGH };
extern const char *const policy_class_name[2];	/* "low", "high" */

enum {
	FATE_KEEP,		/* takes part, kept */
	FATE_KILL,		/* sentenced now */
	FATE_INFLIGHT,		/* sentenced earlier, still cooling down */
	FATE_OUT,		/* does not take part (not cull.managed=true) */
};
extern const char *const policy_fate_name[4];

#define POLICY_HIGH_CPU 50.0	/* % of one CPU: half a core busy */
#define POLICY_HIGH_MEM 5.0	/* % of RAM */
#define POLICY_COOLDOWN_INTERVALS 3	/* default cooldown, in snapshot intervals */
#define POLICY_COOLDOWN_FALLBACK 3.0	/* seconds, when the snapshot has no interval_s */
#define COOLDOWN_MAX 4096	/* entries; the oldest goes first when full */
#define POLICY_PSI_SETTLE 30.0	/* s: after any sentence the pressure guard waits this
				 * or the cooldown, the longer: avg10 decays with a 10 s
				 * time constant, to 5% of its height in 30 s */

struct policy_opt {
	int keep[2];		/* [CLASS_LOW], [CLASS_HIGH]: how many to keep */
	int sort_by;		/* KEY_*: the order of the keep and the rank line */
	double high_cpu;	/* class high from cpu_pct >= this ... */
	double high_mem;	/* ... or mem_pct >= this, when unlabelled */
	double max_mem_pct;	/* memory guard; < 0: off */
	double max_psi;		/* pressure guard on mem.psi some avg10; < 0: off */
	double cooldown;	/* seconds; < 0: POLICY_COOLDOWN_INTERVALS * interval_s */
	int any;		/* every container takes part, labels or not */
};

void policy_opt_default(struct policy_opt *o);

/* Cooldown times are whole microseconds of input time: a container
 * sentenced at t0 with a cooldown of S is in flight while
 * us(ts) < us(t0) + us(S), us(x) = x * 1e6 rounded to the nearest, so it is
 * eligible again from the first snapshot with ts >= t0 + S as written in
 * decimal (0.3 + 3 x 0.1 ends at 0.6, which binary floating point misses). */
int64_t cooldown_us(double seconds);

struct cooldown_entry {
	char *id;
	int64_t until_us;	/* input time the container is in flight until */
};

struct cooldown {
	struct cooldown_entry *e;
	size_t n;
	int64_t settle_us;	/* the pressure guard sentences nobody before this */
};

void cooldown_free(struct cooldown *cd);
/* The entry for id whose cooldown has not ended at ts, or NULL. */
const struct cooldown_entry *cooldown_find(const struct cooldown *cd, const char *id, double ts);

struct verdict {
	size_t *kill;		/* indexes into s->ctr, in the order to emit */
	size_t nkill;
	size_t *by[KEY_N];	/* each order, heaviest first: indexes into s->ctr */
	size_t by_cap;
	double cooldown;	/* the cooldown used for this snapshot, seconds */
};

void verdict_free(struct verdict *v);

/* Decide for snapshot s; updates s->ctr[].cls/managed/fate/order/reason, v,
 * and the cooldown table (expired entries go, the sentenced come in). */
void policy_run(struct snap *s, const struct policy_opt *o, struct cooldown *cd,
		struct verdict *v);

/* "512 KiB", "12.3 MiB", "2.9 GiB": sizes for people. */
void policy_human_kb(char *buf, size_t n, long long kb);

#endif
