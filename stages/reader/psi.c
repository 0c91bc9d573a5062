/* psi.c - see psi.h */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "psi.h"

void
psi_open(struct psi_src *p, const char *proc_root)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/pressure/memory", proc_root);
	p->fd = open(path, O_RDONLY | O_CLOEXEC);
}

/* "<kind> avg10=A avg60=B " at the start of a line of buf */
static int
line(const char *buf, const char *kind, double *avg10, double *avg60)
{
	size_t k = strlen(kind);
	const char *p = buf;
	int n = 0;

	while (p && strncmp(p, kind, k) != 0)
		if ((p = strchr(p, '\n')))
			p++;
	if (!p || sscanf(p + k, " avg10=%lf avg60=%lf %n", avg10, avg60, &n) != 2 || !n)
		return -1;
	return *avg10 >= 0 && *avg10 <= 100 && *avg60 >= 0 && *avg60 <= 100 ? 0 : -1;
}

int
psi_parse(const char *buf, struct psi *out)
{
	if (line(buf, "some ", &out->some10, &out->some60) ||
	    line(buf, "full ", &out->full10, &out->full60))
		return -1;
	return 0;
}

int
psi_read(struct psi_src *p, struct psi *out)
{
	char buf[256];
	ssize_t n;

	if (p->fd < 0)
		return 0;
	do
		n = pread(p->fd, buf, sizeof buf - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return psi_parse(buf, out) == 0;
}

void
psi_close(struct psi_src *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}
