/*
 * state.h - what GET /api/state and GET /metrics answer from: a small
 * summary of the log kept beside it, brought up to date by reading only
 * what was appended since the last request.
 *
 *	FILE.state/state.json   the summary and the log's (dev, ino, offset)
 *	FILE.state/refused      records refused by intake and POST /logs
 *	FILE.state/.lock        flock: one request updates, the others wait
 *
 * state.json is one JSON object written by this file (see state_write):
 *	{"v":1,"dev":…,"ino":…,"offset":…,"records":…,"unreadable":…,
 *	 "hist":[…],"hist_sum":…,"hist_count":…,
 *	 "hosts":[{"host":"","mem":{…},"rank":{…,"containers":[…]},"kills":[[…]]}],
 *	 "recent":[{killed fields}]}
 * It is a cache: when it is missing, unreadable, or the log was replaced
 * (another dev or ino) or truncated (smaller than offset), it is rebuilt
 * from the start of the log. So every counter is a fold over the log and
 * survives a restart of the logger.
 *
 * A line's host is its "host" string; a line without one is the local host,
 * named "" (the fleet issue adds "host" to every line).
 */
#ifndef CULL_STATE_H
#define CULL_STATE_H

#include <stddef.h>
#include <stdio.h>
#include "jv.h"
#include "jw.h"

#define ST_HOSTS_MAX 64		/* hosts kept; more are folded into the last */
#define ST_CTN_MAX 512		/* containers of one rank kept; more are counted */
#define ST_RECENT 50		/* killed lines kept, newest last */
#define ST_STR 256		/* bytes kept of a name, image, reason */
#define ST_NBUCKETS 12		/* kill latency buckets, +Inf apart */
#define ST_KILL_MS_MAX 86400e3	/* a latency over a day is none a kill takes */

enum { ST_HIGH, ST_LOW, ST_OTHER, ST_NCLASS };
enum { ST_KEPT, ST_SENTENCED, ST_UNMANAGED, ST_NFATE };

extern const double st_bucket_le[ST_NBUCKETS];	/* seconds */
extern const char *const st_class_name[ST_NCLASS];
extern const char *const st_fate_name[ST_NFATE];

struct st_ctn {
	char id[80], name[ST_STR], image[ST_STR], cls[16];
	int managed, fate;
	long long procs;
	double rss_kb, vsz_kb, mem_pct, cpu_pct;
};

struct st_kill {
	double ts, ms;
	char host[ST_STR], id[80], name[ST_STR], cls[16], reason[ST_STR], error[ST_STR];
	int ok;
	long long status;
};

struct st_host {
	char name[ST_STR];
	int has_mem, has_psi;
	double mem_ts, total_kb, used_kb, used_pct, psi_some10;
	int has_rank;
	double rank_ts;
	long long rank_seq;
	char by[16];
	struct st_ctn *ctn;
	size_t nctn, cap_ctn;
	long long ctn_omitted;
	unsigned long long kills[ST_NCLASS][2];	/* [class][ok] */
	/* the last mem and rank lines not parsed yet: only the last of each
	 * counts, so a fold parses one of a run of them (st_settle) */
	char *pending[2];
	size_t pending_len[2];
};

struct st_state {
	unsigned long long dev, ino;
	long long offset;		/* bytes of the log folded in (whole lines) */
	unsigned long long records;	/* lines read as records */
	unsigned long long unreadable;	/* lines that were not */
	unsigned long long hist[ST_NBUCKETS + 1];	/* non-cumulative; last is +Inf */
	double hist_sum;
	unsigned long long hist_count;
	struct st_host *host;
	size_t nhost, cap_host;
	struct st_kill recent[ST_RECENT];
	size_t nrecent, recent_at;	/* ring: next write at recent_at */
	/* not stored in state.json */
	unsigned long long refused;	/* from FILE.state/refused */
	long long log_size;
};

void st_free(struct st_state *s);

/* Fold one whole log line into s (a bad line counts as unreadable). The
 * last mem and rank line of each host are kept as they are until
 * st_settle() (or a kill line that needs the rank) parses them. */
void st_line(struct st_state *s, struct jv *v, const char *line, size_t n);
void st_settle(struct st_state *s, struct jv *v);

/* state.json text into s: 0, or -1 with a sentence in v->err (s empty). */
int st_parse(struct st_state *s, struct jv *v, const char *text, size_t n);
/* s as state.json (one line, no newline). */
void st_write(const struct st_state *s, struct jw *w);

/*
 * The state of log, brought up to date under the lock within deadline
 * (monotonic seconds): 200 with s filled, or an HTTP status (500, 503)
 * with a sentence in err. A missing log is an empty state.
 */
int st_get(const char *log, double deadline, struct st_state *s, char *err, size_t errsize);

/* Add n to the refused count kept beside log (best effort: 0 or -1). */
int st_count_refused(const char *log, unsigned long long n);

/* The answers: GET /api/state as JSON (now: wall seconds, for ages), and
 * GET /metrics in the Prometheus text format 0.0.4. */
void st_api(const struct st_state *s, double now, struct jw *w);
void st_metrics(const struct st_state *s, double now, FILE *f);

#endif
