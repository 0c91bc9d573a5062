/* ranker-fast.c - snap_fast() (the ranker's parse without json-c) held to
 * snap_parse() (json-c's) line by line: on every snapshot line of the
 * golden files, on cases written for what json-c reads its own way
 * (escapes, repeated fields, number forms), and on single-byte mutations
 * of the golden lines. Whenever the fast path takes a line, json-c's must
 * take it too and give the same snapshot, field by field; when it does not,
 * the line must be as it was. And it must take the reader's own lines. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jv.h"
#include "snap.h"
#include "tap.h"

static struct jv v;
static struct snap fast, slow;
static unsigned long taken, given_back, compared;

/* One line through both; 1 when the fast path took it. */
static int
check(const char *line, const char *where)
{
	size_t n = strlen(line);
	char *a = malloc(n + 1), *b = malloc(n + 1);
	json_object *o;
	const char *type, *why;
	int f, sl = 0;

	memcpy(a, line, n + 1);
	memcpy(b, line, n + 1);
	f = snap_fast(&fast, a, n) == 0;
	o = jv_parse(&v, b, n);
	if (o && jv_str(&v, o, "type", JV_REQ, &type, NULL) == 0 && strcmp(type, "snapshot") == 0)
		sl = snap_parse(&slow, &v, o) == 0;
	if (f) {
		taken++;
		if (!sl) {
			ok(0, "%s: taken by the fast path, refused by json-c's: %s", where, v.err);
			printf("#   %.300s\n", line);
		} else if ((why = snap_differ(&fast, &slow)) != NULL) {
			ok(0, "%s: the two paths differ in %s", where, why);
			printf("#   %.300s\n", line);
		} else {
			compared++;
		}
	} else {
		given_back++;
		if (memcmp(a, line, n + 1) != 0)
			ok(0, "%s: given back to json-c, but changed", where);
	}
	json_object_put(o);
	free(a);
	free(b);
	return f;
}

/* Every single-byte change of line at up to 40 places spread over it:
 * deleted, doubled, or replaced by a byte that matters to a JSON reader. */
static void
mutate(const char *line)
{
	static const char bytes[] = "\"\\{}[],:.-+e0159n ";
	size_t n = strlen(line), step = n / 40 + 1, i, j;
	char *m = malloc(n + 2);

	for (i = 0; i < n; i += step) {
		memcpy(m, line, i);
		memcpy(m + i, line + i + 1, n - i);	/* deleted */
		check(m, "mutation");
		memcpy(m, line, i + 1);
		memcpy(m + i + 1, line + i, n - i + 1);	/* doubled */
		check(m, "mutation");
		for (j = 0; bytes[j]; j++) {
			memcpy(m, line, n + 1);
			m[i] = bytes[j];
			check(m, "mutation");
		}
	}
	free(m);
}

/* The snapshot lines of the golden files in dir ending in suffix. */
static size_t
golden(const char *dir, const char *suffix, int mutations)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t lines = 0, took = 0, sl = strlen(suffix);
	char path[512], *buf = NULL;
	size_t cap = 0;
	ssize_t len;

	if (!ok(d != NULL, "%s is there (run from the top of the tree)", dir))
		return 0;
	while ((e = readdir(d)) != NULL) {
		size_t nl = strlen(e->d_name);
		FILE *f;

		if (nl < sl || strcmp(e->d_name + nl - sl, suffix) != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		while ((len = getline(&buf, &cap, f)) > 0) {
			if (buf[len - 1] == '\n')
				buf[--len] = '\0';
			if (!strstr(buf, "\"type\":\"snapshot\""))
				continue;
			lines++;
			took += check(buf, path);
			if (mutations)
				mutate(buf);
		}
		fclose(f);
	}
	closedir(d);
	free(buf);
	printf("# %s/*%s: %zu snapshot lines, %zu taken by the fast path\n", dir, suffix, lines, took);
	return mutations ? took : lines - took;
}

#define BASE_MEM "\"mem\":{\"total_kb\":1000,\"used_kb\":10,\"used_pct\":1}"
#define BASE_PROC "{\"pid\":1,\"container\":\"c1\",\"rss_kb\":1,\"vsz_kb\":2,\"mem_pct\":0.5,\"cpu_pct\":0}"

/* Written for what json-c reads its own way: fast 1 = the fast path may
 * take it, 0 = it must leave it to json-c. */
static const struct {
	int fast;
	const char *line;
} cases[] = {
	{ 1, "{\"type\":\"snapshot\",\"v\":1,\"seq\":1,\"ts\":5," BASE_MEM ",\"procs\":[" BASE_PROC "]}" },
	{ 1, "{\"type\":\"snapshot\",\"seq\":1,\"ts\":1.50," BASE_MEM ",\"procs\":[]}" },
	{ 1, " { \"procs\" : [ " BASE_PROC " ] , \"ts\" : 1e3 , \"seq\" : 0 , " BASE_MEM " , \"type\" : \"snapshot\" } " },
	{ 1, "{\"type\":\"snapshot\",\"seq\":1,\"ts\":5," BASE_MEM ",\"procs\":[" BASE_PROC "],"
	     "\"cgroups\":{\"c1\":{\"ws_kb\":7}},\"containers\":{\"c1\":{\"name\":\"n\",\"image\":\"i\","
	     "\"labels\":{\"cull.class\":\"high\",\"cull.managed\":\"true\",\"xy\":\"\\u0000\\\"\"}}}}" },
	{ 0, "{\"type\":\"snapshot\",\"seq\":1,\"ts\":5," BASE_MEM ",\"procs\":[" BASE_PROC "],"
	     "\"containers\":{\"c1\":{\"labels\":{\"x\\\"y\":\"z\"}}}}" },
	{ 1, "{\"type\":\"snapshot\",\"seq\":1,\"ts\":5," BASE_MEM ",\"procs\":[" BASE_PROC "],"
	     "\"containers\":{\"c2\":{},\"c1\":{\"labels\":{\"cull.class\":\"mid\"}}},\"cgroups\":{}}" },
	{ 1, "{\"type\":\"snapshot\",\"seq\":1,\"ts\":5,\"x\":[{\"a\":[1,{\"b\":\"}\"}]},null,true]," BASE_MEM ",\"procs\":[]}" },
	{ 0, "{\"type\":\"snapshot\",\"seq\":1,\"ts\":-0," BASE_MEM ",\"procs\":[]}" },
	{ 0, "{\"type\":\"snapshot\",\"seq\":1.0,\"ts\":5," BASE_MEM ",\"procs\":[]}" },
	{ 0, "{\"type\":\"snapshot\",\"seq\":1e0,\"ts\":5," BASE_MEM ",\"procs\":[]}" },
	{ 0, "{\"type\":\"snapshot\",\"seq\":1,\"seq\":2,\"ts\":5," BASE_MEM ",\"procs\":[]}" },
	{ 0, "{\"type\":\"snapshot\",\"s\\u0065q\":1,\"ts\":5," BASE_MEM ",\"procs\":[]}" },
	{ 0, "{\"type\":\"snap\\u0073hot\",\"seq\":1,\"ts\":5," BASE_MEM ",\"procs\":[]}" },
	{ 0, "{\"type\":\"snapshot\",\"seq\":1,\"ts\":5," BASE_MEM ",\"procs\":[" BASE_PROC "],"
	     "\"containers\":{\"c1\":{\"name\":\"a\\\"b\"}}}" },
	{ 0, "{\"type\":\"snapshot\",\"seq\":1,\"ts\":5," BASE_MEM ",\"procs\":[" BASE_PROC "],"
	     "\"containers\":{\"c1\":{\"labels\":{\"cull\\u002eclass\":\"high\"}}}}" },
	{ 0, "{\"type\":\"snapshot\",\"seq\":1,\"ts\":5," BASE_MEM ",\"procs\":[" BASE_PROC "],"
	     "\"containers\":{\"c1\":{},\"c1\":{\"name\":\"x\"}}}" },
	{ 0, "{\"type\":\"snapshot\",\"seq\":1,\"ts\":5," BASE_MEM ",\"procs\":[" BASE_PROC "],"
	     "\"cgroups\":{\"c1\":{\"ws_kb\":1,\"ws_kb\":2}}}" },
	{ 0, "{\"type\":\"snapshot\",\"seq\":1,\"ts\":5," BASE_MEM ",\"procs\":[" BASE_PROC "," BASE_PROC "]}" },
	{ 0, "{\"type\":\"snapshot\",\"seq\":12345678901234567890,\"ts\":5," BASE_MEM ",\"procs\":[]}" },
	{ 0, "{\"type\":\"snapshot\",\"seq\":1,\"ts\":1234567890123456," BASE_MEM ",\"procs\":[]}" },
	{ 0, "{\"type\":\"snapshot\",\"seq\":1,\"ts\":1e400," BASE_MEM ",\"procs\":[]}" },
	{ 0, "{\"type\":\"snapshot\",\"seq\":1,\"ts\":5,\"interval_s\":null," BASE_MEM ",\"procs\":[]}" },
	{ 0, "{\"type\":\"snapshot\",\"seq\":1,\"ts\":5," BASE_MEM ",\"procs\":[" BASE_PROC "],"
	     "\"containers\":{\"c1\":{\"name\":null}}}" },
	{ 0, "{\"type\":\"snapshot\",\"seq\":1,\"ts\":5,\"v\":2," BASE_MEM ",\"procs\":[]}" },
	{ 0, "{\"type\":\"mem\",\"seq\":1,\"ts\":5," BASE_MEM ",\"procs\":[]}" },
	{ 0, "[{\"type\":\"snapshot\"}]" },
	{ 0, "{\"type\":\"snapshot\",\"seq\":1,\"ts\":5,\"mem\":{\"total_kb\":1000,\"used_kb\":10,\"used_pct\":NaN},\"procs\":[]}" },
};

int
main(void)
{
	size_t i, n;

	jv_init(&v);
	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		unsigned long before = compared;
		int f = check(cases[i].line, "case");

		if (cases[i].fast)
			ok(f && compared == before + 1, "case %zu: taken by the fast path, the same as json-c's", i);
		else
			ok(!f, "case %zu: left to json-c", i);
	}
	n = golden("tests/golden/reader", ".out", 0);
	is_int(n, 0, "the fast path takes every snapshot the reader's golden files hold");
	n = golden("tests/golden/ranker", ".in", 1);
	ok(n > 0, "the fast path takes the ranker's golden snapshots (%zu)", n);
	ok(taken > 1000 && given_back > 1000,
	   "lines both taken (%lu) and given back (%lu): the comparison ran", taken, given_back);
	is_int(compared, taken, "every line the fast path took, json-c's took the same way");
	snap_free(&fast);
	snap_free(&slow);
	jv_fini(&v);
	return tap_done();
}
