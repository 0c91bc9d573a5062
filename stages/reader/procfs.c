/* procfs.c - see procfs.h */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "cgid.h"
#include "clock.h"
#include "err.h"
#include "mem.h"
#include "memcg.h"
#include "num.h"
#include "procfs.h"

#define PROC_SUPER_MAGIC 0x9fa0

/* root is this process's own /proc: its "self" is our pid */
static int
own_proc(int rootfd)
{
	char buf[32], *end;
	ssize_t n = readlinkat(rootfd, "self", buf, sizeof buf - 1);
	long v;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	return !errno && !*end && end != buf && v == (long)getpid();
}

int
procfs_open(struct procfs *pf, const char *root, int all, const char *sys_root, double rescan_s)
{
	struct statfs sfs;

	memset(pf, 0, sizeof *pf);
	pf->root = root;
	pf->all = all;
	pf->sysfd = -1;
	pf->rescan_s = rescan_s;
	pf->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pf->rootfd < 0) {
		cull_warn("cannot open %s:", root);
		return -1;
	}
	pf->real = fstatfs(pf->rootfd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
	if (sys_root && pf->real && !all && own_proc(pf->rootfd))
		pf->sysfd = open(sys_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	pf->tck = sysconf(_SC_CLK_TCK);
	if (pf->tck <= 0)
		pf->tck = 100;
	pf->page_kb = sysconf(_SC_PAGESIZE) / 1024;
	if (pf->page_kb <= 0)
		pf->page_kb = 4;
	pf->meminfo_fd = -1;
	if (pf->real) {
		struct rlimit rl;

		pf->keep_max = PROCFS_KEEP_MAX;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
			pf->keep_max = rl.rlim_cur > PROCFS_KEEP_SPARE
				? (rl.rlim_cur - PROCFS_KEEP_SPARE) / 2 : 0;
		if (pf->keep_max > PROCFS_KEEP_MAX)
			pf->keep_max = PROCFS_KEEP_MAX;
	}
	pf->cap = 16384;
	pf->buf = malloc(pf->cap);
	if (!pf->buf) {
		cull_warn("out of memory");
		close(pf->rootfd);
		return -1;
	}
	return 0;
}

static void
ctr_free(struct procfs_ctr *c)
{
	if (c->dirfd >= 0)
		close(c->dirfd);
	if (c->pids_fd >= 0)
		close(c->pids_fd);
	free(c->path);
	free(c->tasks);
	c->path = NULL;
	c->tasks = NULL;
	c->ntasks = c->captasks = 0;
	c->dirfd = c->pids_fd = -1;
}

static void
grp_free(struct procfs_grp *g)
{
	if (g->fd >= 0)
		close(g->fd);
	free(g->path);
	g->path = NULL;
	g->fd = -1;
}

static void
kept_close(struct procfs_pid *k)
{
	if (k->stat_fd >= 0)
		close(k->stat_fd);
	if (k->cmd_fd >= 0)
		close(k->cmd_fd);
	k->stat_fd = k->cmd_fd = -1;
	free(k->cmdline);
	k->cmdline = NULL;
}

void
procfs_close(struct procfs *pf)
{
	size_t i;

	for (i = 0; i < pf->nctr; i++)
		ctr_free(&pf->ctr[i]);
	for (i = 0; i < pf->ngrp; i++)
		grp_free(&pf->grp[i]);
	free(pf->grp);
	pf->grp = NULL;
	pf->ngrp = pf->capgrp = 0;
	for (i = 0; i < pf->nkept; i++)
		kept_close(&pf->kept[i]);
	free(pf->kept);
	pf->kept = NULL;
	pf->nkept = 0;
	if (pf->meminfo_fd >= 0)
		close(pf->meminfo_fd);
	pf->meminfo_fd = -1;
	free(pf->ctr);
	if (pf->sysfd >= 0)
		close(pf->sysfd);
	if (pf->rootfd >= 0)
		close(pf->rootfd);
	free(pf->buf);
	pf->buf = NULL;
	pf->ctr = NULL;
	pf->nctr = 0;
	pf->rootfd = pf->sysfd = -1;
}

void
procfs_rescan(struct procfs *pf)
{
	pf->rescan = 1;
}

/* A file below the root, whole or its first max bytes, into pf->buf. */
static ssize_t
slurp(struct procfs *pf, const char *rel, size_t max)
{
	return read_file_at(pf->rootfd, rel, &pf->buf, &pf->cap, max);
}

/* The same through *fd, kept open (procfs.h): read again if open, else
 * opened and kept; one that no longer reads (its process is gone) is
 * closed and the file opened anew. fd NULL: opened for this read only. */
static ssize_t
slurp_kept(struct procfs *pf, const char *rel, int *fd, size_t max)
{
	ssize_t n;

	if (!fd)
		return slurp(pf, rel, max);
	if (*fd >= 0) {
		n = read_fd(*fd, &pf->buf, &pf->cap, max, 1);
		if (n >= 0)
			return n;
		close(*fd);
		*fd = -1;
	}
	*fd = openat(pf->rootfd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (*fd < 0)
		return -1;
	n = read_fd(*fd, &pf->buf, &pf->cap, max, 1);
	if (n < 0) {
		close(*fd);
		*fd = -1;
	}
	return n;
}

/* pid's kept descriptors, the entry made if new; NULL when none are kept
 * (not a live /proc, or keep_max processes have theirs already) */
static struct procfs_pid *
kept_get(struct procfs *pf, int32_t pid)
{
	size_t lo = 0, hi = pf->nkept;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pf->kept[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < pf->nkept && pf->kept[lo].pid == pid)
		return &pf->kept[lo];
	if (pf->nkept >= pf->keep_max)
		return NULL;
	pf->kept = cull_insert(pf->kept, &pf->nkept, &pf->capkept, lo, sizeof *pf->kept);
	pf->kept[lo] = (struct procfs_pid){ .pid = pid, .stat_fd = -1, .cmd_fd = -1 };
	return &pf->kept[lo];
}

/* After a snapshot: close what those it did not list kept. */
static void
kept_sweep(struct procfs *pf)
{
	size_t i, j;

	for (i = j = 0; i < pf->nkept; i++) {
		if (pf->kept[i].snap != pf->snap) {
			kept_close(&pf->kept[i]);
			continue;
		}
		pf->kept[j++] = pf->kept[i];
	}
	pf->nkept = j;
}

/*
 * /proc/<pid>/stat: "pid (comm) S ppid ... utime(14) stime(15) ...
 * starttime(22) vsize(23) rss(24) ...". comm may hold anything, spaces and
 * ')' included: it runs from the first '(' to the last ')'.
 */
/* The fields read of it: the rest are only checked to be numbers */
#define NEEDED(i) ((1ULL << (i)) & (1ULL << 4 | 1ULL << 14 | 1ULL << 15 | 1ULL << 20 | \
				     1ULL << 22 | 1ULL << 23 | 1ULL << 24 | 1ULL << 26 | \
				     1ULL << 27 | 1ULL << 28 | 1ULL << 48 | 1ULL << 49))

int
parse_stat(const char *buf, size_t len, long tck, long page_kb, struct proc *p)
{
	const char *open = memchr(buf, '(', len), *close = NULL, *s;
	unsigned long long f[50];
	size_t n;
	int i;

	for (s = buf + len; s > buf; s--)
		if (s[-1] == ')') {
			close = s - 1;
			break;
		}
	if (!open || !close || close < open || close + 2 >= buf + len)
		return -1;
	n = (size_t)(close - open - 1);
	if (n > COMM_MAX)
		n = COMM_MAX;
	memcpy(p->comm, open + 1, n);
	p->comm[n] = '\0';
	s = close + 2;
	p->state = *s++;
	/* fields 4..24 */
	for (i = 4; i <= 24; i++) {
		if (*s != ' ' || !(s = NEEDED(i) ? cull_dec(s + 1, &f[i]) : cull_dec_skip(s + 1)))
			return -1;
	}
	if ((long long)f[4] < 0 || f[4] > INT32_MAX)
		return -1;
	p->ppid = (int32_t)f[4];
	p->cpu_ns = (f[14] + f[15]) * (1000000000ULL / (unsigned long long)tck);
	p->start_ns = f[22] * (1000000000ULL / (unsigned long long)tck);
	p->vsz_kb = f[23] / 1024;
	p->rss_kb = f[24] * (unsigned long long)page_kb;
	p->threads = f[20] > UINT32_MAX ? UINT32_MAX : (uint32_t)f[20];
	/* fields 25..49, where the kernel has them (3.5 on): what exec
	 * changes, the addresses of the code (26, 27), of the stack (28)
	 * and of the arguments (48, 49) */
	p->exec_sig = 0;
	for (i = 25; i <= 49; i++) {
		if (*s != ' ' || !(s = NEEDED(i) ? cull_dec(s + 1, &f[i]) : cull_dec_skip(s + 1)))
			return 0;
	}
	p->exec_sig = (((f[26] * 31 + f[27]) * 31 + f[28]) * 31 + f[48]) * 31 + f[49];
	return 0;
}

static int
meminfo_field(const char *buf, const char *key, uint64_t *out)
{
	size_t kl = strlen(key);
	const char *p = buf;

	while ((p = strstr(p, key))) {
		if ((p == buf || p[-1] == '\n') && p[kl] == ':') {
			unsigned long long v;

			p += kl + 1;
			p += strspn(p, " ");
			if (*p == '-' || !cull_dec(p, &v))
				return -1;
			*out = v;
			return 0;
		}
		p += kl;
	}
	return -1;
}

int
parse_meminfo(const char *buf, struct mem *m)
{
	memset(m, 0, sizeof *m);
	if (meminfo_field(buf, "MemTotal", &m->total_kb) < 0 || m->total_kb == 0 ||
	    meminfo_field(buf, "MemFree", &m->free_kb) < 0)
		return -1;
	if (meminfo_field(buf, "MemAvailable", &m->available_kb) < 0)
		m->available_kb = m->free_kb;	/* kernels before 3.14 */
	meminfo_field(buf, "Shmem", &m->shared_kb);
	meminfo_field(buf, "Buffers", &m->buffers_kb);
	return 0;
}

/* "12345.67 23456.78\n" -> ns, to the hundredth of a second it gives */
int
parse_uptime(const char *buf, uint64_t *ns)
{
	char *end;
	unsigned long long sec, frac = 0;
	int digits = 0;

	errno = 0;
	sec = strtoull(buf, &end, 10);
	if (end == buf || errno)
		return -1;
	if (*end == '.') {
		for (end++; *end >= '0' && *end <= '9' && digits < 9; end++, digits++)
			frac = frac * 10 + (unsigned long long)(*end - '0');
		for (; digits < 9; digits++)
			frac *= 10;
	}
	*ns = sec * 1000000000ULL + frac;
	return 0;
}

size_t
cmdline_tidy(char *buf, size_t len)
{
	size_t i;

	while (len > 0 && (buf[len - 1] == '\0' || buf[len - 1] == ' '))
		len--;
	for (i = 0; i < len; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[len] = '\0';
	return len;
}

static int
read_host(struct procfs *pf, struct sample *s)
{
	if (slurp_kept(pf, "meminfo", pf->real ? &pf->meminfo_fd : NULL, 0) < 0) {
		cull_warn("cannot read %s/meminfo:", pf->root);
		return -1;
	}
	if (parse_meminfo(pf->buf, &s->mem) < 0) {
		cull_warn("%s/meminfo: no MemTotal or MemFree", pf->root);
		return -1;
	}
	if (pf->real) {
		struct timespec ts;

		clock_gettime(CLOCK_BOOTTIME, &ts);
		s->uptime_ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
		return 0;
	}
	if (slurp(pf, "uptime", 64) < 0) {
		cull_warn("cannot read %s/uptime:", pf->root);
		return -1;
	}
	if (parse_uptime(pf->buf, &s->uptime_ns) < 0) {
		cull_warn("%s/uptime: not a number of seconds", pf->root);
		return -1;
	}
	return 0;
}

/* ---- the containers' cgroups (procfs.h) ---- */

_Static_assert(offsetof(struct procfs_ctr, id) == 0, "cull_id_find: the id comes first");

static struct procfs_ctr *
ctr_find(struct procfs *pf, const char *id, size_t *at)
{
	int found;

	*at = cull_id_find(pf->ctr, pf->nctr, sizeof *pf->ctr, id, &found);
	return found ? &pf->ctr[*at] : NULL;
}

/* The pids.current of cgroup path (in the pids hierarchy for v1); -1: none */
static int
pids_open(struct procfs *pf, const char *path, int v2)
{
	char file[MEMCG_PATH_MAX + 32];

	if (!path[0])
		return -1;	/* the root has none */
	snprintf(file, sizeof file, "%s%s/pids.current", v2 ? "" : "pids/", path);
	return openat(pf->sysfd, file, O_RDONLY | O_CLOEXEC);
}

/* The index in pf->grp of the parent of pids cgroup path (made the first
 * time); -1 for none (the root's child, or no memory) */
static int
grp_of(struct procfs *pf, const char *path, int v2)
{
	const char *slash = strrchr(path, '/');
	struct procfs_grp *g;
	size_t i, n;

	if (!slash || slash == path)
		return -1;	/* a child of the root: the root has no count */
	n = (size_t)(slash - path);
	for (i = 0; i < pf->ngrp; i++)
		if (pf->grp[i].v2 == v2 && strlen(pf->grp[i].path) == n &&
		    memcmp(pf->grp[i].path, path, n) == 0)
			return (int)i;
	pf->grp = cull_grow(pf->grp, &pf->capgrp, pf->ngrp + 1, sizeof *pf->grp);
	g = &pf->grp[pf->ngrp];
	g->path = strndup(path, n);
	if (!g->path)
		cull_die(CULL_EXIT_FAIL, "out of memory");
	g->v2 = v2;
	g->fd = pids_open(pf, g->path, v2);
	g->misses = 0;
	return (int)pf->ngrp++;
}

/*
 * In a full scan: a process of container id, its /proc/<pid>/cgroup in
 * buf. The container's cgroup is noted (and its directory opened) the first
 * time; a process of it in another cgroup, or a cgroup that cannot be
 * opened, rules the shortcut out until the next full scan.
 */
static void
ctr_note(struct procfs *pf, const char *id, const char *buf, size_t len)
{
	char path[MEMCG_PATH_MAX + 1], dir[MEMCG_PATH_MAX + 16];
	struct procfs_ctr *c;
	size_t at = 0;
	int v2;

	if (memcg_path(buf, len, path, &v2) < 0 || !path[0]) {
		pf->nested = 1;
		return;
	}
	c = ctr_find(pf, id, &at);
	if (c && c->gen == pf->gen) {
		if (strcmp(c->path, path) != 0)
			pf->nested = 1;
		return;
	}
	if (!c) {
		pf->ctr = cull_insert(pf->ctr, &pf->nctr, &pf->capctr, at, sizeof *pf->ctr);
		c = &pf->ctr[at];
		memcpy(c->id, id, sizeof c->id);
		c->dirfd = c->pids_fd = c->grp = -1;
	}
	if (!c->path || strcmp(c->path, path) != 0) {
		ctr_free(c);
		c->path = strdup(path);
		c->v2 = v2;
		snprintf(dir, sizeof dir, "%s%s", v2 ? "" : "memory/", path);
		if (c->path)
			c->dirfd = openat(pf->sysfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		c->grp = -1;
		if (c->dirfd >= 0 && cgroup_path(buf, len, v2 ? NULL : "pids", path) == 0 &&
		    (c->pids_fd = pids_open(pf, path, v2)) >= 0)
			c->grp = grp_of(pf, path, v2);
	}
	if (c->dirfd < 0)
		pf->nested = 1;
	c->gen = pf->gen;
}

int
procfs_add(struct procfs *pf, const char *id)
{
	char path[MEMCG_PATH_MAX + 1], dir[MEMCG_PATH_MAX + 16];
	struct procfs_ctr *c, *like = NULL;
	const char *at_id = NULL;
	size_t i, at;
	int fd;

	if (!pf->fast || pf->rescan || !cull_is_id(id, strlen(id)))
		return -1;
	if (ctr_find(pf, id, &at))
		return 0;
	for (i = 0; i < pf->nctr && !like; i++) {	/* a path with its id once */
		const char *p = pf->ctr[i].path ? strstr(pf->ctr[i].path, pf->ctr[i].id) : NULL;

		if (p && !strstr(p + 1, pf->ctr[i].id)) {
			like = &pf->ctr[i];
			at_id = p;
		}
	}
	if (!like)
		return -1;
	snprintf(path, sizeof path, "%.*s%s%s", (int)(at_id - like->path), like->path, id,
		 at_id + CONTAINER_ID_LEN);
	snprintf(dir, sizeof dir, "%s%s", like->v2 ? "" : "memory/", path);
	fd = openat(pf->sysfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	pf->ctr = cull_insert(pf->ctr, &pf->nctr, &pf->capctr, at, sizeof *pf->ctr);
	c = &pf->ctr[at];
	memcpy(c->id, id, sizeof c->id);
	c->path = strdup(path);
	if (!c->path)
		cull_die(CULL_EXIT_FAIL, "out of memory");
	c->v2 = like->v2;
	c->dirfd = fd;
	c->pids_fd = like->pids_fd >= 0 ? pids_open(pf, path, c->v2) : -1;
	c->grp = c->pids_fd >= 0 ? grp_of(pf, path, c->v2) : -1;
	c->stood = 0;
	c->gen = pf->gen;
	return 0;
}

/* After a full scan: forget the parents without a container, and let
 * those that did not add up be asked again */
static void
grp_sweep(struct procfs *pf)
{
	size_t i, j, k;

	for (i = j = 0; i < pf->ngrp; i++) {
		int used = 0;

		for (k = 0; k < pf->nctr; k++)
			if (pf->ctr[k].grp == (int)i) {
				pf->ctr[k].grp = (int)j;	/* j <= i: not met again */
				used = 1;
			}
		if (!used) {
			grp_free(&pf->grp[i]);
			continue;
		}
		pf->grp[j] = pf->grp[i];
		pf->grp[j].misses = 0;
		j++;
	}
	pf->ngrp = j;
}

/* After a full scan: forget the containers it did not find. */
static void
ctr_sweep(struct procfs *pf)
{
	size_t i, j;

	for (i = j = 0; i < pf->nctr; i++) {
		if (pf->ctr[i].gen != pf->gen) {
			ctr_free(&pf->ctr[i]);
			continue;
		}
		if (i != j)
			pf->ctr[j] = pf->ctr[i];
		j++;
	}
	pf->nctr = j;
	grp_sweep(pf);
}

/* cgroup.procs ("<pid>\n" each) into c->tasks; -1 on a line that is not one */
static int
parse_pids(struct procfs_ctr *c, const char *buf)
{
	const char *p = buf;

	c->ntasks = 0;
	while (*p) {
		char *end;
		long v;

		errno = 0;
		v = strtol(p, &end, 10);
		if (errno || end == p || *end != '\n' || v <= 0 || v > INT32_MAX)
			return -1;
		c->tasks = cull_grow(c->tasks, &c->captasks, c->ntasks + 1, sizeof *c->tasks);
		c->tasks[c->ntasks++] = (struct procfs_task){ (int32_t)v, 0 };
		p = end + 1;
	}
	return 0;
}

static int read_pid(struct procfs *pf, struct sample *s, int32_t ipid, const char *id);

/*
 * Are the processes c's last list named still there, each the same and not
 * a zombie? They are read into s on the way, their threads added to
 * *threads: 1 they are (in s); 0 not, or the list is too old (s holds
 * what was read before that was seen).
 */
static int
tasks_stand(struct procfs *pf, struct sample *s, const struct procfs_ctr *c, double now,
	    uint64_t *threads)
{
	size_t k;

	if (c->ntasks == 0 || now < c->listed_at || now - c->listed_at >= PROCFS_LIST_S)
		return 0;
	for (k = 0; k < c->ntasks; k++) {
		const struct proc *p;

		if (read_pid(pf, s, c->tasks[k].pid, c->id) != 0)
			return 0;	/* gone */
		p = &s->procs[s->nprocs - 1];
		if (p->start_ns != c->tasks[k].start_ns || p->state == 'Z' || p->state == 'X')
			return 0;	/* another process with its pid, or ended */
		*threads += p->threads;
	}
	return 1;
}

/*
 * Does c's last list of processes stand (procfs.h), by its own count of
 * tasks? Its processes are read into s on the way: 1 it stands, and they
 * are in s; 0 it must be read again (s as it was).
 */
static int
list_stands(struct procfs *pf, struct sample *s, struct procfs_ctr *c, double now)
{
	size_t mark = s->nprocs;
	uint64_t tasks, threads = 0;
	ssize_t n;

	if (c->pids_fd < 0)
		return 0;
	n = read_fd(c->pids_fd, &pf->buf, &pf->cap, 0, 1);
	if (n <= 0 || memcg_parse_num(pf->buf, &tasks) < 0)
		return 0;
	if (tasks_stand(pf, s, c, now, &threads) && threads == tasks)
		return 1;
	sample_truncate(s, mark);
	return 0;
}

/*
 * c's processes read anew from its cgroup.procs, into s (their threads
 * added to *threads when not NULL). 0 done; -1 the cgroup is gone (the
 * container and its processes too); 1 it cannot be read.
 */
static int
relist(struct procfs *pf, struct sample *s, struct procfs_ctr *c, double now, uint64_t *threads)
{
	ssize_t n = read_file_at(c->dirfd, "cgroup.procs", &pf->buf, &pf->cap, 0);
	size_t k;

	if (n < 0 && (errno == ENOENT || errno == ENODEV))
		return -1;
	if (n < 0 || parse_pids(c, pf->buf) < 0)
		return 1;
	c->listed_at = now;
	for (k = 0; k < c->ntasks; k++)
		if (read_pid(pf, s, c->tasks[k].pid, c->id) == 0) {
			const struct proc *p = &s->procs[s->nprocs - 1];

			c->tasks[k].start_ns = p->start_ns;
			if (threads)
				*threads += p->threads;
		}
	return 0;
}

/*
 * The parents' counts (procfs.h): for each parent that adds up, its
 * containers' processes go into s and the containers are marked stood;
 * those of one that does not are taken out of s again, for short_scan to
 * check one by one.
 */
static void
grp_pass(struct procfs *pf, struct sample *s, double now)
{
	size_t g, i;

	for (g = 0; g < pf->ngrp; g++) {
		struct procfs_grp *gr = &pf->grp[g];
		size_t mark = s->nprocs;
		uint64_t total, threads = 0;
		int ok = 1, any = 0;
		ssize_t n;

		if (gr->fd < 0 || gr->misses >= PROCFS_GRP_MISSES)
			continue;
		n = read_fd(gr->fd, &pf->buf, &pf->cap, 0, 1);
		if (n <= 0 || memcg_parse_num(pf->buf, &total) < 0)
			continue;
		for (i = 0; i < pf->nctr && ok; i++) {
			struct procfs_ctr *c = &pf->ctr[i];
			size_t cmark = s->nprocs;

			if (c->grp != (int)g)
				continue;
			any = 1;
			if (!tasks_stand(pf, s, c, now, &threads)) {
				/* a list too old is read again; anything else is a change */
				sample_truncate(s, cmark);
				ok = c->ntasks && now - c->listed_at >= PROCFS_LIST_S &&
				     relist(pf, s, c, now, &threads) == 0;
			}
		}
		if (any && ok && threads == total) {
			gr->misses = 0;
			for (i = 0; i < pf->nctr; i++)
				if (pf->ctr[i].grp == (int)g)
					pf->ctr[i].stood = pf->snap;
			continue;
		}
		sample_truncate(s, mark);
		gr->misses++;
	}
}

/*
 * The shortcut: the processes listed in each known container's
 * cgroup.procs. 0 done; 1 a full scan instead (a list that cannot be read
 * for another reason than the container being gone); -1 no host figures.
 */
static int
short_scan(struct procfs *pf, struct sample *s)
{
	double now = pf->now;
	size_t i, j;

	sample_clear(s);
	if (read_host(pf, s) < 0)
		return -1;
	grp_pass(pf, s, now);
	for (i = j = 0; i < pf->nctr; i++) {
		struct procfs_ctr *c = &pf->ctr[i];

		if (c->stood != pf->snap && !list_stands(pf, s, c, now)) {
			int rc = relist(pf, s, c, now, NULL);

			if (rc < 0) {
				ctr_free(c);	/* removed: the container is gone, its processes too */
				continue;
			}
			if (rc > 0)
				return 1;
		}
		if (i != j)
			pf->ctr[j] = *c;
		j++;
	}
	pf->nctr = j;
	return 0;
}

/* One process; 0 listed, 1 not wanted or gone. */
static int
read_proc(struct procfs *pf, struct sample *s, int32_t ipid)
{
	char rel[64], id[CONTAINER_ID_LEN + 1];
	ssize_t n;

	snprintf(rel, sizeof rel, "%d/cgroup", (int)ipid);
	n = slurp(pf, rel, 0);
	if (n < 0)
		return 1;
	if (!cgroup_container_id(pf->buf, (size_t)n, id)) {
		if (!pf->all)
			return 1;
	} else if (pf->sysfd >= 0) {
		ctr_note(pf, id, pf->buf, (size_t)n);
	}
	return read_pid(pf, s, ipid, id);
}

/* A process of container id ("" for the host): its stat and cmdline. */
static int
read_pid(struct procfs *pf, struct sample *s, int32_t ipid, const char *id)
{
	struct procfs_pid *k = kept_get(pf, ipid);
	char rel[64];
	struct proc *p;
	ssize_t n;

	if (k)
		k->snap = pf->snap;
	snprintf(rel, sizeof rel, "%d/stat", (int)ipid);
	n = slurp_kept(pf, rel, k ? &k->stat_fd : NULL, 0);
	if (n < 0)
		return 1;
	p = sample_add(s);
	if (!p)
		return 1;
	if (parse_stat(pf->buf, (size_t)n, pf->tck, pf->page_kb, p) < 0) {
		s->nprocs--;	/* not a stat file we understand: skip it */
		return 1;
	}
	p->pid = ipid;
	memcpy(p->container, id, sizeof p->container);
	if (k && k->cmdline && p->exec_sig && p->exec_sig == k->exec_sig &&
	    pf->now >= k->cmd_at && pf->now - k->cmd_at < PROCFS_CMDLINE_S) {
		p->cmdline = strdup(k->cmdline);	/* as read last (procfs.h) */
		if (!p->cmdline)
			cull_die(CULL_EXIT_FAIL, "out of memory");
		return 0;
	}
	snprintf(rel, sizeof rel, "%d/cmdline", (int)ipid);
	n = slurp_kept(pf, rel, k ? &k->cmd_fd : NULL, CMDLINE_MAX);
	if (n < 0) {
		s->nprocs--;	/* gone since its stat was read */
		return 1;
	}
	n = (ssize_t)cmdline_tidy(pf->buf, (size_t)n);
	p->cmdline = strndup(pf->buf, (size_t)n);
	if (!p->cmdline)
		cull_die(CULL_EXIT_FAIL, "out of memory");
	if (k) {
		free(k->cmdline);
		k->cmdline = strdup(p->cmdline);
		if (!k->cmdline)
			cull_die(CULL_EXIT_FAIL, "out of memory");
		k->exec_sig = p->exec_sig;
		k->cmd_at = pf->now;
	}
	return 0;
}

/* Every process of the host: its cgroup first. */
static int
full_scan(struct procfs *pf, struct sample *s)
{
	DIR *d;
	struct dirent *e;
	int fd;

	pf->gen++;
	pf->nested = 0;
	sample_clear(s);
	if (read_host(pf, s) < 0)
		return -1;
	fd = openat(pf->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		cull_warn("cannot list %s:", pf->root);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((e = readdir(d))) {
		const char *c = e->d_name;
		long v = 0;

		for (; *c >= '0' && *c <= '9' && v <= INT32_MAX; c++)
			v = v * 10 + (*c - '0');
		if (*c || c == e->d_name || v <= 0 || v > INT32_MAX)
			continue;
		read_proc(pf, s, (int32_t)v);
	}
	closedir(d);
	ctr_sweep(pf);
	pf->fast = pf->sysfd >= 0 && !pf->nested;
	pf->full_at = cull_mono();
	pf->rescan = 0;
	return 0;
}

static int
scan(struct procfs *pf, struct sample *s)
{
	double now = cull_mono();

	if (pf->fast && !pf->rescan && now >= pf->full_at && now - pf->full_at < pf->rescan_s) {
		int rc = short_scan(pf, s);

		if (rc <= 0)
			return rc;
	}
	return full_scan(pf, s);
}

int
procfs_read(struct procfs *pf, struct sample *s)
{
	int rc;

	pf->snap++;
	pf->now = cull_mono();
	rc = scan(pf, s);
	kept_sweep(pf);
	return rc;
}
