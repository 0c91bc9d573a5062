/* out.c - see out.h */
#include <math.h>
#include <string.h>

#include "out.h"

/* Numbers without printf: the ranker writes a few dozen per snapshot. */
static void
put_int(struct jw *w, const char *key, long long x)
{
	char b[24], *e = b + sizeof b, *p = e;
	unsigned long long u = x < 0 ? 0 - (unsigned long long)x : (unsigned long long)x;

	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (x < 0)
		*--p = '-';
	jw_raw(w, key, p, (size_t)(e - p));
}

/* A share with two decimals, rounded the way policy.c compares them, so
 * what is written is what was compared. Shares are finite and >= 0. */
static void
put_pct(struct jw *w, const char *key, double x)
{
	char b[32], *e = b + sizeof b, *p = e;
	unsigned long long u;

	if (!(x >= 0 && x < 9e15)) {
		jw_num(w, key, x, 2);
		return;
	}
	u = (unsigned long long)llround(x * 100);
	*--p = (char)('0' + u % 10);
	*--p = (char)('0' + u / 10 % 10);
	*--p = '.';
	u /= 100;
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	jw_raw(w, key, p, (size_t)(e - p));
}

/* Several lines go into one buffer: at depth 0 jw adds no comma, so a '\n'
 * after each top-level object makes NDJSON. */
static void
head(struct jw *w, const char *type, const struct snap *s)
{
	jw_open(w, NULL);
	jw_str(w, "type", type);
	jw_raw(w, "ts", s->ts_raw, s->ts_len);
	put_int(w, "seq", (long long)s->seq);
}

static void
end_line(struct jw *w)
{
	jw_end(w);
	jw_raw(w, NULL, "\n", 1);
}

/* ws_kb only for a container whose working set the snapshot gave */
static void
figures(struct jw *w, const struct snap_ctr *c)
{
	put_int(w, "rss_kb", (long long)c->rss_kb);
	put_int(w, "vsz_kb", (long long)c->vsz_kb);
	put_pct(w, "mem_pct", c->mem_pct);
	put_pct(w, "cpu_pct", c->cpu_pct);
	if (c->has_ws)
		put_int(w, "ws_kb", (long long)c->ws_kb);
}

void
out_lines(struct jw *w, const struct snap *s, const struct policy_opt *o,
	  const struct verdict *v)
{
	size_t i;
	int k;

	head(w, "mem", s);
	put_int(w, "total_kb", (long long)s->total_kb);
	put_int(w, "used_kb", (long long)s->used_kb);
	put_pct(w, "used_pct", s->used_pct);
	if (s->has_psi) {
		jw_open(w, "psi");
		put_pct(w, "some_avg10", s->psi_some10);
		put_pct(w, "some_avg60", s->psi_some60);
		put_pct(w, "full_avg10", s->psi_full10);
		put_pct(w, "full_avg60", s->psi_full60);
		jw_end(w);
	}
	put_int(w, "containers", (long long)s->nctr);
	put_int(w, "procs", (long long)s->nprocs);
	end_line(w);

	head(w, "rank", s);
	jw_str(w, "by", snap_key_name[o->sort_by]);
	jw_arr(w, "containers");
	for (i = 0; i < s->nctr; i++) {
		const struct snap_ctr *c = &s->ctr[v->by[o->sort_by][i]];

		jw_open(w, NULL);
		jw_str(w, "id", c->id);
		jw_str(w, "name", c->name);
		jw_str(w, "image", c->image);
		jw_str(w, "class", policy_class_name[c->cls]);
		jw_bool(w, "managed", c->managed);
		put_int(w, "procs", c->procs);
		figures(w, c);
		jw_open(w, "order");
		for (k = 0; k < KEY_N; k++)
			if (k != KEY_WS || s->has_cgroups)
				put_int(w, snap_key_name[k], c->order[k]);
		jw_end(w);
		jw_end(w);
	}
	jw_end(w);
	end_line(w);

	for (i = 0; i < v->nkill; i++) {
		const struct snap_ctr *c = &s->ctr[v->kill[i]];

		head(w, "kill", s);
		jw_str(w, "id", c->id);
		jw_str(w, "name", c->name);
		jw_str(w, "class", policy_class_name[c->cls]);
		jw_str(w, "reason", c->reason);
		figures(w, c);
		end_line(w);
	}
}

/* Printable, fixed-width cut of a name for the table: a container may name
 * itself anything, and a terminal must not take it for escape codes. */
static void
cell(char *dst, size_t width, const char *src)
{
	size_t i;

	for (i = 0; i < width && src[i]; i++) {
		unsigned char ch = (unsigned char)src[i];

		dst[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	dst[i] = '\0';
}

static const char *const key_title[KEY_N] = {
	"by RAM (mem_pct)", "by CPU (cpu_pct)", "by VSZ", "by RSS", "by WS (working set)"
};

/* The line above the tables: the snapshot's memory and counts. */
static void
snap_head(FILE *f, const struct snap *s, const struct verdict *v)
{
	char used[32], total[32];

	policy_human_kb(used, sizeof used, (long long)s->used_kb);
	policy_human_kb(total, sizeof total, (long long)s->total_kb);
	fprintf(f, "seq %lld  ts %.*s  mem %.1f%% used (%s of %s)", (long long)s->seq,
		(int)s->ts_len, s->ts_raw, s->used_pct, used, total);
	if (s->has_psi)
		fprintf(f, "  pressure %.2f%% some, %.2f%% full (10 s)", s->psi_some10, s->psi_full10);
	fprintf(f, "  %zu containers, %zu procs, %zu sentenced\n", s->nctr, s->nprocs, v->nkill);
}

/* The containers heaviest first by key k, at most rows of them (0: all). */
static void
table(FILE *f, const struct snap *s, const struct verdict *v, int k, size_t rows)
{
	/* the working set's column only when the snapshot has it: tables of
	 * snapshots without "cgroups" stay as they were */
	int ws = s->has_cgroups;
	size_t i;

	fprintf(f, "  %s\n  %4s %-12s %-20s %-5s %3s %5s %7s %7s %10s %10s%s%s %s\n",
		key_title[k], "#", "ID", "NAME", "CLASS", "MGD", "PROCS", "MEM%",
		"CPU%", "RSS", "VSZ", ws ? "         " : "", ws ? "WS" : "", "FATE");
	for (i = 0; i < s->nctr && (rows == 0 || i < rows); i++) {
		const struct snap_ctr *c = &s->ctr[v->by[k][i]];
		char id[13], name[21], rss[16], vsz[16], wsb[24] = "";

		cell(id, 12, c->id);
		cell(name, 20, c->name);
		policy_human_kb(rss, sizeof rss, (long long)c->rss_kb);
		policy_human_kb(vsz, sizeof vsz, (long long)c->vsz_kb);
		if (ws && c->has_ws) {
			wsb[0] = ' ';
			policy_human_kb(wsb + 1, sizeof wsb - 1, (long long)c->ws_kb);
		}
		fprintf(f, "  %4zu %-12s %-20s %-5s %3s %5d %7.2f %7.2f %10s %10s%*s %s\n",
			i + 1, id, name, policy_class_name[c->cls], c->managed ? "yes" : "no",
			c->procs, c->mem_pct, c->cpu_pct, rss, vsz, ws ? 11 : 0,
			ws ? (c->has_ws ? wsb : " -") : "", policy_fate_name[c->fate]);
	}
	if (i < s->nctr)
		fprintf(f, "  ... and %zu more\n", s->nctr - i);
}

void
out_tables(FILE *f, const struct snap *s, const struct verdict *v)
{
	int k;

	fputc('\n', f);
	snap_head(f, s, v);
	for (k = 0; k < KEY_N; k++)
		if (k != KEY_WS || s->has_cgroups)
			table(f, s, v, k, 0);
}

void
out_top_note(struct out_top *t, const struct snap *s, const struct verdict *v)
{
	size_t i;

	for (i = 0; i < v->nkill; i++) {
		const struct snap_ctr *c = &s->ctr[v->kill[i]];
		char name[21], reason[81];

		cell(name, 20, c->name[0] ? c->name : c->id);
		cell(reason, 80, c->reason);
		snprintf(t->last[t->at], sizeof t->last[t->at], "seq %-6lld %-20s %-5s %s",
			 (long long)s->seq, name, policy_class_name[c->cls], reason);
		t->at = (t->at + 1) % OUT_TOP_LAST;
		if (t->n < OUT_TOP_LAST)
			t->n++;
	}
}

void
out_top(FILE *f, const struct snap *s, const struct verdict *v, const struct out_top *t)
{
	size_t i;

	fputs("\033[H\033[2J", f);	/* home, clear: one screen, redrawn in place */
	snap_head(f, s, v);
	fputc('\n', f);
	table(f, s, v, t->key, OUT_TOP_ROWS);
	fprintf(f, "\n  last sentences (newest first)\n");
	for (i = 0; i < t->n; i++)
		fprintf(f, "  %s\n", t->last[(t->at + OUT_TOP_LAST - 1 - i) % OUT_TOP_LAST]);
	if (t->n == 0)
		fprintf(f, "  none yet\n");
	fprintf(f, "\n  shown by %s; press s for the next order, Ctrl-C to stop\n",
		snap_key_name[t->key]);
}
