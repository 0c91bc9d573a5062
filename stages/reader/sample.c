/* sample.c - see sample.h */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgid.h"
#include "mem.h"
#include "sample.h"

/* a proc's container holds lib/cgid.h's id */
_Static_assert(CONTAINER_ID_LEN == CULL_ID_LEN, "CONTAINER_ID_LEN is not lib/cgid.h's CULL_ID_LEN");

struct proc *
sample_add(struct sample *s)
{
	struct proc *p;

	if (s->nprocs == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct proc *np = realloc(s->procs, cap * sizeof *np);

		if (!np)
			return NULL;
		s->procs = np;
		s->cap = cap;
	}
	p = &s->procs[s->nprocs++];
	memset(p, 0, sizeof *p);
	return p;
}

_Static_assert(offsetof(struct sample_cg, id) == 0, "cull_id_find: the id comes first");

struct sample_cg *
sample_cg_add(struct sample *s, const char *id)
{
	int found;
	size_t at = cull_id_find(s->cgs, s->ncgs, sizeof *s->cgs, id, &found);
	struct sample_cg *c;

	if (found)
		return &s->cgs[at];
	s->cgs = cull_insert(s->cgs, &s->ncgs, &s->cgcap, at, sizeof *s->cgs);
	c = &s->cgs[at];
	memcpy(c->id, id, CONTAINER_ID_LEN);
	return c;
}

const struct sample_cg *
sample_cg_find(const struct sample *s, const char *id)
{
	int found;
	size_t at = cull_id_find(s->cgs, s->ncgs, sizeof *s->cgs, id, &found);

	return found ? &s->cgs[at] : NULL;
}

void
sample_truncate(struct sample *s, size_t n)
{
	for (; s->nprocs > n; s->nprocs--)
		free(s->procs[s->nprocs - 1].cmdline);
}

void
sample_clear(struct sample *s)
{
	sample_truncate(s, 0);
	s->ncgs = 0;
	s->omitted = 0;
	s->uptime_ns = 0;
	memset(&s->mem, 0, sizeof s->mem);
}

void
sample_free(struct sample *s)
{
	sample_clear(s);
	free(s->procs);
	free(s->cgs);
	memset(s, 0, sizeof *s);
}

int
cgroup_container_id(const char *buf, size_t len, char id[CONTAINER_ID_LEN + 1])
{
	return cull_cgroup_file_id(buf, len, id);
}

ssize_t
read_fd(int fd, char **buf, size_t *cap, size_t max, int short_end)
{
	size_t len = 0;

	for (;;) {
		size_t room;
		ssize_t n;

		if (max && len >= max)
			break;
		if (*cap - len < 2) {	/* room for a byte and the NUL */
			size_t ncap = *cap ? *cap * 2 : 16384;
			char *nb = realloc(*buf, ncap);

			if (!nb) {
				errno = ENOMEM;
				return -1;
			}
			*buf = nb;
			*cap = ncap;
		}
		room = *cap - len - 1;
		if (max && room > max - len)
			room = max - len;
		n = pread(fd, *buf + len, room, (off_t)len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (short_end && (size_t)n < room)
			break;
	}
	(*buf)[len] = '\0';
	return (ssize_t)len;
}

ssize_t
read_file_at(int dirfd, const char *path, char **buf, size_t *cap, size_t max)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY), e;
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read_fd(fd, buf, cap, max, 0);
	e = errno;
	close(fd);
	errno = e;
	return n;
}
