/* memcg.c - see memcg.h */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgid.h"
#include "mem.h"
#include "memcg.h"
#include "num.h"

/* One "<hierarchy>:<controllers>:<path>" line: does it say controller (v1)
 * or, controller NULL, is it the unified one ("0::")? */
static int
wanted(const char *ctl, size_t n, const char *controller)
{
	const char *p = ctl, *e = ctl + n;
	size_t want = controller ? strlen(controller) : 0;

	if (!controller)
		return n == 0;
	while (p < e) {
		const char *c = memchr(p, ',', (size_t)(e - p));
		size_t k = (size_t)((c ? c : e) - p);

		if (k == want && memcmp(p, controller, want) == 0)
			return 1;
		p = c ? c + 1 : e;
	}
	return 0;
}

/* path (n bytes, starting with '/') into out without its leading '/' */
static int
take_path(const char *path, size_t n, char out[MEMCG_PATH_MAX + 1])
{
	size_t i;

	if (n == 0 || path[0] != '/' || n > MEMCG_PATH_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		if (path[i] == '\0')
			return -1;
		/* a ".." component leaves the mount: "/../<id>" from a private
		 * cgroup namespace names a cgroup this root does not hold */
		if (path[i] == '/' && n - i >= 3 && path[i + 1] == '.' && path[i + 2] == '.' &&
		    (n - i == 3 || path[i + 3] == '/'))
			return -1;
	}
	memcpy(out, path + 1, n - 1);
	out[n - 1] = '\0';
	return 0;
}

int
cgroup_path(const char *buf, size_t len, const char *controller, char out[MEMCG_PATH_MAX + 1])
{
	const char *p = buf, *e = buf + len;
	int unified = !controller;

	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *end = nl ? nl : e;
		const char *c1 = memchr(p, ':', (size_t)(end - p));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;

		if (c2 && (!unified || (c1 - p == 1 && *p == '0')) &&
		    wanted(c1 + 1, (size_t)(c2 - c1 - 1), controller))
			return take_path(c2 + 1, (size_t)(end - c2 - 1), out);
		p = end + 1;
	}
	return -1;
}

int
memcg_path(const char *buf, size_t len, char out[MEMCG_PATH_MAX + 1], int *v2)
{
	if (cgroup_path(buf, len, "memory", out) == 0) {
		*v2 = 0;
		return 0;
	}
	if (cgroup_path(buf, len, NULL, out) == 0) {
		*v2 = 1;
		return 0;
	}
	return -1;
}

int
memcg_parse_num(const char *buf, uint64_t *out)
{
	unsigned long long v;
	const char *end;

	if (strncmp(buf, "max", 3) == 0 && (buf[3] == '\n' || buf[3] == '\0')) {
		*out = UINT64_MAX;
		return 0;
	}
	if (*buf < '0' || *buf > '9')
		return -1;
	end = cull_dec(buf, &v);
	if (!end || (*end != '\n' && *end != '\0'))
		return -1;
	*out = v >= MEMCG_NO_LIMIT ? UINT64_MAX : v;
	return 0;
}

int
memcg_parse_stat(const char *buf, const char *key, uint64_t *out)
{
	size_t k = strlen(key);
	const char *p = buf;

	for (; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		unsigned long long v;
		const char *end;

		if (strncmp(p, key, k) != 0 || p[k] != ' ' || p[k + 1] < '0' || p[k + 1] > '9')
			continue;
		end = cull_dec(p + k + 1, &v);
		if (!end || (*end != '\n' && *end != '\0'))
			return -1;
		*out = v;
		return 0;
	}
	return -1;
}

void
memcg_container_path(char *path, const char *id)
{
	size_t n = strlen(path), i;
	char got[CULL_ID_LEN + 1];

	for (i = 1; i < n; i++)
		if (path[i] == '/' && cull_cgroup_id(path, i, got) && strcmp(got, id) == 0) {
			path[i] = '\0';
			return;
		}
}

void
memcg_open(struct memcg *m, const char *sys_root, const char *proc_root)
{
	memset(m, 0, sizeof *m);
	m->rootfd = open(sys_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	m->procfd = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	m->bufcap = MEMCG_FILE_MAX + 1;
	m->buf = malloc(m->bufcap);
	if (!m->buf || m->procfd < 0) {
		if (m->rootfd >= 0)
			close(m->rootfd);
		m->rootfd = -1;
	}
}

static void
ent_close(struct memcg_ent *e)
{
	int *fd[] = { &e->fd_usage, &e->fd_stat, &e->fd_limit, &e->fd_psi };
	size_t i;

	for (i = 0; i < sizeof fd / sizeof *fd; i++) {
		if (*fd[i] >= 0)
			close(*fd[i]);
		*fd[i] = -1;
	}
}

void
memcg_close(struct memcg *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		ent_close(&m->v[i]);
	free(m->v);
	free(m->buf);
	if (m->rootfd >= 0)
		close(m->rootfd);
	if (m->procfd >= 0)
		close(m->procfd);
	memset(m, 0, sizeof *m);
	m->rootfd = m->procfd = -1;
}

/* The container's cgroup files, found through one of its processes. */
static void
ent_lookup(struct memcg *m, struct memcg_ent *e, int32_t pid)
{
	char rel[64], path[MEMCG_PATH_MAX + 1], dir[MEMCG_PATH_MAX + 16];
	ssize_t n;
	int dfd;

	snprintf(rel, sizeof rel, "%d/cgroup", (int)pid);
	n = read_file_at(m->procfd, rel, &m->buf, &m->bufcap, MEMCG_FILE_MAX);
	if (n < 0 || memcg_path(m->buf, (size_t)n, path, &e->v2) < 0)
		return;
	if (!path[0])
		return;		/* the root cgroup: not a container's */
	memcg_container_path(path, e->id);
	snprintf(dir, sizeof dir, "%s%s", e->v2 ? "" : "memory/", path);
	dfd = openat(m->rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	e->fd_usage = openat(dfd, e->v2 ? "memory.current" : "memory.usage_in_bytes",
			     O_RDONLY | O_CLOEXEC);
	e->fd_stat = openat(dfd, "memory.stat", O_RDONLY | O_CLOEXEC);
	e->fd_limit = openat(dfd, e->v2 ? "memory.max" : "memory.limit_in_bytes",
			     O_RDONLY | O_CLOEXEC);
	if (e->v2)
		e->fd_psi = openat(dfd, "memory.pressure", O_RDONLY | O_CLOEXEC);
	close(dfd);
	if (e->fd_usage < 0 || e->fd_stat < 0)
		ent_close(e);
}

/* The whole of an open cgroup file (its first MEMCG_FILE_MAX bytes) into
 * m->buf, NUL-terminated; -1 when it cannot be read. */
static int
pread_all(struct memcg *m, int fd)
{
	ssize_t n;

	if (fd < 0)
		return -1;
	do
		n = pread(fd, m->buf, MEMCG_FILE_MAX, 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	m->buf[n] = '\0';
	return 0;
}

/* memory.stat (and the limit) again: usage moved, or the reading is old */
static int
stat_due(const struct memcg_ent *e, uint64_t usage, double now)
{
	uint64_t d = usage > e->stat_usage ? usage - e->stat_usage : e->stat_usage - usage;

	return !e->stat_ok || now - e->stat_at >= MEMCG_STAT_MAX_S || now < e->stat_at ||
	       d > (1u << 20) + usage / 64;
}

/* kc: the source's usage and limit of this container (the module's), or NULL */
static void
ent_read(struct memcg *m, struct memcg_ent *e, const struct sample_cg *kc, double now)
{
	struct memcg_figs *f = &e->figs;
	uint64_t usage, limit;

	e->ok = 0;
	memset(f, 0, sizeof *f);
	if (kc)
		usage = kc->usage_kb * 1024;
	else if (pread_all(m, e->fd_usage) < 0 || memcg_parse_num(m->buf, &usage) < 0 ||
		 usage == UINT64_MAX)
		return;
	if (stat_due(e, usage, now)) {
		e->stat_ok = 0;
		if (pread_all(m, e->fd_stat) < 0 ||
		    memcg_parse_stat(m->buf, e->v2 ? "inactive_file" : "total_inactive_file",
				     &e->inactive) < 0)
			return;
		if (!kc) {
			e->limit_kb = 0;
			if (pread_all(m, e->fd_limit) == 0 && memcg_parse_num(m->buf, &limit) == 0 &&
			    limit != UINT64_MAX)
				e->limit_kb = limit / 1024;
		}
		e->stat_ok = 1;
		e->stat_at = now;
		e->stat_usage = usage;
	}
	f->usage_kb = usage / 1024;
	f->inactive_file_kb = e->inactive / 1024;
	f->ws_kb = usage > e->inactive ? (usage - e->inactive) / 1024 : 0;
	if (kc)
		e->limit_kb = kc->limit_kb;	/* fresh with every report */
	f->limit_kb = e->limit_kb;
	if (e->fd_psi >= 0 && pread_all(m, e->fd_psi) == 0 && psi_parse(m->buf, &f->psi) == 0)
		f->has_psi = 1;
	e->ok = 1;
}

_Static_assert(offsetof(struct memcg_ent, id) == 0, "cull_id_find: the id comes first");

static struct memcg_ent *
find(struct memcg *m, const char *id, size_t *at)
{
	int found;

	*at = cull_id_find(m->v, m->n, sizeof *m->v, id, &found);
	return found ? &m->v[*at] : NULL;
}

size_t
memcg_read(struct memcg *m, const struct sample *s, double now)
{
	size_t i, j, ok = 0;

	if (m->rootfd < 0)
		return 0;
	m->gen++;
	for (i = 0; i < s->nprocs; i++) {
		const struct proc *p = &s->procs[i];
		struct memcg_ent *e;
		size_t at = 0;

		if (!p->container[0])
			continue;
		e = find(m, p->container, &at);
		if (!e) {
			m->v = cull_insert(m->v, &m->n, &m->cap, at, sizeof *m->v);
			e = &m->v[at];
			memcpy(e->id, p->container, sizeof e->id);
			e->fd_usage = e->fd_stat = e->fd_limit = e->fd_psi = -1;
			ent_lookup(m, e, p->pid);
		}
		e->gen = m->gen;
	}
	for (i = j = 0; i < m->n; i++) {
		struct memcg_ent *e = &m->v[i];

		if (e->gen != m->gen) {
			ent_close(e);	/* gone from the sample */
			continue;
		}
		ent_read(m, e, sample_cg_find(s, e->id), now);
		ok += (size_t)e->ok;
		if (i != j)
			m->v[j] = *e;
		j++;
	}
	m->n = j;
	return ok;
}
