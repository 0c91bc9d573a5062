/* logger-state.c - the fold behind GET /api/state and GET /metrics
 * (state.h): lines of two hosts into a state, its fates and counters, the
 * ring of recent kills, state.json written and read back the same, a
 * spoiled state.json refused, and the Prometheus label escaping. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jv.h"
#include "jw.h"
#include "state.h"
#include "tap.h"

static void
fold(struct st_state *s, struct jv *v, const char *line)
{
	st_line(s, v, line, strlen(line));
}

static void
test_fold(struct jv *v)
{
	struct st_state s = { 0 }, back;
	struct jw w = { 0 }, w2 = { 0 };
	char line[256];
	int i;

	fold(&s, v, "{\"type\":\"mem\",\"ts\":10,\"used_kb\":5,\"total_kb\":10,\"used_pct\":50}");
	fold(&s, v, "{\"type\":\"rank\",\"ts\":10,\"seq\":3,\"by\":\"ram\",\"containers\":["
		    "{\"id\":\"a\",\"name\":\"A\",\"class\":\"high\",\"managed\":true},"
		    "{\"id\":\"b\",\"name\":\"B\",\"class\":\"low\",\"managed\":false}]}");
	fold(&s, v, "{\"type\":\"kill\",\"ts\":10,\"seq\":2,\"id\":\"a\"}");
	st_settle(&s, v);
	ok(s.host[0].ctn[0].fate == ST_KEPT, "a kill of another seq sentences no one");
	fold(&s, v, "{\"type\":\"kill\",\"ts\":10,\"seq\":3,\"id\":\"a\"}");
	ok(s.host[0].ctn[0].fate == ST_SENTENCED, "a kill of the rank's seq sentences");
	ok(s.host[0].ctn[1].fate == ST_UNMANAGED, "managed:false is unmanaged");
	fold(&s, v, "{\"type\":\"mem\",\"ts\":11,\"host\":\"b\",\"used_pct\":1}");
	is_int((long long)s.nhost, 2, "a line with \"host\" is another host");
	fold(&s, v, "{\"type\":\"rank\",\"ts\":12,\"seq\":4,\"containers\":[{\"id\":\"old\"}]}");
	fold(&s, v, "{\"type\":\"r\\u0061nk\",\"ts\":13,\"seq\":5,\"containers\":[{\"id\":\"new\"}]}");
	st_settle(&s, v);
	is_str(s.host[0].ctn[0].id, "new", "a later rank parsed at once wins over an earlier one kept");
	fold(&s, v, "{\"type\":\"rank\",\"ts\":14,\"seq\":6,\"containers\":[{\"id\":\"c\"}]}");
	fold(&s, v, "{\"type\":\"kill\",\"ts\":14,\"seq\":6,\"id\":\"c\"}");
	ok(s.host[0].ctn[0].fate == ST_SENTENCED && !strcmp(s.host[0].ctn[0].id, "c"),
	   "a kill line settles the rank it sentences from");
	is_str(s.host[0].name, "", "a line without it is the local host, \"\"");
	fold(&s, v, "nonsense");
	fold(&s, v, "{\"type\":\"x\",\"ts\":1,\"ts\":2}");
	is_int((long long)s.unreadable, 2, "lines that are not records are counted apart");
	for (i = 0; i < ST_RECENT + 5; i++) {
		snprintf(line, sizeof line, "{\"type\":\"killed\",\"ts\":%d,\"name\":\"k%d\","
			 "\"class\":\"%s\",\"ok\":%s,\"ms\":%d}", 100 + i, i,
			 i % 2 ? "low" : "high", i % 3 ? "true" : "false", i);
		fold(&s, v, line);
	}
	is_int((long long)s.nrecent, ST_RECENT, "the ring keeps the last %d", ST_RECENT);
	st_settle(&s, v);
	st_write(&s, &w);
	ok(st_parse(&back, v, w.buf, w.len) == 0, "state.json is read back");
	st_write(&back, &w2);
	ok(w.len == w2.len && !memcmp(w.buf, w2.buf, w.len), "  and written again the same");
	ok(strstr(w.buf, "\"recent\":[{\"ts\":105.000000,\"host\":\"\",\"id\":\"\",\"name\":\"k5\"") != NULL,
	   "  the ring oldest first");
	is_int((long long)back.hist_count, ST_RECENT + 5, "every latency counted");
	st_free(&back);
	w.buf[w.len / 2] = '\0';
	ok(st_parse(&back, v, w.buf, w.len / 2) < 0, "a cut state.json is refused: %s", v->err);
	ok(back.nhost == 0 && back.host == NULL, "  and leaves nothing");
	jw_free(&w);
	jw_free(&w2);
	st_free(&s);
}

/* A kill's "ms" is anyone's text: latencies no kill takes must not make a
 * sum state.json cannot hold, or every request would refold the whole
 * log (found by fuzz/logger-state: 1001 kills of 1e300 ms). */
static void
test_absurd_latency(struct jv *v)
{
	struct st_state s = { 0 }, back;
	struct jw w = { 0 };
	int i;

	for (i = 0; i < 1001; i++)
		fold(&s, v, "{\"type\":\"killed\",\"ts\":1,\"ok\":true,\"ms\":1e300}");
	fold(&s, v, "{\"type\":\"killed\",\"ts\":2,\"ok\":true,\"ms\":250}");
	st_write(&s, &w);
	ok(st_parse(&back, v, w.buf, w.len) == 0, "absurd latencies: state.json is still read back");
	is_int((long long)s.hist_count, 1, "  only the latency a kill can take is counted");
	ok(s.hist_sum == 0.25, "  and summed (%g s)", s.hist_sum);
	is_int((long long)s.nrecent, ST_RECENT, "  the kills themselves are all kept");
	st_free(&back);
	st_free(&s);
	jw_free(&w);

	/* whole numbers no counter reaches are as absent, not cast (UB) */
	fold(&s, v, "{\"type\":\"rank\",\"ts\":1,\"seq\":1e300,\"omitted\":-1e300,"
		    "\"containers\":[{\"id\":\"a\",\"procs\":1e300}]}");
	fold(&s, v, "{\"type\":\"killed\",\"ts\":1,\"status\":1e300}");
	st_settle(&s, v);
	is_int(s.host[0].rank_seq, -1, "a seq of 1e300 is as none");
	is_int(s.host[0].ctn[0].procs, 0, "  procs of 1e300 is as none");
	is_int(s.host[0].ctn_omitted, 0, "  omitted of -1e300 is as none");
	is_int(s.recent[0].status, 0, "  status of 1e300 is as none");
	st_free(&s);
}

static void
test_labels(struct jv *v)
{
	struct st_state s = { 0 };
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);

	fold(&s, v, "{\"type\":\"mem\",\"ts\":1,\"host\":\"a\\\"b\\\\c\\nd\",\"used_pct\":1}");
	st_settle(&s, v);
	st_metrics(&s, 2, f);
	fclose(f);
	ok(strstr(text, "cull_memory_used_ratio{host=\"a\\\"b\\\\c\\nd\"} 0.01\n") != NULL,
	   "label values: quote, backslash and newline escaped");
	ok(strstr(text, "cull_last_snapshot_age_seconds{host=\"a\\\"b\\\\c\\nd\"} 1\n") != NULL,
	   "the snapshot's age");
	free(text);
	st_free(&s);
}

int
main(void)
{
	struct jv v;

	jv_init(&v);
	test_fold(&v);
	test_absurd_latency(&v);
	test_labels(&v);
	jv_fini(&v);
	return tap_done();
}
