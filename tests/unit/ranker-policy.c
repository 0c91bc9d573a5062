/* ranker-policy.c - the ranker's policy as a pure function, its cooldown
 * table, and snapshot parsing, without the program around them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jv.h"
#include "policy.h"
#include "snap.h"
#include "tap.h"

static struct jv v;
static double used_pct = 1;	/* of the snapshots line_of() makes */

/* A snapshot line with n containers "k00".."k(n-1)", one process each,
 * mem_pct = (i+1)/100 (so k(n-1) is heaviest), at input time ts. */
static char *
line_of(int n, double ts, const char *extra)
{
	size_t cap = 256 + (size_t)n * 160, len;
	char *s = malloc(cap);
	int i;

	len = (size_t)snprintf(s, cap, "{\"type\":\"snapshot\",\"v\":1,\"seq\":1,\"ts\":%g,%s"
			       "\"mem\":{\"total_kb\":1000000,\"used_kb\":1,\"used_pct\":%g},\"procs\":[",
			       ts, extra, used_pct);
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len, "%s{\"pid\":%d,\"container\":\"k%02d\","
					"\"vsz_kb\":1,\"rss_kb\":%d,\"mem_pct\":%g,\"cpu_pct\":0}",
					i ? "," : "", i + 1, i, 1000 * (i + 1), (i + 1) / 100.0);
	snprintf(s + len, cap - len, "]}");
	return s;
}

static json_object *
parse_into(struct snap *s, const char *line)
{
	json_object *o = jv_parse(&v, line, strlen(line));

	if (!o || snap_parse(s, &v, o)) {
		printf("# parse failed: %s\n", v.err);
		json_object_put(o);
		return NULL;
	}
	return o;
}

static void
test_human(void)
{
	char b[32];

	policy_human_kb(b, sizeof b, 0);
	is_str(b, "0 KiB", "0 KiB");
	policy_human_kb(b, sizeof b, 1023);
	is_str(b, "1023 KiB", "under a MiB in KiB");
	policy_human_kb(b, sizeof b, 1024);
	is_str(b, "1.0 MiB", "1 MiB");
	policy_human_kb(b, sizeof b, 3 * 1024 * 1024 + 512 * 1024);
	is_str(b, "3.5 GiB", "3.5 GiB");
	policy_human_kb(b, sizeof b, INT64_MAX);
	ok(strstr(b, "EiB") != NULL, "the largest size in EiB (%s)", b);
	is_int(snap_sat_add(INT64_MAX - 1, 5), INT64_MAX, "sums saturate");
}

static void
test_ordinals_and_keep(void)
{
	struct snap s = {0};
	struct policy_opt o;
	struct cooldown cd = {0};
	struct verdict vd = {0};
	char *line = line_of(30, 100, "");
	json_object *j = parse_into(&s, line);
	size_t i;

	policy_opt_default(&o);
	o.high_mem = 1000;	/* all low */
	o.keep[CLASS_LOW] = 5;
	policy_run(&s, &o, &cd, &vd);
	is_int(vd.nkill, 25, "30 low, keeping 5: 25 sentenced");
	is_str(s.ctr[vd.kill[0]].id, "k29", "the heaviest first");
	is_str(s.ctr[vd.kill[0]].reason, "low: 30 running, keeping 5; heaviest by ram (0.30%)",
	       "reason of the first");
	ok(strstr(s.ctr[vd.kill[1]].reason, "; 2nd heaviest") != NULL, "2nd");
	ok(strstr(s.ctr[vd.kill[2]].reason, "; 3rd heaviest") != NULL, "3rd");
	ok(strstr(s.ctr[vd.kill[10]].reason, "; 11th heaviest") != NULL, "11th");
	ok(strstr(s.ctr[vd.kill[11]].reason, "; 12th heaviest") != NULL, "12th");
	ok(strstr(s.ctr[vd.kill[12]].reason, "; 13th heaviest") != NULL, "13th");
	ok(strstr(s.ctr[vd.kill[20]].reason, "; 21st heaviest") != NULL, "21st");
	ok(strstr(s.ctr[vd.kill[21]].reason, "; 22nd heaviest") != NULL, "22nd");
	for (i = 0; i < 5; i++)
		ok(s.ctr[i].fate == FATE_KEEP, "the lightest k%02zu kept", i);
	is_int(cd.n, 25, "25 in the cooldown table");
	ok(vd.cooldown == POLICY_COOLDOWN_FALLBACK, "no interval_s: the fallback cooldown (%g s)",
	   vd.cooldown);

	/* the same snapshot 2.9 s later: all 25 in flight, nothing new */
	json_object_put(j);
	free(line);
	line = line_of(30, 102.9, "");
	j = parse_into(&s, line);
	policy_run(&s, &o, &cd, &vd);
	is_int(vd.nkill, 0, "in flight: nobody sentenced again");
	is_int(s.ctr[29].fate, FATE_INFLIGHT, "the heaviest is in flight");
	/* at 103.0 the cooldown has ended: the same 25 again */
	json_object_put(j);
	free(line);
	line = line_of(30, 103, "\"interval_s\":2,");
	j = parse_into(&s, line);
	policy_run(&s, &o, &cd, &vd);
	is_int(vd.nkill, 25, "cooldown over at ts + 3: sentenced again");
	ok(vd.cooldown == 6, "interval_s 2: cooldown of 3 intervals (%g s)", vd.cooldown);
	ok(cooldown_find(&cd, "k29", 108.9) && !cooldown_find(&cd, "k29", 109),
	   "the new entry runs to 103 + 6");

	json_object_put(j);
	free(line);
	cooldown_free(&cd);
	verdict_free(&vd);
	snap_free(&s);
}

/* A cooldown of S from t0 ends at exactly t0 + S written in decimal, which
 * binary floating point misses: 0.3 + 3 * 0.1 > 0.6, 0.2 + 0.1 > 0.3. For
 * every t0 = k/10 and S = 3 x 0.1 (the default) or 0.1 (--cooldown): in
 * flight just before t0 + S, eligible again at t0 + S. */
static void
test_cooldown_exact(void)
{
	static const double opt[] = { -1, 0.1, 0.7 };
	int k, i, early = 0, late = 0, n = 0;

	for (i = 0; i < 3; i++)
		for (k = 1; k <= 200; k++) {
			struct snap s = {0};
			struct policy_opt o;
			struct cooldown cd = {0};
			struct verdict vd = {0};
			double t0 = k / 10.0, S = opt[i] < 0 ? 0.3 : opt[i];
			int steps = (int)(S * 10 + 0.5);
			double at[2] = { (k + steps) / 10.0 - 1e-4, (k + steps) / 10.0 };
			size_t got[2];
			int j;
			char *line = line_of(2, t0, "\"interval_s\":0.1,");
			json_object *o0 = parse_into(&s, line);

			policy_opt_default(&o);
			o.keep[CLASS_LOW] = 1;
			o.cooldown = opt[i];
			policy_run(&s, &o, &cd, &vd);
			json_object_put(o0);
			free(line);
			for (j = 0; j < 2; j++) {
				line = line_of(2, at[j], "\"interval_s\":0.1,");
				o0 = parse_into(&s, line);
				policy_run(&s, &o, &cd, &vd);
				got[j] = vd.nkill;
				json_object_put(o0);
				free(line);
			}
			early += got[0] != 0;
			if (got[1] != 1) {
				if (late++ < 3)
					printf("# S=%g t0=%g: still in flight at %.17g\n", S, t0, at[1]);
			}
			n++;
			cooldown_free(&cd);
			verdict_free(&vd);
			snap_free(&s);
		}
	is_int(early, 0, "cooldown: in flight until just before t0 + S (%d cases)", n);
	is_int(late, 0, "cooldown: eligible again at exactly t0 + S, 0.1-style values (%d cases)", n);
}

static void
test_cooldown_bound(void)
{
	struct snap s = {0};
	struct policy_opt o;
	struct cooldown cd = {0};
	struct verdict vd = {0};
	int round;

	policy_opt_default(&o);
	o.keep[CLASS_LOW] = o.keep[CLASS_HIGH] = 0;
	o.any = 1;
	o.cooldown = 1e6;
	/* 3 rounds of 2,000 new containers each: the table stops at its bound
	 * and lets the oldest go first */
	for (round = 0; round < 3; round++) {
		char *line = line_of(2000, 10 + round, "");
		json_object *j;
		char *p = line;

		/* other ids each round: kNN -> aNN, bNN, cNN */
		while ((p = strstr(p, "\"k")) != NULL)
			p[1] = (char)('a' + round), p++;
		j = parse_into(&s, line);
		policy_run(&s, &o, &cd, &vd);
		is_int(vd.nkill, 2000, "round %d: all 2,000 sentenced", round);
		json_object_put(j);
		free(line);
	}
	is_int(cd.n, COOLDOWN_MAX, "the cooldown table holds at most %d", COOLDOWN_MAX);
	ok(!cooldown_find(&cd, "a00", 12) && cooldown_find(&cd, "c00", 12) &&
	   cooldown_find(&cd, "b1999", 12), "the oldest entries went first");
	cooldown_free(&cd);
	verdict_free(&vd);
	snap_free(&s);
}

static void
test_guard_runs_out(void)
{
	struct snap s = {0};
	struct policy_opt o;
	struct cooldown cd = {0};
	struct verdict vd = {0};
	char *line;
	json_object *j;

	used_pct = 99;
	line = line_of(3, 1, "");
	used_pct = 1;
	/* 99% used, and the three hold 6 MB of 1 GB: all go, then the guard
	 * stops for want of candidates */
	j = parse_into(&s, line);
	policy_opt_default(&o);
	o.max_mem_pct = 10;
	policy_run(&s, &o, &cd, &vd);
	is_int(vd.nkill, 3, "the guard sentences everyone and stops");
	is_str(s.ctr[vd.kill[0]].id, "k02", "heaviest by rss first");
	json_object_put(j);
	free(line);
	cooldown_free(&cd);
	verdict_free(&vd);
	snap_free(&s);
}

static void
test_parse(void)
{
	struct snap s = {0};
	const char *a = "{\"type\":\"snapshot\",\"seq\":1,\"ts\":1,\"mem\":{\"total_kb\":10,\"used_kb\":1,"
		"\"used_pct\":1},\"procs\":[{\"pid\":2,\"container\":\"x\",\"vsz_kb\":1,\"rss_kb\":1,"
		"\"mem_pct\":0.1,\"cpu_pct\":0.7},{\"pid\":1,\"container\":\"x\",\"vsz_kb\":1,\"rss_kb\":1,"
		"\"mem_pct\":0.2,\"cpu_pct\":0.1},{\"pid\":3,\"container\":\"x\",\"vsz_kb\":1,\"rss_kb\":1,"
		"\"mem_pct\":0.3,\"cpu_pct\":0.2}]}";
	const char *b = "{\"type\":\"snapshot\",\"seq\":1,\"ts\":1,\"mem\":{\"total_kb\":10,\"used_kb\":1,"
		"\"used_pct\":1},\"procs\":[{\"pid\":3,\"container\":\"x\",\"vsz_kb\":1,\"rss_kb\":1,"
		"\"mem_pct\":0.3,\"cpu_pct\":0.2},{\"pid\":2,\"container\":\"x\",\"vsz_kb\":1,\"rss_kb\":1,"
		"\"mem_pct\":0.1,\"cpu_pct\":0.7},{\"pid\":1,\"container\":\"x\",\"vsz_kb\":1,\"rss_kb\":1,"
		"\"mem_pct\":0.2,\"cpu_pct\":0.1}]}";
	json_object *j = parse_into(&s, a);
	double m1 = s.ctr[0].mem_pct, c1 = s.ctr[0].cpu_pct;
	char id[300], line[600];

	json_object_put(j);
	j = parse_into(&s, b);
	ok(s.ctr[0].mem_pct == m1 && s.ctr[0].cpu_pct == c1,
	   "float sums do not depend on the order of the processes");
	ok(!s.has_containers && s.ctr[0].label_class == -1 && !s.ctr[0].known, "no containers: no labels");
	json_object_put(j);

	memset(id, 'f', sizeof id);
	id[SNAP_ID_MAX] = '\0';
	snprintf(line, sizeof line, "{\"type\":\"snapshot\",\"seq\":1,\"ts\":1,\"mem\":{\"total_kb\":10,"
		 "\"used_kb\":1,\"used_pct\":1},\"procs\":[{\"pid\":2,\"container\":\"%s\",\"vsz_kb\":1,"
		 "\"rss_kb\":1,\"mem_pct\":0.1,\"cpu_pct\":0.7}]}", id);
	j = parse_into(&s, line);
	ok(j != NULL, "a %d-byte container id is fine", SNAP_ID_MAX);
	json_object_put(j);
	id[SNAP_ID_MAX] = 'f';
	id[SNAP_ID_MAX + 1] = '\0';
	snprintf(line, sizeof line, "{\"type\":\"snapshot\",\"seq\":1,\"ts\":1,\"mem\":{\"total_kb\":10,"
		 "\"used_kb\":1,\"used_pct\":1},\"procs\":[{\"pid\":2,\"container\":\"%s\",\"vsz_kb\":1,"
		 "\"rss_kb\":1,\"mem_pct\":0.1,\"cpu_pct\":0.7}]}", id);
	j = jv_parse(&v, line, strlen(line));
	ok(j && snap_parse(&s, &v, j) < 0 && strstr(v.err, "longer than 256 bytes"),
	   "a longer one is refused: %s", v.err);
	json_object_put(j);
	snap_free(&s);
}

int
main(void)
{
	jv_init(&v);
	test_human();
	test_ordinals_and_keep();
	test_cooldown_exact();
	test_cooldown_bound();
	test_guard_runs_out();
	test_parse();
	jv_fini(&v);
	return tap_done();
}
