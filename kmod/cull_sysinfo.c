// SPDX-License-Identifier: GPL-2.0
/*
 * cull_sysinfo - memory totals and every process that runs inside a container,
 * as one JSON document per open of /proc/cull_sysinfo.
 *
 *   {"v":1,"uptime_ns":…,"cpus":2,"hz":100,
 *    "mem":{"total_kb":…,"free_kb":…,"available_kb":…,"shared_kb":…,"buffers_kb":…},
 *    "procs":[{"pid":…,"ppid":…,"comm":"…","cmdline":"…","container":"<64 hex>",
 *              "state":"S","vsz_kb":…,"rss_kb":…,"cpu_ns":…,"start_ns":…}]}
 *
 * The document is built once, in open(), into a buffer that belongs to that
 * open file: every read() of it, however small, sees the same snapshot;
 * release() frees it. Raw counters only: no floating point, no policy.
 *
 * Locking. The task list is walked under rcu_read_lock(), which may not
 * sleep: there we only pin each task of interest (get_task_struct), find its
 * container id in its cgroup path (kernfs_path takes a spinlock) and sum its
 * threads' CPU time (under the signal struct's stats seqlock). Everything
 * that may sleep - allocating, get_task_mm/mmput, reading the command line
 * with access_process_vm - happens after rcu_read_unlock() on the pinned
 * tasks.
 *
 * Parameters (root may change them at run time through
 * /sys/module/cull_sysinfo/parameters/):
 *   all=1           list every process, host ones too ("container":"")
 *   cmdline_max=N   bytes of a command line read at most (0..65536,
 *                   default 4096); a longer one is cut and its entry
 *                   carries "cmdline_cut":true
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/proc_fs.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seqlock.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "jesc.h"

#define CS_NAME		"cull_sysinfo"
#define CS_ID_LEN	64		/* hex digits of a container id */
#define CS_CMDLINE_CAP	65536		/* most cmdline_max may be */
#define CS_PATH_MAX	PATH_MAX	/* cgroup path buffer */
#define CS_TRIES	8		/* walks before giving up on a growing task list */

static bool all;
module_param(all, bool, 0644);
MODULE_PARM_DESC(all, "list host processes too, not only those in containers (default 0)");

static unsigned int cmdline_max = 4096;

static int cmdline_max_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int err = kstrtouint(val, 0, &n);

	if (err)
		return err;
	if (n > CS_CMDLINE_CAP)
		return -ERANGE;
	return param_set_uint(val, kp);
}

static const struct kernel_param_ops cmdline_max_ops = {
	.set = cmdline_max_set,
	.get = param_get_uint,
};
module_param_cb(cmdline_max, &cmdline_max_ops, &cmdline_max, 0644);
MODULE_PARM_DESC(cmdline_max, "bytes of a command line to report, 0..65536 (default 4096)");

/* ---- a growing text buffer ------------------------------------------- */

struct cs_buf {
	char *p;
	size_t len, cap;
	int err;		/* first failure (-ENOMEM); later puts do nothing */
};

static bool buf_reserve(struct cs_buf *b, size_t more)
{
	size_t cap;
	char *np;

	if (b->err)
		return false;
	if (b->len + more <= b->cap)
		return true;
	cap = b->cap ? b->cap : PAGE_SIZE;
	while (cap < b->len + more)
		cap *= 2;
	/* charged to the opener's memory cgroup: open files hold their document */
	np = kvmalloc(cap, GFP_KERNEL_ACCOUNT);
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

static bool is_hex64(const char *p, const char *end)
{
	int i;

	if (end - p < CS_ID_LEN)
		return false;
	for (i = 0; i < CS_ID_LEN; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	return true;
}

/* The forms the reader's procfs scan knows too, tried in the same order. */
static const struct {
	const char *prefix;
	const char *suffix;	/* "": '/' or the end of the path must follow */
} cs_forms[] = {
	{ "/docker/", "" },
	{ "docker-", ".scope" },
	{ "cri-containerd-", ".scope" },
	{ "libpod-", ".scope" },
};

/* Copy the 64-hex container id in path[0..len) to id; false if none. */
static bool path_container_id(const char *path, size_t len, char *id)
{
	const char *end = path + len;
	size_t f;

	for (f = 0; f < ARRAY_SIZE(cs_forms); f++) {
		size_t pl = strlen(cs_forms[f].prefix), sl = strlen(cs_forms[f].suffix);
		const char *p = path;

		while (p < end && (p = strnstr(p, cs_forms[f].prefix, end - p))) {
			const char *h = p + pl, *after = h + CS_ID_LEN;

			p = h;
			if (!is_hex64(h, end))
				continue;
			if (sl) {
				if ((size_t)(end - after) < sl || memcmp(after, cs_forms[f].suffix, sl))
					continue;
				after += sl;
			}
			if (after < end && *after != '/')
				continue;
			/* "docker-" and the like must start a path component */
			if (cs_forms[f].prefix[0] != '/' && h - pl > path && h[-(long)pl - 1] != '/')
				continue;
			memcpy(id, h, CS_ID_LEN);
			id[CS_ID_LEN] = '\0';
			return true;
		}
	}
	return false;
}

/* Under RCU. The id in cgrp's path; false if none. scratch: CS_PATH_MAX bytes. */
static bool cgroup_container_id(struct cgroup *cgrp, char *scratch, char *id)
{
	int n = cgroup_path(cgrp, scratch, CS_PATH_MAX);

	if (n < 0)
		return false;
	return path_container_id(scratch, min_t(size_t, n, CS_PATH_MAX - 1), id);
}

/*
 * Under RCU. The container of task p: first the cgroup v2 (default
 * hierarchy) path, then the path in each v1 hierarchy that has a controller
 * (docker's cgroupfs driver makes /docker/<id> in every one of them).
 */
static bool task_container_id(struct task_struct *p, char *scratch, char *id)
{
	struct css_set *cset = task_css_set(p);
	struct cgroup *dfl = cset->dfl_cgrp;
	struct cgroup_root *seen[CGROUP_SUBSYS_COUNT];
	int i, j, nseen = 0;

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
		if (cgroup_container_id(c, scratch, id))
			return true;
	}
	return false;
}

/* ---- one snapshot ------------------------------------------------------ */

struct cs_task {
	struct task_struct *task;	/* pinned with get_task_struct */
	pid_t pid, ppid;
	u64 cpu_ns;
	char id[CS_ID_LEN + 1];		/* "" for a host process (all=1) */
};

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
			sum += READ_ONCE(t->se.sum_exec_runtime);
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
		char last_id[CS_ID_LEN + 1] = "";
		size_t n = 0;

		rcu_read_lock();
		for_each_process(p) {
			struct css_set *cset = task_css_set(p);
			struct cs_task *e;
			char id[CS_ID_LEN + 1];
			bool found;

			/* tasks of one css_set share every cgroup: look once */
			if (cset == last_cset) {
				found = last_found;
				memcpy(id, last_id, sizeof(id));
			} else {
				found = task_container_id(p, scratch, id);
				if (!found)
					id[0] = '\0';
				last_cset = cset;
				last_found = found;
				memcpy(last_id, id, sizeof(id));
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
		}
		rcu_read_unlock();

		if (n <= *capp)
			return n;
		put_tasks(*vp, *capp);
		kvfree(*vp);
		*capp = n + n / 4 + 16;
		*vp = kvmalloc_array(*capp, sizeof(**vp), GFP_KERNEL_ACCOUNT);
		if (!*vp) {
			*capp = 0;
			return -ENOMEM;
		}
	}
	return -EAGAIN;
}

/* Append the entry of one pinned process; may sleep. */
static void put_proc(struct cs_buf *b, const struct cs_task *e, char *cmd, size_t cmd_max)
{
	struct task_struct *t = e->task;
	char comm[TASK_COMM_LEN];
	unsigned long vsz = 0, rss = 0, as = 0, ae = 0;
	size_t len = 0, i;
	bool cut = false;
	struct mm_struct *mm;
	char state;

	__get_task_comm(comm, sizeof(comm), t);
	state = task_state_to_char(t);
	mm = get_task_mm(t);	/* NULL for kernel threads and exited ones */
	if (mm) {
		vsz = mm->total_vm << (PAGE_SHIFT - 10);
		rss = get_mm_rss(mm) << (PAGE_SHIFT - 10);
		spin_lock(&mm->arg_lock);
		as = mm->arg_start;
		ae = mm->arg_end;
		spin_unlock(&mm->arg_lock);
		if (ae > as) {
			len = ae - as;
			if (len > cmd_max) {
				len = cmd_max;
				cut = true;
			}
			if (len) {
				int got = access_process_vm(t, as, cmd, len, 0);

				len = got > 0 ? got : 0;
			}
		}
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

static void put_head(struct cs_buf *b)
{
	struct sysinfo si;
	unsigned long avail;
	const int k = PAGE_SHIFT - 10;

	si_meminfo(&si);
	avail = si_mem_available();
	buf_printf(b, "{\"v\":1,\"uptime_ns\":%llu,\"cpus\":%u,\"hz\":%d,",
		   (unsigned long long)ktime_get_boottime_ns(), num_online_cpus(), USER_HZ);
	buf_printf(b, "\"mem\":{\"total_kb\":%lu,\"free_kb\":%lu,",
		   si.totalram << k, si.freeram << k);
	buf_printf(b, "\"available_kb\":%lu,\"shared_kb\":%lu,\"buffers_kb\":%lu},",
		   avail << k, si.sharedram << k, si.bufferram << k);
}

/* Build one snapshot into b; 0 or a negative errno. */
static int build(struct cs_buf *b)
{
	bool list_all = READ_ONCE(all);
	size_t cmd_max = min_t(unsigned int, READ_ONCE(cmdline_max), CS_CMDLINE_CAP);
	struct cs_task *v;
	size_t cap = 256, i;
	bool first = true;
	char *scratch, *cmd;
	long n;
	int err = -ENOMEM;

	scratch = kmalloc(CS_PATH_MAX, GFP_KERNEL);
	if (!scratch)
		goto out;
	cmd = kvmalloc(cmd_max + 1, GFP_KERNEL_ACCOUNT);
	if (!cmd)
		goto free_scratch;
	v = kvmalloc_array(cap, sizeof(*v), GFP_KERNEL_ACCOUNT);
	if (!v)
		goto free_cmd;

	put_head(b);	/* uptime_ns: when the walk starts */
	n = collect(&v, &cap, list_all, scratch);
	if (n < 0) {
		err = n;
		goto free_v;
	}
	buf_put(b, "\"procs\":[", 9);
	for (i = 0; i < n; i++) {
		/* a process reaped since the walk is gone: leave it out */
		if (pid_alive(v[i].task)) {
			if (!first)
				buf_put(b, ",", 1);
			first = false;
			put_proc(b, &v[i], cmd, cmd_max);
		}
		put_task_struct(v[i].task);
		cond_resched();
	}
	buf_put(b, "]}\n", 3);
	err = b->err;
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

	b = kzalloc(sizeof(*b), GFP_KERNEL_ACCOUNT);
	if (!b)
		return -ENOMEM;
	err = build(b);
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
	/* world-readable, like /proc/<pid>/cmdline: it shows no more than that */
	cs_entry = proc_create(CS_NAME, 0444, NULL, &cs_ops);
	if (!cs_entry) {
		pr_err("cannot create /proc/%s\n", CS_NAME);
		return -ENOMEM;
	}
	pr_info("loaded: /proc/%s (all=%d, cmdline_max=%u)\n", CS_NAME, all, cmdline_max);
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
