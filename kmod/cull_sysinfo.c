// SPDX-License-Identifier: GPL-2.0
/*
 * cull_sysinfo - memory totals and every process that runs inside a container,
 * as one JSON document per open of /proc/cull_sysinfo.
 *
 *   {"v":2,"uptime_ns":…,"cpus":2,"hz":100,
 *    "mem":{"total_kb":…,"free_kb":…,"available_kb":…,"shared_kb":…,"buffers_kb":…},
 *    "procs":[{"pid":…,"ppid":…,"comm":"…","cmdline":"…","container":"<64 hex>",
 *              "state":"S","vsz_kb":…,"rss_kb":…,"cpu_ns":…,"start_ns":…}],
 *    "cgroups":{"<64 hex>":{"usage_kb":…,"limit_kb":…}},
 *    "procs_omitted":N}
 *
 * Version 2: "procs_omitted" (only when doc_max left processes out).
 * Version 3: "cgroups" (only in a kernel with CONFIG_MEMCG): for each
 * container id of the listed processes whose memory cgroup is its own, what
 * the cgroup is charged (memory.current, memory.usage_in_bytes on v1) and
 * its limit (memory.max; absent when there is none), in KiB.
 *
 * A container's memory cgroup is the memcg of its first listed process that
 * has one (its processes share it: Docker and podman put them all in the
 * container's cgroup), taken up past the container's own sub-cgroups
 * (podman's libpod-<id>.scope/container) to the highest whose path still
 * names the id. A memcg whose path names no id or another one (the root
 * memcg of a v1 hierarchy without the memory controller, or of a v2 tree
 * where memory is not enabled down to the container; a slice above it) is
 * not the container's: no entry. The inactive file cache, and so the
 * working set, is not given: memcg_page_state() is not exported and
 * lruvec_page_state() is inline on 6.1 only.
 *
 * The document is built once, in open(), into a buffer that belongs to that
 * open file: every read() of it, however small, sees the same snapshot;
 * release() frees it. Raw counters only: no floating point, no policy.
 *
 * Who may read. The file is 0400 and open() also asks for CAP_SYS_ADMIN in
 * the initial user namespace and a caller in the initial pid namespace: the
 * document holds every container's command lines (which carry secrets) and
 * host pids, and a procfs entry made with a NULL parent shows in every
 * procfs mount, a container's and a hidepid=2 one alike. Anyone else gets
 * EACCES (the mode) or EPERM (this check).
 *
 * Memory. An open file holds its document, exactly its length (kmalloc up to
 * a page, vmalloc above), never more than doc_max bytes; a host whose
 * document would be longer gets the first processes that fit and
 * "procs_omitted":N for the rest, still one valid document. Every
 * allocation is charged to the opener's memory cgroup and asked for with
 * __GFP_NOWARN: a failure is -ENOMEM, not a kernel warning.
 *
 * Command lines are read as /proc/<pid>/cmdline reads them: anonymous memory
 * only (FOLL_ANON), so a file mapped over a process's arguments is neither
 * shown nor read (no stall on a slow FUSE or NFS file); bytes read while the
 * process exec'd belong to the next program and are dropped.
 *
 * Locking. The task list is walked under rcu_read_lock(), which may not
 * sleep: there we only pin each task of interest (get_task_struct), find its
 * container id in its cgroup path (kernfs_path takes a spinlock), sum its
 * threads' CPU time (under the signal struct's stats seqlock) and copy out
 * its memory cgroup's usage and limit (two loads; the memcg, freed only
 * after an RCU grace period, is not pinned). Everything
 * that may sleep - allocating, get_task_mm/mmput, reading the command line
 * with access_process_vm - happens after rcu_read_unlock() on the pinned
 * tasks.
 *
 * Parameters (root may change them at run time through
 * /sys/module/cull_sysinfo/parameters/; a change applies to the next open):
 *   all=1           list every process, host ones too ("container":"")
 *   cmdline_max=N   bytes of a command line shown at most (0..65536, default
 *                   4096); an entry that lost bytes other than trailing NULs
 *                   carries "cmdline_cut":true; 0 shows no command lines
 *   doc_max=N       bytes of a document at most (4096..1 GiB, default 16 MiB)
 *
 * Kernels: 6.1 and newer (the oldest the harness boots: tests/50-kmod.t on
 * Debian's 6.1, 6.1 PREEMPT_RT and 6.12), 64-bit, with CONFIG_CGROUPS.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/capability.h>
#include <linux/pid_namespace.h>
#include <linux/proc_fs.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seqlock.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <linux/vmalloc.h>

#include "cgid.h"
#include "jesc.h"

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "cull_sysinfo needs Linux 6.1 or newer (the oldest kernel its tests boot)"
#endif
#ifndef CONFIG_CGROUPS
#error "cull_sysinfo needs a kernel with CONFIG_CGROUPS: container ids come from cgroup paths"
#endif
#ifndef CONFIG_64BIT
#error "cull_sysinfo needs a 64-bit kernel: it reads a thread's run time without the runqueue lock"
#endif

#define CS_NAME		"cull_sysinfo"
#define CS_CMDLINE_CAP	65536		/* most cmdline_max may be */
#define CS_PATH_MAX	PATH_MAX	/* cgroup path buffer */
#define CS_TRIES	8		/* walks before giving up on a growing task list */
#define CS_DOC_MIN	4096		/* least doc_max may be */
#define CS_DOC_CAP	(1U << 30)	/* most doc_max may be */
#define CS_TAIL_MAX	80		/* room kept for ],"cgroups":{},"procs_omitted":N}\n */
#define CS_GFP		(GFP_KERNEL_ACCOUNT | __GFP_NOWARN)

static bool all;
module_param(all, bool, 0644);
MODULE_PARM_DESC(all, "list host processes too, not only those in containers (default 0)");

static unsigned int cmdline_max = 4096;

/* Set an unsigned parameter only to a value in [min, max], else -ERANGE. */
static int param_set_uint_in(const char *val, const struct kernel_param *kp,
			     unsigned int min, unsigned int max)
{
	unsigned int n;
	int err = kstrtouint(val, 0, &n);

	if (err)
		return err;
	if (n < min || n > max)
		return -ERANGE;
	return param_set_uint(val, kp);
}

static int cmdline_max_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_in(val, kp, 0, CS_CMDLINE_CAP);
}

static const struct kernel_param_ops cmdline_max_ops = {
	.set = cmdline_max_set,
	.get = param_get_uint,
};
module_param_cb(cmdline_max, &cmdline_max_ops, &cmdline_max, 0644);
MODULE_PARM_DESC(cmdline_max, "bytes of a command line to report, 0..65536 (default 4096, 0: none)");

static unsigned int doc_max = 16U << 20;

static int doc_max_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_in(val, kp, CS_DOC_MIN, CS_DOC_CAP);
}

static const struct kernel_param_ops doc_max_ops = {
	.set = doc_max_set,
	.get = param_get_uint,
};
module_param_cb(doc_max, &doc_max_ops, &doc_max, 0644);
MODULE_PARM_DESC(doc_max, "bytes of a document at most, 4096..1073741824 (default 16 MiB)");

/* the last walk's processes and document's length: the next open sizes
 * its array and its buffer from them, and walks and allocates once */
static unsigned long cs_last_n, cs_last_len;

/* ---- a growing text buffer ------------------------------------------- */

struct cs_buf {
	char *p;
	size_t len, cap;
	size_t limit;		/* len may not pass it */
	bool full;		/* a put would have passed limit: it did nothing */
	int err;		/* first failure (-ENOMEM); later puts do nothing */
};

static bool buf_reserve(struct cs_buf *b, size_t more)
{
	size_t cap;
	char *np;

	if (b->err || b->full)
		return false;
	if (more > b->limit - b->len) {
		b->full = true;
		return false;
	}
	if (b->len + more <= b->cap)
		return true;
	cap = b->cap ? b->cap : PAGE_SIZE;
	while (cap < b->len + more)
		cap *= 2;
	cap = min(cap, b->limit);	/* never ask for more than the bound */
	np = kvmalloc(cap, CS_GFP);
	if (!np) {
		b->err = -ENOMEM;
		return false;
	}
	if (b->len)
		memcpy(np, b->p, b->len);
	kvfree(b->p);
	b->p = np;
	b->cap = cap;
	return true;
}

/*
 * A first buffer of cap bytes (at most the bound) from vmalloc, whole pages:
 * a document that ends in its last page is kept as it is. Small ones (a
 * page or less) grow from kmalloc instead.
 */
static void buf_presize(struct cs_buf *b, size_t cap)
{
	cap = min(cap, b->limit);
	if (cap <= PAGE_SIZE || b->cap)
		return;
	b->p = __vmalloc(cap, CS_GFP);
	if (b->p)
		b->cap = cap;
}

/*
 * Keep exactly the document: an open file holds it until close, so the
 * slack of the growing buffer (up to half of it) goes back now. Up to a
 * page from kmalloc, above from vmalloc (kmalloc would round a large
 * buffer up to a power of two of pages). On failure the bigger one stays.
 */
static void buf_shrink(struct cs_buf *b)
{
	char *np;

	if (b->len == b->cap || !b->len)
		return;
	/* vmalloc holds whole pages: one that ends in the last page is exact */
	if (is_vmalloc_addr(b->p) && PAGE_ALIGN(b->len) == PAGE_ALIGN(b->cap))
		return;
	if (b->len <= PAGE_SIZE)
		np = kmalloc(b->len, CS_GFP);
	else
		np = __vmalloc(b->len, CS_GFP);
	if (!np)
		return;
	memcpy(np, b->p, b->len);
	kvfree(b->p);
	b->p = np;
	b->cap = b->len;
}

static void buf_put(struct cs_buf *b, const char *s, size_t n)
{
	if (!buf_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static __printf(2, 3) void buf_printf(struct cs_buf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	/* only short numeric fields go through here */
	if (WARN_ON_ONCE(n < 0 || n >= (int)sizeof(tmp)))
		return;
	buf_put(b, tmp, n);
}

/* The escaping rule is lib/jesc.h's, shared with the reader's procfs path. */
static void buf_put_cb(void *ctx, const char *p, size_t n)
{
	buf_put(ctx, p, n);
}

/* A JSON string, quotes included, valid for any bytes (lib/jesc.h). */
static void buf_json_str(struct cs_buf *b, const char *str, size_t n)
{
	buf_put(b, "\"", 1);
	cull_json_escape(b, buf_put_cb, str, n);
	buf_put(b, "\"", 1);
}

/* ---- container ids from cgroup paths ---------------------------------- */

/*
 * Under RCU. The id in cgrp's path; false if none. scratch: CS_PATH_MAX
 * bytes. The forms are lib/cgid.h's, the reader's procfs scan's too.
 */
static bool cgroup_container_id(struct cgroup *cgrp, char *scratch, char *id)
{
	int n = cgroup_path(cgrp, scratch, CS_PATH_MAX);

	if (n < 0)
		return false;
	return cull_cgroup_id(scratch, min_t(size_t, n, CS_PATH_MAX - 1), id);
}

/*
 * Under RCU. The container of task p: first the cgroup v2 (default
 * hierarchy) path, then the path in each v1 hierarchy that has a controller
 * (docker's cgroupfs driver makes /docker/<id> in every one of them). The
 * cgroup whose path named it into *where; scratch then holds that path.
 */
static bool task_container_id(struct task_struct *p, char *scratch, char *id,
			      struct cgroup **where)
{
	struct css_set *cset = task_css_set(p);
	struct cgroup *dfl = cset->dfl_cgrp;
	struct cgroup_root *seen[CGROUP_SUBSYS_COUNT];
	int i, j, nseen = 0;

	*where = dfl;
	if (cgroup_parent(dfl) && cgroup_container_id(dfl, scratch, id))
		return true;
	for (i = 0; i < CGROUP_SUBSYS_COUNT; i++) {
		struct cgroup_subsys_state *css = cset->subsys[i];
		struct cgroup *c;

		if (!css)
			continue;
		c = css->cgroup;
		if (c->root == dfl->root || !cgroup_parent(c))
			continue;
		for (j = 0; j < nseen && seen[j] != c->root; j++)
			;
		if (j < nseen)
			continue;
		seen[nseen++] = c->root;
		*where = c;
		if (cgroup_container_id(c, scratch, id))
			return true;
	}
	return false;
}

/* ---- a container's memory cgroup -------------------------------------- */

/* its figures, copied out under RCU */
struct cs_mcg {
	bool ok;			/* the container's own memcg was found */
	unsigned long usage, max;	/* charged and limit, pages */
};

#ifdef CONFIG_MEMCG
/*
 * Under RCU. The memory cgroup of container id, through its task p whose id
 * was found in the path of cgroup where (the path still in scratch): p's
 * memcg, taken up while its parent's path still names id (the container's
 * own sub-cgroups count as it). Not the container's, so none: the root
 * memcg, or one whose path names no id or another (see the top). Pins
 * nothing: the two numbers are copied out at once.
 */
static struct cs_mcg container_memcg(struct task_struct *p, const char *id,
				     struct cgroup *where, char *scratch)
{
	struct cs_mcg m = { .ok = false };
	struct mem_cgroup *memcg, *up;
	char got[CULL_ID_LEN + 1];
	size_t len;

	if (mem_cgroup_disabled())
		return m;
	memcg = mem_cgroup_from_task(p);
	if (!memcg || !memcg->css.parent)
		return m;	/* the root memcg: the host's */
	if (memcg->css.cgroup != where && cgroup_path(memcg->css.cgroup, scratch, CS_PATH_MAX) < 0)
		return m;
	len = strnlen(scratch, CS_PATH_MAX);
	/* a path cut at the buffer's end cannot be taken up component by component */
	if (len >= CS_PATH_MAX - 1 || !cull_cgroup_id(scratch, len, got) || strcmp(got, id))
		return m;
	while ((up = parent_mem_cgroup(memcg)) && up->css.parent) {
		int level;

		/* up's path: memcg's less the levels between them */
		for (level = memcg->css.cgroup->level; level > up->css.cgroup->level; level--) {
			while (len && scratch[len - 1] != '/')
				len--;
			if (len)
				len--;
		}
		if (!cull_cgroup_id(scratch, len, got) || strcmp(got, id))
			break;
		memcg = up;
	}
	m.ok = true;
	m.usage = page_counter_read(&memcg->memory);
	m.max = READ_ONCE(memcg->memory.max);
	return m;
}
#else
static struct cs_mcg container_memcg(struct task_struct *p, const char *id,
				     struct cgroup *where, char *scratch)
{
	return (struct cs_mcg){ .ok = false };
}
#endif

/* ---- one snapshot ------------------------------------------------------ */

struct cs_task {
	struct task_struct *task;	/* pinned with get_task_struct */
	pid_t pid, ppid;
	u64 cpu_ns;
	char id[CULL_ID_LEN + 1];	/* "" for a host process (all=1) */
	struct cs_mcg mcg;		/* its container's memory cgroup */
	u32 first;			/* the first task of its id, in v (build) */
	s32 from;			/* on that first one: the listed task whose
					 * mcg is its id's cgroups entry; -1 none */
};

/*
 * A thread's run time. The kernel's read_sum_exec_runtime() is static to
 * kernel/sched/cputime.c; on a 64-bit kernel (required above) it is this
 * single load, the other case taking the runqueue lock.
 */
static inline u64 cs_sum_exec_runtime(struct task_struct *t)
{
	return READ_ONCE(t->se.sum_exec_runtime);
}

/*
 * Under RCU. CPU time of the whole thread group in ns: what the exited
 * threads left in the signal struct plus each live thread's run time, read
 * consistently under the stats seqlock as thread_group_cputime() does.
 */
static u64 group_cpu_ns(struct task_struct *p)
{
	struct signal_struct *sig = p->signal;
	struct task_struct *t;
	unsigned long flags;
	int seq, nextseq = 0;
	u64 sum;

	do {
		seq = nextseq;
		flags = read_seqbegin_or_lock_irqsave(&sig->stats_lock, &seq);
		sum = sig->sum_sched_runtime;
		for_each_thread(p, t)
			sum += cs_sum_exec_runtime(t);
		nextseq = 1;	/* a second pass takes the lock */
	} while (need_seqretry(&sig->stats_lock, seq));
	done_seqretry_irqrestore(&sig->stats_lock, seq, flags);
	return sum;
}

static void put_tasks(struct cs_task *v, size_t n)
{
	while (n--)
		put_task_struct(v[n].task);
}

/*
 * Pin the processes to report into *vp (grown as needed) and return how
 * many, or a negative errno. Sleeps only outside the RCU walk.
 */
static long collect(struct cs_task **vp, size_t *capp, bool list_all, char *scratch)
{
	struct task_struct *p;
	int tries;

	for (tries = 0; tries < CS_TRIES; tries++) {
		struct css_set *last_cset = NULL;
		bool last_found = false;
		char last_id[CULL_ID_LEN + 1] = "";
		struct cs_mcg last_mcg = { .ok = false };
		size_t n = 0;

		rcu_read_lock();
		for_each_process(p) {
			struct css_set *cset = task_css_set(p);
			struct cs_task *e;
			char id[CULL_ID_LEN + 1];
			struct cgroup *where;
			bool found;

			/* tasks of one css_set share every cgroup: look once */
			if (cset == last_cset) {
				found = last_found;
				memcpy(id, last_id, sizeof(id));
			} else {
				found = task_container_id(p, scratch, id, &where);
				if (!found)
					id[0] = '\0';
				last_cset = cset;
				last_found = found;
				memcpy(last_id, id, sizeof(id));
				/* its memcg's figures, once per css_set as its
				 * id (the map shows one listed task's per id) */
				last_mcg.ok = false;
				if (found)
					last_mcg = container_memcg(p, id, where, scratch);
			}
			if (!found && !list_all)
				continue;
			if (n++ >= *capp)
				continue;	/* only counted: grow and walk again */
			e = &(*vp)[n - 1];
			get_task_struct(p);
			e->task = p;
			e->pid = task_tgid_nr(p);
			e->ppid = task_ppid_nr(p);
			e->cpu_ns = group_cpu_ns(p);
			memcpy(e->id, id, sizeof(e->id));
			e->mcg = last_mcg;
		}
		rcu_read_unlock();

		if (n <= *capp)
			return n;
		put_tasks(*vp, *capp);
		kvfree(*vp);
		*capp = n + n / 4 + 16;
		*vp = kvmalloc_array(*capp, sizeof(**vp), CS_GFP);
		if (!*vp) {
			*capp = 0;
			return -ENOMEM;
		}
	}
	return -EAGAIN;
}

/*
 * The command line of t, whose address space mm is pinned, into cmd (at
 * least cmd_max + 1 bytes); its length. *cut: bytes other than NULs were
 * left out (or could not be read). Reads as /proc/<pid>/cmdline does: only
 * anonymous memory (FOLL_ANON), so a file mapped over the arguments is
 * neither shown nor waited for; bytes read after the task exec'd (t->mm is
 * no longer mm) are another program's and are dropped. scratch: CS_PATH_MAX
 * bytes to look past the cut. May sleep.
 */
static size_t read_cmdline(struct task_struct *t, struct mm_struct *mm, char *cmd,
			   size_t cmd_max, char *scratch, bool *cut)
{
	unsigned long as, ae, at;
	size_t want;
	int got;

	*cut = false;
	if (!cmd_max)
		return 0;	/* command lines off: none read, none cut */
	spin_lock(&mm->arg_lock);
	as = mm->arg_start;
	ae = mm->arg_end;
	spin_unlock(&mm->arg_lock);
	if (ae <= as)
		return 0;
	/* one byte more than shown: is there anything past cmd_max? */
	want = min_t(unsigned long, ae - as, cmd_max + 1);
	got = access_process_vm(t, as, cmd, want, FOLL_ANON);
	if (got <= 0 || READ_ONCE(t->mm) != mm)
		return 0;
	if ((size_t)got < want) {
		*cut = true;	/* the rest is not anonymous memory */
		return got;
	}
	if (want <= cmd_max)
		return got;	/* all of it */
	if (cmd[cmd_max] != '\0') {
		*cut = true;
		return cmd_max;
	}
	/* a NUL just past the cut: lost only if a non-NUL follows (bounded) */
	for (at = as + cmd_max + 1; at < ae && !*cut; at += got) {
		int i;

		if (at - as > cmd_max + CS_CMDLINE_CAP) {
			*cut = true;	/* too far to look: say it may be cut */
			break;
		}
		got = access_process_vm(t, at, scratch, min_t(unsigned long, ae - at, CS_PATH_MAX),
					FOLL_ANON);
		if (got <= 0 || READ_ONCE(t->mm) != mm) {
			*cut = got <= 0;
			break;
		}
		for (i = 0; i < got; i++)
			if (scratch[i])
				*cut = true;
	}
	return cmd_max;
}

/*
 * Resident pages, as VmRSS of /proc/<pid>/status. Since 6.2 the counters
 * are per-CPU and get_mm_rss() reads only their shared part, which may
 * trail by a batch per CPU and counter; /proc sums them, and so do we.
 */
static unsigned long cs_mm_rss(struct mm_struct *mm)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	return percpu_counter_sum_positive(&mm->rss_stat[MM_FILEPAGES]) +
	       percpu_counter_sum_positive(&mm->rss_stat[MM_ANONPAGES]) +
	       percpu_counter_sum_positive(&mm->rss_stat[MM_SHMEMPAGES]);
#else
	return get_mm_rss(mm);
#endif
}

/* Append the entry of one pinned process; may sleep. */
static void put_proc(struct cs_buf *b, const struct cs_task *e, char *cmd, size_t cmd_max,
		     char *scratch)
{
	struct task_struct *t = e->task;
	char comm[TASK_COMM_LEN];
	unsigned long vsz = 0, rss = 0;
	size_t len = 0, i;
	bool cut = false;
	struct mm_struct *mm;
	char state;

	get_task_comm(comm, t);
	state = task_state_to_char(t);
	mm = get_task_mm(t);	/* NULL for kernel threads and exited ones */
	if (mm) {
		vsz = mm->total_vm << (PAGE_SHIFT - 10);
		rss = cs_mm_rss(mm) << (PAGE_SHIFT - 10);
		len = read_cmdline(t, mm, cmd, cmd_max, scratch, &cut);
		mmput(mm);
	}
	/* NULs separate the arguments: trailing ones go, the others become spaces */
	while (len && cmd[len - 1] == '\0')
		len--;
	for (i = 0; i < len; i++)
		if (cmd[i] == '\0')
			cmd[i] = ' ';

	buf_printf(b, "{\"pid\":%d,\"ppid\":%d,\"comm\":", e->pid, e->ppid);
	buf_json_str(b, comm, strnlen(comm, sizeof(comm)));
	buf_put(b, ",\"cmdline\":", 11);
	buf_json_str(b, cmd, len);
	if (cut)
		buf_put(b, ",\"cmdline_cut\":true", 19);
	buf_put(b, ",\"container\":", 13);
	buf_json_str(b, e->id, strlen(e->id));
	buf_printf(b, ",\"state\":\"%c\",\"vsz_kb\":%lu,\"rss_kb\":%lu", state, vsz, rss);
	buf_printf(b, ",\"cpu_ns\":%llu,\"start_ns\":%llu}",
		   (unsigned long long)e->cpu_ns, (unsigned long long)t->start_boottime);
}

/* ---- the cgroups map --------------------------------------------------- */

#ifdef CONFIG_MEMCG
static int cmp_task_id(const void *a, const void *b)
{
	const struct cs_task *x = *(const struct cs_task * const *)a;
	const struct cs_task *y = *(const struct cs_task * const *)b;
	int c = strcmp(x->id, y->id);

	return c ? c : (x > y) - (x < y);	/* then in walk order */
}

/*
 * May sleep. Group v[0..n) by container id: each task's first is the first
 * task of its id in v; no entry is claimed yet. 0 or -ENOMEM.
 */
static int cg_group(struct cs_task *v, size_t n)
{
	struct cs_task **by;
	size_t i, at = 0;

	by = kvmalloc_array(n ? n : 1, sizeof(*by), CS_GFP);
	if (!by)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		by[i] = &v[i];
		v[i].from = -1;
	}
	sort(by, n, sizeof(*by), cmp_task_id, NULL);
	for (i = 0; i < n; i++) {
		if (strcmp(by[i]->id, by[at]->id))
			at = i;
		by[i]->first = by[at] - v;
	}
	kvfree(by);
	return 0;
}

/* "<id>":{"usage_kb":N[,"limit_kb":N]}, no limit being PAGE_COUNTER_MAX */
static int cg_entry(char *s, size_t size, const struct cs_task *e)
{
	const int k = PAGE_SHIFT - 10;

	if (e->mcg.max >= PAGE_COUNTER_MAX)
		return snprintf(s, size, "\"%s\":{\"usage_kb\":%lu}", e->id, e->mcg.usage << k);
	return snprintf(s, size, "\"%s\":{\"usage_kb\":%lu,\"limit_kb\":%lu}", e->id,
			e->mcg.usage << k, e->mcg.max << k);
}

/*
 * Listing v[i] makes its container's entry when it is the first listed task
 * of its id to have a memcg: room for the entry (and a comma) is taken off
 * b->limit, so the map fits after the processes whatever the bound. The
 * bytes taken (0: none needed), or -1 when they do not fit.
 */
static long cg_claim(struct cs_buf *b, struct cs_task *v, size_t i)
{
	struct cs_task *f = &v[v[i].first];
	size_t need;

	if (!v[i].mcg.ok || f->from >= 0)
		return 0;
	need = 1 + cg_entry(NULL, 0, &v[i]);
	if (b->len > b->limit || need > b->limit - b->len)
		return -1;
	b->limit -= need;
	f->from = i;
	return need;
}

/* Give back what cg_claim took for v[i], which was not listed after all. */
static void cg_unclaim(struct cs_buf *b, struct cs_task *v, size_t i, long took)
{
	if (took > 0) {
		b->limit += took;
		v[v[i].first].from = -1;
	}
}

/* ,"cgroups":{...}: the claimed entries, in the order their ids came */
static void put_cgroups(struct cs_buf *b, const struct cs_task *v, size_t n)
{
	char tmp[CULL_ID_LEN + 96];	/* 2 x 20 digits and the keys */
	bool first = true;
	size_t i;

	buf_put(b, ",\"cgroups\":{", 12);
	for (i = 0; i < n; i++) {
		if (v[i].from < 0)
			continue;
		if (!first)
			buf_put(b, ",", 1);
		buf_put(b, tmp, cg_entry(tmp, sizeof(tmp), &v[v[i].from]));
		first = false;
	}
	buf_put(b, "}", 1);
}
#else
static int cg_group(struct cs_task *v, size_t n)
{
	return 0;
}

static long cg_claim(struct cs_buf *b, struct cs_task *v, size_t i)
{
	return 0;
}

static void cg_unclaim(struct cs_buf *b, struct cs_task *v, size_t i, long took)
{
}

/* no memory cgroups in this kernel: no "cgroups" member at all */
static void put_cgroups(struct cs_buf *b, const struct cs_task *v, size_t n)
{
}
#endif

static void put_head(struct cs_buf *b)
{
	struct sysinfo si;
	unsigned long avail;
	const int k = PAGE_SHIFT - 10;

	si_meminfo(&si);
	avail = si_mem_available();
	buf_printf(b, "{\"v\":3,\"uptime_ns\":%llu,\"cpus\":%u,\"hz\":%d,",
		   (unsigned long long)ktime_get_boottime_ns(), num_online_cpus(), USER_HZ);
	buf_printf(b, "\"mem\":{\"total_kb\":%lu,\"free_kb\":%lu,",
		   si.totalram << k, si.freeram << k);
	buf_printf(b, "\"available_kb\":%lu,\"shared_kb\":%lu,\"buffers_kb\":%lu},",
		   avail << k, si.sharedram << k, si.bufferram << k);
}

/*
 * Build one snapshot into b, at most max bytes; 0 or a negative errno.
 * Entries that do not fit are left out whole and counted in procs_omitted.
 */
static int build(struct cs_buf *b, size_t max)
{
	bool list_all = READ_ONCE(all);
	size_t cmd_max = min_t(unsigned int, READ_ONCE(cmdline_max), CS_CMDLINE_CAP);
	unsigned long last = READ_ONCE(cs_last_n);
	size_t cap = last + last / 4 + 16, i, omitted = 0;
	struct cs_task *v;
	bool first = true;
	char *scratch, *cmd;
	long n;
	int err = -ENOMEM;

	scratch = kmalloc(CS_PATH_MAX, CS_GFP);
	if (!scratch)
		goto out;
	cmd = kvmalloc(cmd_max + 1, CS_GFP);
	if (!cmd)
		goto free_scratch;
	v = kvmalloc_array(cap, sizeof(*v), CS_GFP);
	if (!v)
		goto free_cmd;

	b->limit = max - CS_TAIL_MAX;	/* room for the tail, whatever is left out */
	last = READ_ONCE(cs_last_len);
	buf_presize(b, last ? PAGE_ALIGN(last + 512) : 0);
	n = collect(&v, &cap, list_all, scratch);
	if (n < 0) {
		err = n;
		goto free_v;
	}
	err = cg_group(v, n);
	if (err) {
		put_tasks(v, n);
		goto free_v;
	}
	/* uptime_ns: when the walk has ended, so no listed process started later */
	put_head(b);
	WRITE_ONCE(cs_last_n, n);
	buf_put(b, "\"procs\":[", 9);
	for (i = 0; i < n; i++) {
		/* a process reaped since the walk is gone: leave it out */
		if (pid_alive(v[i].task)) {
			size_t mark = b->len;
			long took;

			if (omitted) {
				omitted++;	/* one left out: so are the rest */
			} else if ((took = cg_claim(b, v, i)) < 0) {
				omitted = 1;	/* no room for its cgroups entry */
			} else {
				if (!first)
					buf_put(b, ",", 1);
				put_proc(b, &v[i], cmd, cmd_max, scratch);
				if (b->full) {
					b->len = mark;
					b->full = false;
					cg_unclaim(b, v, i, took);
					omitted = 1;
				} else {
					first = false;
				}
			}
		}
		put_task_struct(v[i].task);
		cond_resched();
	}
	b->limit = max;
	buf_put(b, "]", 1);
	put_cgroups(b, v, n);
	if (omitted)
		buf_printf(b, ",\"procs_omitted\":%zu", omitted);
	buf_put(b, "}\n", 2);
	err = b->err;
	if (!err && b->full)
		err = -EFBIG;	/* cannot be: doc_max leaves room for the head and tail */
	if (!err) {
		WRITE_ONCE(cs_last_len, b->len);
		buf_shrink(b);
	}
free_v:
	kvfree(v);
free_cmd:
	kvfree(cmd);
free_scratch:
	kfree(scratch);
out:
	return err;
}

/* ---- /proc/cull_sysinfo ------------------------------------------------ */

static int cs_open(struct inode *inode, struct file *file)
{
	struct cs_buf *b;
	int err;

	/* the host's root only: not a container's root, not another pid namespace */
	if (task_active_pid_ns(current) != &init_pid_ns || !capable(CAP_SYS_ADMIN))
		return -EPERM;
	b = kzalloc(sizeof(*b), CS_GFP);
	if (!b)
		return -ENOMEM;
	err = build(b, READ_ONCE(doc_max));
	if (err) {
		kvfree(b->p);
		kfree(b);
		return err;
	}
	file->private_data = b;
	return 0;
}

static ssize_t cs_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	struct cs_buf *b = file->private_data;

	return simple_read_from_buffer(ubuf, count, ppos, b->p, b->len);
}

static loff_t cs_lseek(struct file *file, loff_t off, int whence)
{
	struct cs_buf *b = file->private_data;

	return fixed_size_llseek(file, off, whence, b->len);
}

static int cs_release(struct inode *inode, struct file *file)
{
	struct cs_buf *b = file->private_data;

	kvfree(b->p);
	kfree(b);
	return 0;
}

static const struct proc_ops cs_ops = {
	.proc_open = cs_open,
	.proc_read = cs_read,
	.proc_lseek = cs_lseek,
	.proc_release = cs_release,
};

static struct proc_dir_entry *cs_entry;

static int __init cs_init(void)
{
	/* root's only: it shows every container's command lines (see the top) */
	cs_entry = proc_create(CS_NAME, 0400, NULL, &cs_ops);
	if (!cs_entry) {
		pr_err("cannot create /proc/%s\n", CS_NAME);
		return -ENOMEM;
	}
	pr_info("loaded: /proc/%s (all=%d, cmdline_max=%u, doc_max=%u)\n", CS_NAME, all,
		cmdline_max, doc_max);
	return 0;
}

static void __exit cs_exit(void)
{
	/* waits for reads in progress and releases files still open */
	proc_remove(cs_entry);
	pr_info("unloaded\n");
}

module_init(cs_init);
module_exit(cs_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("cull");
MODULE_DESCRIPTION("container processes and memory totals as JSON in /proc/cull_sysinfo");
