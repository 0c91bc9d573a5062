/*
 * cgid.h - the container id in a cgroup path: one rule for the kernel
 * module and for user space, as lib/jesc.h is one escaping rule. Header
 * only, no includes: the includer provides size_t.
 *
 * A path names a container when one of its components is one of these,
 * <id> being exactly 64 lower-case hex digits:
 *
 *   docker/<id>                 Docker, cgroupfs driver     (/docker/<id>)
 *   docker-<id>.scope           Docker, systemd driver      (/system.slice/...)
 *   libpod_parent/libpod-<id>   podman, cgroupfs driver
 *   libpod-<id>.scope           podman, systemd driver      (/machine.slice/...)
 *   cri-containerd-<id>.scope   containerd                  (/kubepods.slice/...)
 *   crio-<id>.scope             CRI-O
 *   kubepods/.../pod<uid>/<id>  a kubelet's cgroupfs driver
 *   /../<id>                    any of the cgroupfs forms seen from a private
 *                               cgroup namespace: the path starts above the
 *                               namespace's root, so "docker/" is out of sight
 *
 * The first such component from the root wins, so a container's own
 * sub-cgroups (libpod-<id>.scope/container) stay its own. Anything else,
 * upper-case hex, 63 or 65 digits, a prefix in the middle of a component,
 * names no container.
 */
#ifndef CULL_CGID_H
#define CULL_CGID_H

#define CULL_ID_LEN 64

/* Is s[0..n) exactly a container id: 64 lower-case hex digits? */
static inline int
cull_is_id(const char *s, size_t n)
{
	size_t i;

	if (n != CULL_ID_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* Is c[0..n) the word w (NUL-terminated)? */
static inline int
cull_cg_is(const char *c, size_t n, const char *w)
{
	size_t i;

	for (i = 0; i < n && w[i]; i++)
		if (c[i] != w[i])
			return 0;
	return i == n && !w[i];
}

/* If c[0..n) is pre<id>suf, a pointer to the id there; else 0. */
static inline const char *
cull_cg_wrapped(const char *c, size_t n, const char *pre, const char *suf)
{
	size_t pl = 0, sl = 0, i;

	while (pre[pl])
		pl++;
	while (suf[sl])
		sl++;
	if (n != pl + CULL_ID_LEN + sl)
		return 0;
	for (i = 0; i < pl; i++)
		if (c[i] != pre[i])
			return 0;
	for (i = 0; i < sl; i++)
		if (c[pl + CULL_ID_LEN + i] != suf[i])
			return 0;
	return cull_is_id(c + pl, CULL_ID_LEN) ? c + pl : 0;
}

/* The container id named by path[0..len) into id (65 bytes, NUL-ended);
 * returns 1, or 0 with id "" when the path names none. */
static inline int
cull_cgroup_id(const char *path, size_t len, char *id)
{
	const char *prev = 0, *c = path, *end = path + len, *hit = 0;
	size_t prev_n = 0;
	int above_root = 1, kubepods = 0, first = 1;

	while (c < end && !hit) {
		const char *e = c;
		size_t n;

		while (e < end && *e != '/')
			e++;
		n = (size_t)(e - c);
		if (n == 0) {	/* the leading '/', or "//" */
			c = e + 1;
			continue;
		}
		if (cull_is_id(c, n)) {
			if ((prev && cull_cg_is(prev, prev_n, "docker")) ||
			    (prev && above_root && !first) ||
			    (prev && kubepods && prev_n > 3 && prev[0] == 'p' && prev[1] == 'o' &&
			     prev[2] == 'd'))
				hit = c;
		} else if (!(hit = cull_cg_wrapped(c, n, "docker-", ".scope")) &&
			   !(hit = cull_cg_wrapped(c, n, "libpod-", ".scope")) &&
			   !(hit = cull_cg_wrapped(c, n, "cri-containerd-", ".scope")) &&
			   !(hit = cull_cg_wrapped(c, n, "crio-", ".scope")) &&
			   prev && cull_cg_is(prev, prev_n, "libpod_parent")) {
			hit = cull_cg_wrapped(c, n, "libpod-", "");
		}
		if (!cull_cg_is(c, n, ".."))
			above_root = 0;
		if (cull_cg_is(c, n, "kubepods") || cull_cg_is(c, n, "kubepods.slice"))
			kubepods = 1;
		first = 0;
		prev = c;
		prev_n = n;
		c = e + 1;
	}
	if (!hit) {
		id[0] = '\0';
		return 0;
	}
	for (prev_n = 0; prev_n < CULL_ID_LEN; prev_n++)
		id[prev_n] = hit[prev_n];
	id[CULL_ID_LEN] = '\0';
	return 1;
}

/* The same over the text of a /proc/PID/cgroup file, one
 * "hierarchy-ID:controllers:path" line per hierarchy: the first line whose
 * path names a container. */
static inline int
cull_cgroup_file_id(const char *text, size_t len, char *id)
{
	const char *line = text, *end = text + len;

	id[0] = '\0';
	while (line < end) {
		const char *e = line, *p;
		int colons = 0;

		while (e < end && *e != '\n')
			e++;
		for (p = line; p < e && colons < 2; p++)
			if (*p == ':')
				colons++;
		if (colons == 2 && cull_cgroup_id(p, (size_t)(e - p), id))
			return 1;
		line = e + 1;
	}
	return 0;
}

#endif
