/* kmod.c - see kmod.h */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "cgid.h"
#include "err.h"
#include "kmod.h"
#include "memcg.h"

#define DOC_MAX ((size_t)1 << 30)	/* a report larger than 1 GiB is not ours */

void
kmod_open(struct kmod *k, const char *path, int all)
{
	memset(k, 0, sizeof *k);
	k->path = path;
	k->all = all;
	jv_init(&k->jv);
}

void
kmod_close(struct kmod *k)
{
	free(k->buf);
	k->buf = NULL;
	jv_fini(&k->jv);
}

static int
parse_proc(struct jv *v, json_object *o, struct proc *p)
{
	int64_t pid, ppid, vsz, rss, cpu, start;
	const char *comm, *cmd, *cont, *state;
	size_t commlen, cmdlen, contlen, statelen;

	if (!json_object_is_type(o, json_type_object))
		return jv_fail(v, "\"%.*s\" is %s, not an object", (int)strlen(v->where) - 1,
			       v->where, jv_typename(o));
	if (jv_i64(v, o, "pid", JV_REQ, 1, INT32_MAX, &pid) ||
	    jv_i64(v, o, "ppid", JV_REQ, 0, INT32_MAX, &ppid) ||
	    jv_str(v, o, "comm", JV_REQ, &comm, &commlen) ||
	    jv_str(v, o, "cmdline", JV_REQ, &cmd, &cmdlen) ||
	    jv_str(v, o, "container", JV_REQ, &cont, &contlen) ||
	    jv_str(v, o, "state", JV_REQ, &state, &statelen) ||
	    jv_i64(v, o, "vsz_kb", JV_REQ, 0, INT64_MAX, &vsz) ||
	    jv_i64(v, o, "rss_kb", JV_REQ, 0, INT64_MAX, &rss) ||
	    jv_i64(v, o, "cpu_ns", JV_REQ, 0, INT64_MAX, &cpu) ||
	    jv_i64(v, o, "start_ns", JV_REQ, 0, INT64_MAX, &start))
		return -1;
	if (contlen != 0 && !cull_is_id(cont, contlen))
		return jv_fail(v, "\"%scontainer\" is not a 64-hex id", v->where);
	if (statelen != 1)
		return jv_fail(v, "\"%sstate\" is not one letter", v->where);
	p->pid = (int32_t)pid;
	p->ppid = (int32_t)ppid;
	if (commlen > COMM_MAX)
		commlen = COMM_MAX;
	memcpy(p->comm, comm, commlen);
	p->comm[commlen] = '\0';
	memcpy(p->container, cont, contlen);
	p->container[contlen] = '\0';
	p->state = state[0];
	p->vsz_kb = (uint64_t)vsz;
	p->rss_kb = (uint64_t)rss;
	p->cpu_ns = (uint64_t)cpu;
	p->start_ns = (uint64_t)start;
	p->cmdline = strndup(cmd, cmdlen > CMDLINE_MAX ? CMDLINE_MAX : cmdlen);
	if (!p->cmdline)
		return jv_fail(v, "out of memory");
	return 0;
}

/* "cgroups":{"<id>":{"usage_kb":N,"limit_kb":N},...} (v3) into s->cgs */
static int
parse_cgroups(struct jv *v, json_object *cgs, struct sample *s)
{
	json_object_object_foreach(cgs, id, e) {
		struct sample_cg *c;
		int64_t usage, limit = 0;

		if (!cull_is_id(id, strlen(id)))
			return jv_fail(v, "\"cgroups\" has a key \"%.80s\" that is not a 64-hex id", id);
		if (!json_object_is_type(e, json_type_object))
			return jv_fail(v, "\"cgroups.%s\" is %s, not an object", id, jv_typename(e));
		jv_where(v, "cgroups.%s.", id);
		if (jv_i64(v, e, "usage_kb", JV_REQ, 0, INT64_MAX, &usage) ||
		    jv_i64(v, e, "limit_kb", JV_OPT, 0, INT64_MAX, &limit) < 0)
			return -1;
		c = sample_cg_add(s, id);
		c->usage_kb = (uint64_t)usage;
		/* the same "no limit" as memcg.c's reading of a v1 file */
		c->limit_kb = (uint64_t)limit >= MEMCG_NO_LIMIT / 1024 ? 0 : (uint64_t)limit;
	}
	return 0;
}

int
kmod_parse(struct jv *v, const char *doc, size_t len, int all, struct sample *s)
{
	json_object *o, *mem, *procs, *cgs = NULL;
	int64_t ver, up, total, freekb, avail, shared = 0, buffers = 0, omitted = 0;
	size_t i, n;
	int rc = -1;

	sample_clear(s);
	jv_where(v, "%s", "");
	o = jv_parse(v, doc, len);
	if (!o)
		return -1;
	if (jv_i64(v, o, "v", JV_REQ, 0, INT64_MAX, &ver))
		goto out;
	/* 2 added "procs_omitted" (a report bounded by the module's doc_max),
	 * 3 "cgroups" (each container's memory cgroup usage and limit) */
	if (ver < 1 || ver > 3) {
		jv_fail(v, "report version %lld is not one this reader knows (1, 2, 3)", (long long)ver);
		goto out;
	}
	if (jv_i64(v, o, "uptime_ns", JV_REQ, 0, INT64_MAX, &up) ||
	    jv_obj(v, o, "mem", JV_REQ, &mem) || jv_arr(v, o, "procs", JV_REQ, &procs) ||
	    (ver >= 2 && jv_i64(v, o, "procs_omitted", JV_OPT, 1, INT64_MAX, &omitted) < 0) ||
	    (ver >= 3 && jv_obj(v, o, "cgroups", JV_OPT, &cgs) < 0))
		goto out;
	jv_where(v, "mem.");
	if (jv_i64(v, mem, "total_kb", JV_REQ, 1, INT64_MAX, &total) ||
	    jv_i64(v, mem, "free_kb", JV_REQ, 0, INT64_MAX, &freekb) ||
	    jv_i64(v, mem, "available_kb", JV_REQ, 0, INT64_MAX, &avail) ||
	    jv_i64(v, mem, "shared_kb", JV_OPT, 0, INT64_MAX, &shared) < 0 ||
	    jv_i64(v, mem, "buffers_kb", JV_OPT, 0, INT64_MAX, &buffers) < 0)
		goto out;
	s->uptime_ns = (uint64_t)up;
	s->mem = (struct mem){ (uint64_t)total, (uint64_t)freekb, (uint64_t)avail,
			       (uint64_t)shared, (uint64_t)buffers };
	n = json_object_array_length(procs);
	for (i = 0; i < n; i++) {
		struct proc *p;

		jv_where(v, "procs[%zu].", i);
		p = sample_add(s);
		if (!p) {
			jv_fail(v, "out of memory");
			goto out;
		}
		if (parse_proc(v, json_object_array_get_idx(procs, i), p) < 0) {
			s->nprocs--;
			goto out;
		}
		if (!all && !p->container[0]) {
			free(p->cmdline);
			s->nprocs--;
		}
	}
	if (cgs && parse_cgroups(v, cgs, s) < 0)
		goto out;
	s->omitted = (uint64_t)omitted;
	rc = 0;
out:
	jv_where(v, "%s", "");
	json_object_put(o);
	if (rc < 0)
		sample_clear(s);
	return rc;
}

int
kmod_read(struct kmod *k, struct sample *s)
{
	ssize_t len = read_file_at(AT_FDCWD, k->path, &k->buf, &k->cap, DOC_MAX + 1);

	if (len < 0) {
		cull_warn("cannot read %s:", k->path);
		return -1;
	}
	if ((size_t)len > DOC_MAX) {
		cull_warn("%s: report larger than %zu bytes", k->path, DOC_MAX);
		return -1;
	}
	if (len == 0) {
		cull_warn("%s: the report is empty", k->path);
		return -1;
	}
	if (kmod_parse(&k->jv, k->buf, (size_t)len, k->all, s) < 0) {
		cull_warn("%s: %s", k->path, k->jv.err);
		return -1;
	}
	if (s->omitted)
		cull_warn("%s: the module left out %llu processes (its doc_max is too small for this host)",
			  k->path, (unsigned long long)s->omitted);
	return 0;
}
