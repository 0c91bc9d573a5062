/* snapshot.c - see snapshot.h */
#include <stdlib.h>
#include <string.h>

#include "cgid.h"
#include "err.h"
#include "mem.h"
#include "snapshot.h"

static int
by_pid(const void *a, const void *b)
{
	const struct proc *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static const struct cpu_seen *
find_prev(const struct cpu_prev *prev, int32_t pid)
{
	size_t lo = 0, hi = prev->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (prev->v[mid].pid == pid)
			return &prev->v[mid];
		if (prev->v[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static double
share(uint64_t cpu, uint64_t wall)
{
	return wall ? (double)cpu * 100.0 / (double)wall : 0.0;
}

void
snapshot_cpu(struct sample *s, struct cpu_prev *prev)
{
	size_t i;

	if (s->nprocs > 1)	/* procs is NULL while nothing was listed */
		qsort(s->procs, s->nprocs, sizeof *s->procs, by_pid);
	for (i = 0; i < s->nprocs; i++) {
		struct proc *p = &s->procs[i];
		const struct cpu_seen *q = find_prev(prev, p->pid);

		if (q && q->start_ns == p->start_ns && p->cpu_ns >= q->cpu_ns &&
		    s->uptime_ns > prev->uptime_ns)
			p->cpu_pct = share(p->cpu_ns - q->cpu_ns, s->uptime_ns - prev->uptime_ns);
		else if (s->uptime_ns > p->start_ns)
			p->cpu_pct = share(p->cpu_ns, s->uptime_ns - p->start_ns);
		else
			p->cpu_pct = 0;
	}
	prev->v = cull_grow(prev->v, &prev->cap, s->nprocs, sizeof *prev->v);
	for (i = 0; i < s->nprocs; i++)
		prev->v[i] = (struct cpu_seen){ s->procs[i].pid, s->procs[i].start_ns,
						s->procs[i].cpu_ns };
	prev->n = s->nprocs;
	prev->uptime_ns = s->uptime_ns;
}

void
cpu_prev_free(struct cpu_prev *prev)
{
	free(prev->v);
	memset(prev, 0, sizeof *prev);
}

static void
write_psi(struct jw *w, const struct psi *p)
{
	jw_open(w, "psi");
	jw_num(w, "some_avg10", p->some10, 2);
	jw_num(w, "some_avg60", p->some60, 2);
	jw_num(w, "full_avg10", p->full10, 2);
	jw_num(w, "full_avg60", p->full60, 2);
	jw_end(w);
}

/* "cgroups":{"<id>":{ws_kb,usage_kb,inactive_file_kb[,limit_kb][,psi]}},
 * only the containers whose memory cgroup was read; absent when none was */
static void
write_cgroups(struct jw *w, const struct memcg *m)
{
	size_t i, open = 0;

	for (i = 0; m && i < m->n; i++) {
		const struct memcg_ent *e = &m->v[i];

		if (!e->ok)
			continue;
		if (!open++)
			jw_open(w, "cgroups");
		jw_open(w, e->id);
		jw_uint(w, "ws_kb", e->figs.ws_kb);
		jw_uint(w, "usage_kb", e->figs.usage_kb);
		jw_uint(w, "inactive_file_kb", e->figs.inactive_file_kb);
		if (e->figs.limit_kb)
			jw_uint(w, "limit_kb", e->figs.limit_kb);
		if (e->figs.has_psi)
			write_psi(w, &e->figs.psi);
		jw_end(w);
	}
	if (open)
		jw_end(w);
}

void
snapshot_write(struct jw *w, const struct sample *s, const struct snapshot_meta *m)
{
	const struct mem *mem = &s->mem;
	uint64_t used = mem->total_kb > mem->available_kb ? mem->total_kb - mem->available_kb : 0;
	double total = mem->total_kb ? (double)mem->total_kb : 1.0;
	size_t i;

	jw_open(w, NULL);
	jw_str(w, "type", "snapshot");
	jw_int(w, "v", 1);
	jw_uint(w, "seq", m->seq);
	jw_num(w, "ts", m->ts, 3);
	jw_str(w, "source", m->source);
	jw_num(w, "interval_s", m->interval_s, 3);
	jw_open(w, "mem");
	jw_uint(w, "total_kb", mem->total_kb);
	jw_uint(w, "free_kb", mem->free_kb);
	jw_uint(w, "available_kb", mem->available_kb);
	jw_uint(w, "used_kb", used);
	jw_num(w, "used_pct", (double)used * 100.0 / total, 2);
	if (m->psi)
		write_psi(w, m->psi);
	jw_end(w);
	jw_arr(w, "procs");
	for (i = 0; i < s->nprocs; i++) {
		const struct proc *p = &s->procs[i];
		char st[2] = { p->state ? p->state : '?', '\0' };

		jw_open(w, NULL);
		jw_int(w, "pid", p->pid);
		jw_int(w, "ppid", p->ppid);
		jw_str(w, "comm", p->comm);
		jw_str(w, "cmdline", p->cmdline);
		jw_str(w, "container", p->container);
		jw_strn(w, "state", st, 1);
		jw_uint(w, "vsz_kb", p->vsz_kb);
		jw_uint(w, "rss_kb", p->rss_kb);
		jw_num(w, "mem_pct", (double)p->rss_kb * 100.0 / total, 2);
		jw_num(w, "cpu_pct", p->cpu_pct, 2);
		jw_uint(w, "cpu_ns", p->cpu_ns);
		jw_uint(w, "start_ns", p->start_ns);
		jw_end(w);
	}
	jw_end(w);
	if (m->containers && json_object_is_type(m->containers, json_type_object)) {
		jw_open(w, "containers");
		json_object_object_foreach(m->containers, id, c) {	/* rendered (events.c) */
			if (json_object_is_type(c, json_type_string))
				jw_raw(w, id, json_object_get_string(c),
				       (size_t)json_object_get_string_len(c));
		}
		jw_end(w);
	}
	write_cgroups(w, m->memcg);
	jw_end(w);
}
