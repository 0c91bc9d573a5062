/* sample.c - see sample.h */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sample.h"

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

void
sample_clear(struct sample *s)
{
	size_t i;

	for (i = 0; i < s->nprocs; i++)
		free(s->procs[i].cmdline);
	s->nprocs = 0;
	s->omitted = 0;
	s->uptime_ns = 0;
	memset(&s->mem, 0, sizeof s->mem);
}

void
sample_free(struct sample *s)
{
	sample_clear(s);
	free(s->procs);
	memset(s, 0, sizeof *s);
}

static int
is_hex64(const char *p, const char *end)
{
	int i;

	if (end - p < CONTAINER_ID_LEN)
		return 0;
	for (i = 0; i < CONTAINER_ID_LEN; i++) {
		char c = p[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
	}
	return 1;
}

/* The forms we know, each a prefix before the id and what must follow it. */
static const struct {
	const char *prefix;
	const char *suffix;	/* "" : '/', end of line or end of buffer */
} forms[] = {
	{ "/docker/", "" },
	{ "docker-", ".scope" },
	{ "cri-containerd-", ".scope" },
	{ "libpod-", ".scope" },
};

int
cgroup_container_id(const char *buf, size_t len, char id[CONTAINER_ID_LEN + 1])
{
	const char *end = buf + len;
	size_t f;

	for (f = 0; f < sizeof forms / sizeof forms[0]; f++) {
		size_t pl = strlen(forms[f].prefix), sl = strlen(forms[f].suffix);
		const char *p = buf;

		while (p < end && (p = memmem(p, (size_t)(end - p), forms[f].prefix, pl))) {
			const char *h = p + pl, *after = h + CONTAINER_ID_LEN;

			p = h;
			if (!is_hex64(h, end))
				continue;
			/* the id must be a whole path component, ending where it should */
			if (sl) {
				if ((size_t)(end - after) < sl || memcmp(after, forms[f].suffix, sl) != 0)
					continue;
				after += sl;
			}
			if (after < end && *after != '/' && *after != '\n')
				continue;
			/* "docker-" etc. must start a path component */
			if (forms[f].prefix[0] != '/' && h - pl > buf && h[-(long)pl - 1] != '/')
				continue;
			memcpy(id, h, CONTAINER_ID_LEN);
			id[CONTAINER_ID_LEN] = '\0';
			return 1;
		}
	}
	id[0] = '\0';
	return 0;
}

ssize_t
read_file_at(int dirfd, const char *path, char **buf, size_t *cap, size_t max)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	size_t len = 0;

	if (fd < 0)
		return -1;
	for (;;) {
		size_t room;
		ssize_t n;

		if (max && len >= max)
			break;
		if (*cap - len < 2) {	/* room for a byte and the NUL */
			size_t ncap = *cap ? *cap * 2 : 16384;
			char *nb = realloc(*buf, ncap);

			if (!nb) {
				close(fd);
				errno = ENOMEM;
				return -1;
			}
			*buf = nb;
			*cap = ncap;
		}
		room = *cap - len - 1;
		if (max && room > max - len)
			room = max - len;
		n = read(fd, *buf + len, room);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	(*buf)[len] = '\0';
	return (ssize_t)len;
}
