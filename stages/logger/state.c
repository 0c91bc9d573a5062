/* state.c - see state.h */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "jstrict.h"
#include "err.h"
#include "lines.h"
#include "logfile.h"
#include "mem.h"
#include "record.h"
#include "state.h"

#define STATE_FILE_MAX ((size_t)64 << 20)

const double st_bucket_le[ST_NBUCKETS] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
};
const char *const st_class_name[ST_NCLASS] = { "high", "low", "other" };
const char *const st_fate_name[ST_NFATE] = { "kept", "sentenced", "unmanaged" };

void
st_free(struct st_state *s)
{
	size_t i;

	for (i = 0; i < s->nhost; i++) {
		free(s->host[i].ctn);
		free(s->host[i].pending[0]);
		free(s->host[i].pending[1]);
	}
	free(s->host);
	memset(s, 0, sizeof *s);
}

/* src (n bytes, or NUL-terminated when n is (size_t)-1) into dst[size],
 * cut at a UTF-8 character boundary. */
static void
keep(char *dst, size_t size, const char *src, size_t n)
{
	if (!src)
		src = "";
	if (n == (size_t)-1)
		n = strlen(src);
	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int
class_of(const char *cls)
{
	return !strcmp(cls, "high") ? ST_HIGH : !strcmp(cls, "low") ? ST_LOW : ST_OTHER;
}

/* The host named name, made when new; past ST_HOSTS_MAX the last one
 * takes the rest. */
static struct st_host *
host_of(struct st_state *s, const char *name)
{
	struct st_host *h;
	size_t i;

	for (i = 0; i < s->nhost; i++)
		if (!strcmp(s->host[i].name, name))
			return &s->host[i];
	if (s->nhost == ST_HOSTS_MAX)
		return &s->host[s->nhost - 1];
	s->host = cull_grow(s->host, &s->cap_host, s->nhost + 1, sizeof *s->host);
	h = &s->host[s->nhost++];
	memset(h, 0, sizeof *h);
	keep(h->name, sizeof h->name, name, (size_t)-1);
	return h;
}

/* Optional fields, read leniently: a field of the wrong type is as absent. */
static const char *
opt_str(struct jv *v, json_object *o, const char *key, const char *dflt)
{
	const char *s;

	return jv_str(v, o, key, JV_OPT, &s, NULL) == 0 ? s : dflt;
}

static double
opt_num(struct jv *v, json_object *o, const char *key, double dflt)
{
	double d;

	return jv_dbl(v, o, key, JV_OPT, -1e300, 1e300, &d) == 0 ? d : dflt;
}

/* A whole number: one out of [-2^53, 2^53] (no count gets there; a double
 * holds every one within) or not whole is as absent. */
static long long
opt_int(struct jv *v, json_object *o, const char *key, long long dflt)
{
	int64_t i;

	return jv_i64(v, o, key, JV_OPT, -(1LL << 53), 1LL << 53, &i) == 0 ? (long long)i : dflt;
}

static void
fold_mem(struct st_host *h, struct jv *v, json_object *o, double ts)
{
	json_object *psi;

	h->has_mem = 1;
	h->mem_ts = ts;
	h->total_kb = opt_num(v, o, "total_kb", 0);
	h->used_kb = opt_num(v, o, "used_kb", 0);
	h->used_pct = opt_num(v, o, "used_pct", 0);
	h->has_psi = jv_obj(v, o, "psi", JV_OPT, &psi) == 0 &&
		     jv_dbl(v, psi, "some_avg10", JV_OPT, 0, 100, &h->psi_some10) == 0;
}

/* One container of a rank (or of state.json) into c. */
static void
read_ctn(struct st_ctn *c, struct jv *v, json_object *o)
{
	int managed = 1;
	const char *fate = opt_str(v, o, "fate", NULL);
	size_t f;

	keep(c->id, sizeof c->id, opt_str(v, o, "id", ""), (size_t)-1);
	keep(c->name, sizeof c->name, opt_str(v, o, "name", ""), (size_t)-1);
	keep(c->image, sizeof c->image, opt_str(v, o, "image", ""), (size_t)-1);
	keep(c->cls, sizeof c->cls, opt_str(v, o, "class", "?"), (size_t)-1);
	if (jv_bool(v, o, "managed", JV_OPT, &managed) < 0)
		managed = 1;
	c->managed = managed;
	c->fate = managed ? ST_KEPT : ST_UNMANAGED;
	for (f = 0; fate && f < ST_NFATE; f++)
		if (!strcmp(fate, st_fate_name[f]))
			c->fate = (int)f;
	c->procs = opt_int(v, o, "procs", 0);
	c->rss_kb = opt_num(v, o, "rss_kb", 0);
	c->vsz_kb = opt_num(v, o, "vsz_kb", 0);
	c->mem_pct = opt_num(v, o, "mem_pct", 0);
	c->cpu_pct = opt_num(v, o, "cpu_pct", 0);
}

static void
read_ctns(struct st_host *h, struct jv *v, json_object *o)
{
	json_object *arr;
	size_t i, n;

	h->nctn = 0;
	h->ctn_omitted = opt_int(v, o, "omitted", 0);
	if (jv_arr(v, o, "containers", JV_OPT, &arr) != 0)
		return;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(arr, i);

		if (!json_object_is_type(c, json_type_object))
			continue;
		if (h->nctn == ST_CTN_MAX) {
			h->ctn_omitted++;
			continue;
		}
		h->ctn = cull_grow(h->ctn, &h->cap_ctn, h->nctn + 1, sizeof *h->ctn);
		read_ctn(&h->ctn[h->nctn++], v, c);
	}
}

static void
fold_rank(struct st_host *h, struct jv *v, json_object *o, double ts)
{
	h->has_rank = 1;
	h->rank_ts = ts;
	h->rank_seq = opt_int(v, o, "seq", -1);
	keep(h->by, sizeof h->by, opt_str(v, o, "by", ""), (size_t)-1);
	read_ctns(h, v, o);
}

/* A kill line sentences a container of the rank of its seq. */
static void
fold_kill(struct st_host *h, struct jv *v, json_object *o)
{
	const char *id = opt_str(v, o, "id", "");
	size_t i;

	if (!h->has_rank || opt_int(v, o, "seq", -2) != h->rank_seq)
		return;
	for (i = 0; i < h->nctn; i++)
		if (!strcmp(h->ctn[i].id, id))
			h->ctn[i].fate = ST_SENTENCED;
}

static void
bucket(struct st_state *s, double secs)
{
	size_t b = 0;

	while (b < ST_NBUCKETS && secs > st_bucket_le[b])
		b++;
	s->hist[b]++;
	s->hist_sum += secs;
	s->hist_count++;
}

static void
read_killed(struct st_kill *k, struct jv *v, json_object *o, const char *host, double ts)
{
	int ok = 0;

	k->ts = ts;
	keep(k->host, sizeof k->host, host, (size_t)-1);
	keep(k->id, sizeof k->id, opt_str(v, o, "id", ""), (size_t)-1);
	keep(k->name, sizeof k->name, opt_str(v, o, "name", ""), (size_t)-1);
	keep(k->cls, sizeof k->cls, opt_str(v, o, "class", "?"), (size_t)-1);
	keep(k->reason, sizeof k->reason, opt_str(v, o, "reason", ""), (size_t)-1);
	keep(k->error, sizeof k->error, opt_str(v, o, "error", ""), (size_t)-1);
	if (jv_bool(v, o, "ok", JV_OPT, &ok) < 0)
		ok = 0;
	k->ok = ok;
	k->status = opt_int(v, o, "status", 0);
	k->ms = opt_num(v, o, "ms", -1);
}

static void
push_recent(struct st_state *s, const struct st_kill *k)
{
	s->recent[s->recent_at] = *k;
	s->recent_at = (s->recent_at + 1) % ST_RECENT;
	if (s->nrecent < ST_RECENT)
		s->nrecent++;
}

static void
fold_killed(struct st_state *s, struct st_host *h, struct jv *v, json_object *o, double ts)
{
	struct st_kill k;

	read_killed(&k, v, o, h->name, ts);
	h->kills[class_of(k.cls)][k.ok ? 1 : 0]++;
	/* "ms" is the writer's word: one out of reach is not summed, so
	 * hist_sum stays within what state.json is read back with */
	if (k.ms >= 0 && k.ms <= ST_KILL_MS_MAX)
		bucket(s, k.ms / 1000);
	push_recent(s, &k);
}

enum { PEND_MEM, PEND_RANK };

static void fold_parsed(struct st_state *s, struct jv *v, const char *line, size_t n);

/* Parse h's pending lines (mem, then rank: a rank comes after its mem). */
static void
settle_host(struct st_state *s, struct st_host *h, struct jv *v)
{
	int k;

	for (k = PEND_MEM; k <= PEND_RANK; k++) {
		char *line = h->pending[k];

		if (!line)
			continue;
		h->pending[k] = NULL;
		fold_parsed(s, v, line, h->pending_len[k]);
		free(line);
	}
}

void
st_settle(struct st_state *s, struct jv *v)
{
	size_t i;

	for (i = 0; i < s->nhost; i++)
		settle_host(s, &s->host[i], v);
}

/* A mem or rank line of a plain host name kept for later: 1, or 0 when it
 * must be parsed now (its "host" holds an escape: json-c decodes it). */
static int
defer(struct st_state *s, const char *line, size_t n, int k)
{
	const char *hv;
	size_t hlen;
	char name[ST_STR];
	struct st_host *h;

	if (!jstrict_member(line, n, "host", &hv, &hlen) || hv[0] != '"')
		name[0] = '\0';	/* none, or not a string: the local host */
	else if (memchr(hv, '\\', hlen) || hlen - 2 >= sizeof name)
		return 0;
	else
		keep(name, sizeof name, hv + 1, hlen - 2);
	h = host_of(s, name);
	free(h->pending[k]);
	h->pending[k] = malloc(n);
	if (!h->pending[k])
		cull_die(CULL_EXIT_FAIL, "fatal: out of memory");
	memcpy(h->pending[k], line, n);
	h->pending_len[k] = n;
	return 1;
}

/* A record, parsed and folded. */
static void
fold_parsed(struct st_state *s, struct jv *v, const char *line, size_t n)
{
	json_object *o;
	const char *type;
	struct st_host *h;
	double ts;

	if (!(o = jv_parse(v, line, n)) || rec_check(v, o, &type, &ts) < 0) {
		json_object_put(o);
		return;
	}
	h = host_of(s, opt_str(v, o, "host", ""));
	if (!strcmp(type, "mem")) {
		free(h->pending[PEND_MEM]);	/* older than this one */
		h->pending[PEND_MEM] = NULL;
		fold_mem(h, v, o, ts);
	} else if (!strcmp(type, "rank")) {
		free(h->pending[PEND_RANK]);
		h->pending[PEND_RANK] = NULL;
		fold_rank(h, v, o, ts);
	} else if (!strcmp(type, "kill")) {
		settle_host(s, h, v);	/* the rank it sentences from */
		fold_kill(h, v, o);
	} else if (!strcmp(type, "killed")) {
		fold_killed(s, h, v, o, ts);
	}
	json_object_put(o);
}

void
st_line(struct st_state *s, struct jv *v, const char *line, size_t n)
{
	struct rec_fields f;
	size_t at;

	if (rec_strict(line, n, &f, &at) != NULL) {
		s->unreadable++;
		return;
	}
	s->records++;
	if (rec_type_is(&f, "mem") && defer(s, line, n, PEND_MEM))
		return;
	if (rec_type_is(&f, "rank") && defer(s, line, n, PEND_RANK))
		return;
	if (!f.type_escaped && !rec_type_is(&f, "mem") && !rec_type_is(&f, "rank") &&
	    !rec_type_is(&f, "kill") && !rec_type_is(&f, "killed"))
		return;
	fold_parsed(s, v, line, n);
}

/* ---- the JSON both state.json and GET /api/state are made of ---- */

static void
put_ctn(struct jw *w, const struct st_ctn *c)
{
	jw_open(w, NULL);
	jw_str(w, "id", c->id);
	jw_str(w, "name", c->name);
	jw_str(w, "image", c->image);
	jw_str(w, "class", c->cls);
	jw_bool(w, "managed", c->managed);
	jw_str(w, "fate", st_fate_name[c->fate]);
	jw_int(w, "procs", c->procs);
	jw_num(w, "rss_kb", c->rss_kb, 0);
	jw_num(w, "vsz_kb", c->vsz_kb, 0);
	jw_num(w, "mem_pct", c->mem_pct, 2);
	jw_num(w, "cpu_pct", c->cpu_pct, 2);
	jw_end(w);
}

/* A host; now > 0 adds its snapshot's age (the API), else it is state.json. */
static void
put_host(struct jw *w, const struct st_host *h, double now)
{
	size_t i, c;

	jw_open(w, NULL);
	jw_str(w, "host", h->name);
	if (h->has_mem) {
		if (now > 0)
			jw_num(w, "age_s", now - h->mem_ts, 3);
		jw_open(w, "mem");
		jw_num(w, "ts", h->mem_ts, 6);
		jw_num(w, "total_kb", h->total_kb, 0);
		jw_num(w, "used_kb", h->used_kb, 0);
		jw_num(w, "used_pct", h->used_pct, 3);
		if (h->has_psi) {
			jw_open(w, "psi");
			jw_num(w, "some_avg10", h->psi_some10, 2);
			jw_end(w);
		}
		jw_end(w);
	}
	if (h->has_rank) {
		jw_open(w, "rank");
		jw_num(w, "ts", h->rank_ts, 6);
		jw_int(w, "seq", h->rank_seq);
		jw_str(w, "by", h->by);
		jw_int(w, "omitted", h->ctn_omitted);
		jw_arr(w, "containers");
		for (i = 0; i < h->nctn; i++)
			put_ctn(w, &h->ctn[i]);
		jw_end(w);
		jw_end(w);
	}
	jw_open(w, "kills");
	for (c = 0; c < ST_NCLASS; c++) {
		jw_open(w, st_class_name[c]);
		jw_uint(w, "ok", h->kills[c][1]);
		jw_uint(w, "failed", h->kills[c][0]);
		jw_end(w);
	}
	jw_end(w);
	jw_end(w);
}

static void
put_kill(struct jw *w, const struct st_kill *k)
{
	jw_open(w, NULL);
	jw_num(w, "ts", k->ts, 6);
	jw_str(w, "host", k->host);
	jw_str(w, "id", k->id);
	jw_str(w, "name", k->name);
	jw_str(w, "class", k->cls);
	jw_str(w, "reason", k->reason);
	jw_bool(w, "ok", k->ok);
	jw_int(w, "status", k->status);
	if (k->ms >= 0)
		jw_num(w, "ms", k->ms, 3);
	if (k->error[0])
		jw_str(w, "error", k->error);
	jw_end(w);
}

/* The i-th kill kept, oldest first. */
static const struct st_kill *
recent(const struct st_state *s, size_t i)
{
	size_t first = s->nrecent < ST_RECENT ? 0 : s->recent_at;

	return &s->recent[(first + i) % ST_RECENT];
}

void
st_write(const struct st_state *s, struct jw *w)
{
	size_t i;

	jw_open(w, NULL);
	jw_int(w, "v", 1);
	jw_uint(w, "dev", s->dev);
	jw_uint(w, "ino", s->ino);
	jw_int(w, "offset", s->offset);
	jw_uint(w, "records", s->records);
	jw_uint(w, "unreadable", s->unreadable);
	jw_arr(w, "hist");
	for (i = 0; i <= ST_NBUCKETS; i++)
		jw_uint(w, NULL, s->hist[i]);
	jw_end(w);
	jw_num(w, "hist_sum", s->hist_sum, 6);
	jw_uint(w, "hist_count", s->hist_count);
	jw_arr(w, "hosts");
	for (i = 0; i < s->nhost; i++)
		put_host(w, &s->host[i], 0);
	jw_end(w);
	jw_arr(w, "recent");
	for (i = 0; i < s->nrecent; i++)
		put_kill(w, recent(s, i));
	jw_end(w);
	jw_end(w);
}

void
st_api(const struct st_state *s, double now, struct jw *w)
{
	size_t i;

	jw_open(w, NULL);
	jw_num(w, "now", now, 3);
	jw_open(w, "log");
	jw_int(w, "bytes", s->offset);
	jw_uint(w, "records", s->records);
	jw_uint(w, "unreadable", s->unreadable);
	jw_uint(w, "refused", s->refused);
	jw_end(w);
	jw_arr(w, "hosts");
	for (i = 0; i < s->nhost; i++)
		put_host(w, &s->host[i], now);
	jw_end(w);
	jw_arr(w, "recent");	/* newest first */
	for (i = s->nrecent; i > 0; i--)
		put_kill(w, recent(s, i - 1));
	jw_end(w);
	jw_end(w);
}

/* ---- state.json read back ---- */

static int
u64(struct jv *v, json_object *o, const char *key, unsigned long long *out)
{
	int64_t x;

	if (jv_i64(v, o, key, JV_REQ, 0, INT64_MAX, &x) < 0)
		return -1;
	*out = (unsigned long long)x;
	return 0;
}

static int
parse_host(struct st_state *s, struct jv *v, json_object *o)
{
	json_object *mem, *rank, *kills, *k;
	struct st_host *h;
	const char *name;
	size_t c;

	if (!json_object_is_type(o, json_type_object) ||
	    jv_str(v, o, "host", JV_REQ, &name, NULL) < 0 ||
	    jv_obj(v, o, "kills", JV_REQ, &kills) < 0)
		return jv_fail(v, "a host is not one this program wrote");
	h = host_of(s, name);
	if (jv_obj(v, o, "mem", JV_OPT, &mem) == 0)
		fold_mem(h, v, mem, opt_num(v, mem, "ts", 0));
	if (jv_obj(v, o, "rank", JV_OPT, &rank) == 0)
		fold_rank(h, v, rank, opt_num(v, rank, "ts", 0));
	for (c = 0; c < ST_NCLASS; c++) {
		if (jv_obj(v, kills, st_class_name[c], JV_REQ, &k) < 0 ||
		    u64(v, k, "ok", &h->kills[c][1]) < 0 || u64(v, k, "failed", &h->kills[c][0]) < 0)
			return -1;
	}
	return 0;
}

static int
parse_lists(struct st_state *s, struct jv *v, json_object *o)
{
	json_object *hist, *hosts, *rec;
	size_t i, n;

	if (jv_arr(v, o, "hist", JV_REQ, &hist) < 0 || jv_arr(v, o, "hosts", JV_REQ, &hosts) < 0 ||
	    jv_arr(v, o, "recent", JV_REQ, &rec) < 0)
		return -1;
	if (json_object_array_length(hist) != ST_NBUCKETS + 1)
		return jv_fail(v, "\"hist\" has not %d buckets", ST_NBUCKETS + 1);
	for (i = 0; i <= ST_NBUCKETS; i++) {
		json_object *b = json_object_array_get_idx(hist, i);

		if (!json_object_is_type(b, json_type_int) || json_object_get_int64(b) < 0)
			return jv_fail(v, "\"hist[%zu]\" is not a count", i);
		s->hist[i] = (unsigned long long)json_object_get_int64(b);
	}
	n = json_object_array_length(hosts);
	for (i = 0; i < n; i++)
		if (parse_host(s, v, json_object_array_get_idx(hosts, i)) < 0)
			return -1;
	n = json_object_array_length(rec);
	for (i = 0; i < n; i++) {
		json_object *k = json_object_array_get_idx(rec, i);
		struct st_kill sk;

		if (!json_object_is_type(k, json_type_object))
			return jv_fail(v, "\"recent[%zu]\" is not an object", i);
		read_killed(&sk, v, k, opt_str(v, k, "host", ""), opt_num(v, k, "ts", 0));
		push_recent(s, &sk);
	}
	return 0;
}

int
st_parse(struct st_state *s, struct jv *v, const char *text, size_t n)
{
	json_object *o = jv_parse(v, text, n);
	int64_t ver, off;
	int r = -1;

	memset(s, 0, sizeof *s);
	if (!o)
		return -1;
	if (jv_i64(v, o, "v", JV_REQ, 1, 1, &ver) == 0 && u64(v, o, "dev", &s->dev) == 0 &&
	    u64(v, o, "ino", &s->ino) == 0 &&
	    jv_i64(v, o, "offset", JV_REQ, 0, INT64_MAX, &off) == 0 &&
	    u64(v, o, "records", &s->records) == 0 && u64(v, o, "unreadable", &s->unreadable) == 0 &&
	    jv_dbl(v, o, "hist_sum", JV_REQ, 0, 1e300, &s->hist_sum) == 0 &&
	    u64(v, o, "hist_count", &s->hist_count) == 0 && parse_lists(s, v, o) == 0) {
		s->offset = off;
		r = 0;
	}
	json_object_put(o);
	if (r < 0)
		st_free(s);
	return r;
}

/* ---- the files beside the log ---- */

/* path's whole content (at most max bytes) into *buf: its length, -1 with
 * errno (ENOENT: none; EFBIG: longer than max). */
static ssize_t
slurp(const char *path, size_t max, char **buf)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = -1;

	*buf = NULL;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) == 0 && (size_t)st.st_size > max)
		errno = EFBIG;
	else if (fstat(fd, &st) == 0 && (*buf = malloc((size_t)st.st_size + 1)) != NULL)
		n = pread(fd, *buf, (size_t)st.st_size, 0);
	if (n >= 0)
		(*buf)[n] = '\0';
	close(fd);
	return n;
}

static void
load(const char *dir, struct jv *v, struct st_state *s)
{
	char path[PATH_MAX + 16], *text;
	ssize_t n;

	snprintf(path, sizeof path, "%s/state.json", dir);
	n = slurp(path, STATE_FILE_MAX, &text);
	if (n < 0 && errno != ENOENT)
		cull_warn("%s: cannot read it (%s); rebuilt from the log", path, strerror(errno));
	if (n >= 0 && st_parse(s, v, text, (size_t)n) < 0)
		cull_warn("%s: %s; rebuilt from the log", path, v->err);
	free(text);
}

static int
save(const char *dir, const struct st_state *s)
{
	char path[PATH_MAX + 16], tmp[PATH_MAX + 24];
	struct jw w = { 0 };
	FILE *f;
	int bad;

	snprintf(path, sizeof path, "%s/state.json", dir);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if (!(f = fopen(tmp, "we")))
		return -1;
	st_write(s, &w);
	bad = jw_line(&w, f) < 0;
	jw_free(&w);
	if (fclose(f) != 0 || bad || rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Fold the log's lines from s->offset to size (whole lines only). */
static int
catch_up(struct st_state *s, struct jv *v, int fd, off_t size)
{
	struct cull_lines r;
	char *line;
	ssize_t n;
	int rc = 0;

	if (lseek(fd, (off_t)s->offset, SEEK_SET) < 0)
		return -1;
	cull_lines_init(&r, fd, 0);
	while (s->offset < (long long)size) {
		n = cull_lines_next(&r, &line);
		if (n == CULL_LINE_INTR)
			continue;
		if (n == CULL_LINE_EOF || n == CULL_LINE_TOOLONG)
			break;	/* a line too long for anyone stops the fold there */
		if (n == CULL_LINE_ERR) {
			rc = -1;
			break;
		}
		if (r.partial || s->offset + n + 1 > (long long)size)
			break;	/* torn or still being written: next time */
		st_line(s, v, line, (size_t)n);
		s->offset += n + 1;
	}
	st_settle(s, v);
	cull_lines_free(&r);
	return rc;
}

static unsigned long long
read_refused(const char *dir)
{
	char path[PATH_MAX + 16], *text;
	unsigned long long n = 0;

	snprintf(path, sizeof path, "%s/refused", dir);
	if (slurp(path, 64, &text) > 0)
		n = strtoull(text, NULL, 10);
	free(text);
	return n;
}

/* Under the lock: s as of the log's end. */
static int
update(const char *log, const char *dir, struct st_state *s, char *err, size_t errsize)
{
	struct jv v;
	struct stat st;
	long long before;
	off_t size;
	int fd = -1, rc = 200;

	jv_init(&v);
	load(dir, &v, s);
	before = s->offset;
	size = logf_snapshot(log, &fd);
	if (size < 0 && errno != ENOENT) {
		snprintf(err, errsize, "cannot read the log: %s", strerror(errno));
		rc = 500;
		goto out;
	}
	if (size < 0 || fstat(fd, &st) < 0) {
		st.st_dev = 0;
		st.st_ino = 0;
		size = 0;
	}
	if (s->dev != (unsigned long long)st.st_dev || s->ino != (unsigned long long)st.st_ino ||
	    s->offset > (long long)size) {
		/* replaced or truncated: every figure starts again */
		st_free(s);
		s->dev = (unsigned long long)st.st_dev;
		s->ino = (unsigned long long)st.st_ino;
		before = -1;
	}
	if (fd >= 0 && catch_up(s, &v, fd, size) < 0) {
		snprintf(err, errsize, "cannot read the log: %s", strerror(errno));
		rc = 500;
		goto out;
	}
	s->log_size = (long long)size;
	if (s->offset != before && save(dir, s) < 0)
		cull_warn("%s: cannot keep the state there: %s", dir, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	jv_fini(&v);
	return rc;
}

int
st_get(const char *log, double deadline, struct st_state *s, char *err, size_t errsize)
{
	char dir[PATH_MAX];
	int lfd, rc;

	memset(s, 0, sizeof *s);
	if (snprintf(dir, sizeof dir, "%s.state", log) >= (int)sizeof dir) {
		snprintf(err, errsize, "the log's path is too long");
		return 500;
	}
	rc = logf_lockdir(dir, deadline, &lfd, err, errsize,
			  "the state is being brought up to date for another request; try again");
	if (rc != 200)
		return rc;
	rc = update(log, dir, s, err, errsize);
	if (rc == 200)
		s->refused = read_refused(dir);
	else
		st_free(s);
	close(lfd);
	return rc;
}

int
st_count_refused(const char *log, unsigned long long n)
{
	char dir[PATH_MAX], path[PATH_MAX + 16], err[256], num[32];
	int lfd, fd, k;

	if (snprintf(dir, sizeof dir, "%s.state", log) >= (int)sizeof dir ||
	    logf_lockdir(dir, cull_mono() + 2, &lfd, err, sizeof err, "busy") != 200)
		return -1;
	n += read_refused(dir);
	snprintf(path, sizeof path, "%s/refused", dir);
	k = snprintf(num, sizeof num, "%llu\n", n);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0 && write(fd, num, (size_t)k) != k) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0)
		close(fd);
	close(lfd);
	return fd >= 0 ? 0 : -1;
}

/* ---- GET /metrics: the Prometheus text format 0.0.4 ---- */

/* A label value: backslash, double quote and newline escaped. */
static void
label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
host_gauge(FILE *f, const struct st_state *s, const char *name, const char *help,
	   double (*get)(const struct st_host *, double), double now)
{
	size_t i;

	family(f, name, "gauge", help);
	for (i = 0; i < s->nhost; i++) {
		if (!s->host[i].has_mem)
			continue;
		fprintf(f, "%s{host=\"", name);
		label(f, s->host[i].name);
		fprintf(f, "\"} %.10g\n", get(&s->host[i], now));
	}
}

static double g_used(const struct st_host *h, double now) { (void)now; return h->used_kb * 1024; }
static double g_total(const struct st_host *h, double now) { (void)now; return h->total_kb * 1024; }
static double g_ratio(const struct st_host *h, double now) { (void)now; return h->used_pct / 100; }
static double g_age(const struct st_host *h, double now) { return now - h->mem_ts; }

static void
metrics_containers(FILE *f, const struct st_state *s)
{
	size_t i, j, c, fate;

	family(f, "cull_containers", "gauge",
	       "Containers of the host's last rank, by class and fate (kept, sentenced, unmanaged).");
	for (i = 0; i < s->nhost; i++) {
		const struct st_host *h = &s->host[i];
		long long n[ST_NCLASS][ST_NFATE] = { { 0 } };

		if (!h->has_rank)
			continue;
		for (j = 0; j < h->nctn; j++)
			n[class_of(h->ctn[j].cls)][h->ctn[j].fate]++;
		for (c = 0; c < ST_NCLASS; c++)
			for (fate = 0; fate < ST_NFATE; fate++) {
				fputs("cull_containers{host=\"", f);
				label(f, h->name);
				fprintf(f, "\",class=\"%s\",fate=\"%s\"} %lld\n", st_class_name[c],
					st_fate_name[fate], n[c][fate]);
			}
	}
}

static void
metrics_kills(FILE *f, const struct st_state *s)
{
	size_t i, c, ok;
	unsigned long long cum = 0;

	family(f, "cull_kills_total", "counter",
	       "Kills the reaper reported (killed lines in the log), by class and outcome.");
	for (i = 0; i < s->nhost; i++)
		for (c = 0; c < ST_NCLASS; c++)
			for (ok = 0; ok < 2; ok++) {
				fputs("cull_kills_total{host=\"", f);
				label(f, s->host[i].name);
				fprintf(f, "\",class=\"%s\",outcome=\"%s\"} %llu\n", st_class_name[c],
					ok ? "ok" : "failed", s->host[i].kills[c][ok]);
			}
	family(f, "cull_kill_latency_seconds", "histogram",
	       "Time the engine took to answer a kill (the killed line's ms).");
	for (i = 0; i < ST_NBUCKETS; i++) {
		cum += s->hist[i];
		fprintf(f, "cull_kill_latency_seconds_bucket{le=\"%g\"} %llu\n", st_bucket_le[i], cum);
	}
	fprintf(f, "cull_kill_latency_seconds_bucket{le=\"+Inf\"} %llu\n", cum + s->hist[ST_NBUCKETS]);
	fprintf(f, "cull_kill_latency_seconds_sum %.17g\n", s->hist_sum);
	fprintf(f, "cull_kill_latency_seconds_count %llu\n", s->hist_count);
}

void
st_metrics(const struct st_state *s, double now, FILE *f)
{
	host_gauge(f, s, "cull_memory_used_bytes", "Memory in use, from the host's last mem line.",
		   g_used, now);
	host_gauge(f, s, "cull_memory_total_bytes", "Memory of the host, from its last mem line.",
		   g_total, now);
	host_gauge(f, s, "cull_memory_used_ratio", "used_pct of the host's last mem line, as a ratio.",
		   g_ratio, now);
	host_gauge(f, s, "cull_last_snapshot_age_seconds",
		   "Seconds since the ts of the host's last mem line.", g_age, now);
	metrics_containers(f, s);
	metrics_kills(f, s);
	family(f, "cull_log_records_total", "counter", "Records stored in the log.");
	fprintf(f, "cull_log_records_total %llu\n", s->records);
	family(f, "cull_log_unreadable_total", "counter",
	       "Lines of the log that are not records (written by something else).");
	fprintf(f, "cull_log_unreadable_total %llu\n", s->unreadable);
	family(f, "cull_log_refused_total", "counter",
	       "Lines and POST bodies refused by intake and POST /logs.");
	fprintf(f, "cull_log_refused_total %llu\n", s->refused);
	family(f, "cull_log_bytes", "gauge", "Bytes of the log read so far (whole lines).");
	fprintf(f, "cull_log_bytes %lld\n", s->offset);
}
