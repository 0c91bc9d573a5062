/*
 * self.c - which container the reaper itself runs in, so it never kills it.
 *
 * /proc/self/cgroup, one line per hierarchy:
 *   12:memory:/docker/<64 hex>                      (cgroupfs driver)
 *   0::/system.slice/docker-<64 hex>.scope          (systemd driver)
 *   0::/kubepods/besteffort/pod…/<64 hex>, cri-containerd-<id>.scope, libpod-<id>.scope
 * With a private cgroup namespace that only says "0::/", so also
 * /proc/self/mountinfo, where docker bind-mounts the container's own files:
 *   812 790 254:0 /var/lib/docker/containers/<64 hex>/hostname /etc/hostname rw,… - ext4 …
 * Only those three mount points count: on the host, mountinfo lists other
 * containers' shm mounts under .../containers/<id>/mounts/shm.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reaper.h"

static int
hexc(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* The last run of exactly 64 hex digits in s[0..n) that stands between
 * separators ('/', '-', ':' or the start before; '/', '.' or the end after). */
static int
last_id(const char *s, size_t n, char out[65])
{
	size_t i = 0;
	int found = 0;

	while (i < n) {
		size_t j = i;

		while (j < n && hexc(s[j]))
			j++;
		if (j - i == 64 && (i == 0 || s[i - 1] == '/' || s[i - 1] == '-' || s[i - 1] == ':') &&
		    (j == n || s[j] == '/' || s[j] == '.')) {
			memcpy(out, s + i, 64);
			out[64] = '\0';
			found = 1;
		}
		i = j > i ? j : i + 1;
	}
	return found ? 0 : -1;
}

int
self_from_cgroup(const char *text, char out[65])
{
	const char *line = text;
	int found = -1;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		const char *c1 = memchr(line, ':', n), *path;
		char id[65];

		/* hierarchy-ID:controllers:path; the path may hold ':' itself */
		if (c1 && (path = memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - line)))) {
			path++;
			if (last_id(path, n - (size_t)(path - line), id) == 0) {
				memcpy(out, id, 65);
				found = 0;
			}
		}
		line = end ? end + 1 : NULL;
	}
	return found;
}

int
self_from_mountinfo(const char *text, char out[65])
{
	static const char *const points[] = { "/etc/hostname", "/etc/hosts", "/etc/resolv.conf" };
	const char *line = text;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		char buf[4096], *f[6], *save = NULL;
		int k;

		if (n < sizeof buf) {
			memcpy(buf, line, n);
			buf[n] = '\0';
			/* id parent major:minor root mountpoint ... */
			for (k = 0; k < 5; k++)
				if (!(f[k] = strtok_r(k ? NULL : buf, " ", &save)))
					break;
			if (k == 5) {
				size_t p;

				for (p = 0; p < 3; p++) {
					const char *r = f[3], *c;

					if (strcmp(f[4], points[p]) != 0)
						continue;
					/* .../containers/<id>/<file> */
					c = strstr(r, "/containers/");
					if (c && strlen(c + 12) > 65 && c[12 + 64] == '/' &&
					    last_id(c + 12, 64, out) == 0)
						return 0;
				}
			}
		}
		line = end ? end + 1 : NULL;
	}
	return -1;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	for (;;) {
		if (cap - len < 4097) {
			char *nb;

			if (cap >= ((size_t)16 << 20) || !(nb = realloc(buf, cap ? cap * 2 : 16384)))
				break;
			buf = nb;
			cap = cap ? cap * 2 : 16384;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

int
self_detect(const char *proc_root, struct policy *p)
{
	char path[4096], id[65];
	char *text;
	int n = 0;

	memset(p->self, 0, sizeof p->self);
	snprintf(path, sizeof path, "%s/self/mountinfo", proc_root);
	if ((text = slurp(path)) && self_from_mountinfo(text, id) == 0)
		memcpy(p->self[n++], id, 65);
	free(text);
	snprintf(path, sizeof path, "%s/self/cgroup", proc_root);
	if ((text = slurp(path)) && self_from_cgroup(text, id) == 0 &&
	    !(n && strcmp(p->self[0], id) == 0))
		memcpy(p->self[n++], id, 65);
	free(text);
	return n;
}
