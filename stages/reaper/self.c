/*
 * self.c - which container the reaper itself runs in, so it never kills it.
 * The evidence, strongest first (docker 20.10, overlay2, cgroup v1 seen):
 *
 * 1. /proc/self/cgroup, one line per hierarchy, when the path names one:
 *      12:memory:/docker/<64 hex>                      (cgroupfs driver)
 *      0::/system.slice/docker-<64 hex>.scope          (systemd driver)
 *      0::/kubepods/besteffort/pod…/<64 hex>, cri-containerd-<id>.scope, libpod-<id>.scope
 *    (which paths name a container is lib/cgid.h's rule, shared with the
 *    kernel module and the reader)
 *    With a private cgroup namespace (--cgroupns private) every line says
 *    only "/" ("0::/"), on a cgroup v1 host too.
 * 2. /proc/self/mountinfo, where docker bind-mounts /etc/hostname,
 *    /etc/hosts and /etc/resolv.conf from <data-root>/containers/<id>/:
 *      127 108 254:0 /var/lib/docker/containers/<64 hex>/hosts /etc/hosts rw,… - ext4 …
 *    Under --network container:X all three are X's, and nothing else in
 *    the table names the container: this is a guess, never proof. Only
 *    those mount points count: the host's table lists other containers'
 *    .../containers/<id>/mounts/shm.
 * 3. The overlay upperdir of "/" (its super options):
 *      108 60 0:38 / / rw,… - overlay overlay rw,lowerdir=…,upperdir=/var/lib/docker/overlay2/<layer>/diff,workdir=…
 *    which is the engine's GraphDriver.Data.UpperDir of this container
 *    and of no other: compared with each target's inspect answer
 *    (target_refuse) and, at start, with the engine's list (self_resolve).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgid.h"
#include "docker.h"
#include "err.h"
#include "reaper.h"

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

		/* hierarchy-ID:controllers:path; the path may hold ':' itself.
		 * What names a container is lib/cgid.h's rule, the kernel
		 * module's and the reader's; of several lines, the last wins. */
		if (c1 && (path = memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - line)))) {
			path++;
			if (cull_cgroup_id(path, n - (size_t)(path - line), id)) {
				memcpy(out, id, 65);
				found = 0;
			}
		}
		line = end ? end + 1 : NULL;
	}
	return found;
}

/* The last "/containers/<64 hex>/" in root[0..n), which names the file as
 * docker keeps it: <data-root>/containers/<id>/hostname. The data root may
 * hold "/containers/" itself (--data-root /srv/containers/docker). */
static int
containers_id(const char *root, size_t n, char out[65])
{
	static const char key[] = "/containers/";
	const size_t k = sizeof key - 1;
	size_t i;
	int found = -1;

	for (i = 0; i + k + 65 <= n; i++) {
		const char *c = root + i + k;

		if (memcmp(root + i, key, k) != 0 || c[64] != '/')
			continue;
		if (cull_is_id(c, CULL_ID_LEN)) {
			memcpy(out, c, 64);
			out[64] = '\0';
			found = 0;
		}
	}
	return found;
}

/* Split one mountinfo line into its fields (up to max, in place):
 * id parent major:minor root mountpoint options... - fstype source super */
static int
fields(char *line, char **f, int max)
{
	char *save = NULL;
	int k;

	for (k = 0; k < max; k++)
		if (!(f[k] = strtok_r(k ? NULL : line, " ", &save)))
			break;
	return k;
}

/* The line [line, line+n) as a string in buf, or NULL when too long. */
static char *
copy_line(const char *line, size_t n, char *buf, size_t len)
{
	if (n >= len)
		return NULL;
	memcpy(buf, line, n);
	buf[n] = '\0';
	return buf;
}

int
self_from_mountinfo(const char *text, char out[65])
{
	static const char *const points[] = { "/etc/hostname", "/etc/hosts", "/etc/resolv.conf" };
	const char *line = text;
	int found = -1;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		char buf[8192], *f[5], id[65];
		size_t p;

		if (copy_line(line, n, buf, sizeof buf) && fields(buf, f, 5) == 5)
			for (p = 0; p < 3; p++)
				if (strcmp(f[4], points[p]) == 0 &&
				    containers_id(f[3], strlen(f[3]), id) == 0) {
					/* a later mount on the same point hides an
					 * earlier one: the last is what we see */
					memcpy(out, id, 65);
					found = 0;
				}
		line = end ? end + 1 : NULL;
	}
	return found;
}

/* mountinfo writes ' ', '\t', '\n', '\\' (and overlay ',' '=') as \ooo */
static void
unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

int
self_upperdir(const char *mountinfo, char *out, size_t outlen)
{
	const char *line = mountinfo;
	int found = -1;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		const char *cur = line;
		char buf[16384], *f[5], *rest, *opt, *save = NULL;

		line = end ? end + 1 : NULL;
		/* ... / / rw,relatime master:3 - overlay overlay rw,lowerdir=…,upperdir=…,workdir=… */
		if (!copy_line(cur, n, buf, sizeof buf))
			continue;
		rest = strstr(buf, " - ");
		if (!rest || fields(buf, f, 5) != 5 || strcmp(f[4], "/") != 0)
			continue;
		/* after " - ": fstype, source, super options */
		if (!(f[0] = strtok_r(rest + 3, " ", &save)) || !(f[1] = strtok_r(NULL, " ", &save)) ||
		    !(f[2] = strtok_r(NULL, " ", &save)))
			continue;
		found = -1;	/* a later mount on / hides what was found */
		if (strcmp(f[0], "overlay") != 0 && strcmp(f[0], "fuse.fuse-overlayfs") != 0)
			continue;
		for (opt = strtok_r(f[2], ",", &save); opt; opt = strtok_r(NULL, ",", &save))
			if (strncmp(opt, "upperdir=", 9) == 0) {
				unescape(opt + 9);
				if (strlen(opt + 9) < outlen && opt[9]) {
					memcpy(out, opt + 9, strlen(opt + 9) + 1);
					found = 0;
				}
			}
	}
	return found;
}

enum self_how
self_decide(const char *cgroup, const char *mountinfo, struct policy *p)
{
	char id[65];

	memset(p->self, 0, sizeof p->self);
	memset(p->guess, 0, sizeof p->guess);
	memset(p->upper, 0, sizeof p->upper);
	if (mountinfo && self_upperdir(mountinfo, p->upper, sizeof p->upper) < 0)
		p->upper[0] = '\0';
	/* the kernel's word: which cgroup this process is in */
	if (cgroup && self_from_cgroup(cgroup, id) == 0) {
		memcpy(p->self, id, 65);
		return SELF_CGROUP;
	}
	/* docker's bind mounts: ours, or (--network container:X) X's */
	if (mountinfo && self_from_mountinfo(mountinfo, id) == 0)
		memcpy(p->guess, id, 65);
	if (p->upper[0])
		return SELF_UPPER;
	return p->guess[0] ? SELF_GUESS : SELF_NONE;
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

enum self_how
self_detect(const char *proc_root, struct policy *p)
{
	char path[4096];
	char *cg, *mi;
	enum self_how how;

	snprintf(path, sizeof path, "%s/self/cgroup", proc_root);
	cg = slurp(path);
	snprintf(path, sizeof path, "%s/self/mountinfo", proc_root);
	mi = slurp(path);
	how = self_decide(cg, mi, p);
	free(cg);
	free(mi);
	return how;
}

/* GET /containers/{id}/json into t; 0, or -1 when that did not work. */
static int
inspect(struct docker *d, const char *id, struct target *t)
{
	char path[128], err[128];

	snprintf(path, sizeof path, "/containers/%s/json", id);
	if (docker_call(d, "GET", path, NULL) < 0 || d->status != 200)
		return -1;
	return target_parse(d->body.data, t, err, sizeof err);
}

int
self_resolve(struct docker *d, struct policy *p)
{
	struct target t;
	json_object *list;
	size_t i, n;
	int rc = -1;

	if (p->self[0])
		return 0;
	if (!p->upper[0])
		return -1;
	if (p->guess[0] && inspect(d, p->guess, &t) == 0) {
		if (strcmp(t.upper, p->upper) == 0) {
			memcpy(p->self, t.id, 65);
			p->guess[0] = '\0';
			return 0;
		}
		if (t.upper[0])
			p->guess[0] = '\0';	/* another container's files */
	}
	if (docker_call(d, "GET", "/containers/json", NULL) < 0 || d->status != 200 ||
	    !(list = json_tokener_parse(d->body.data)))
		return -1;
	n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
	for (i = 0; i < n && rc < 0; i++) {
		json_object *c = json_object_array_get_idx(list, i), *f;

		if (json_object_object_get_ex(c, "Id", &f) && json_object_is_type(f, json_type_string) &&
		    inspect(d, json_object_get_string(f), &t) == 0 && strcmp(t.upper, p->upper) == 0) {
			memcpy(p->self, t.id, 65);
			p->guess[0] = '\0';
			rc = 0;
		}
	}
	json_object_put(list);
	return rc;
}

/* Silent when it knows (its cgroup, or the engine matched its upperdir) and
 * on the host (no evidence of a container at all). */
void
self_warn(enum self_how how, const struct policy *p, const struct docker *d)
{
	if (p->self[0])
		return;
	if (how == SELF_UPPER)
		cull_warn("cannot tell which container it runs in (no id in /proc/self/cgroup, "
			  "and the engine %s): it refuses any container whose root is %s",
			  d->api[0] ? "lists none with this root" : "did not answer", p->upper);
	else if (how == SELF_GUESS)
		cull_warn("cannot tell for sure which container it runs in: only the bind mounts "
			  "of /etc/hostname, /etc/hosts, /etc/resolv.conf name %.12s (under "
			  "--network container:X they are X's); refusing to kill %.12s",
			  p->guess, p->guess);
	/* SELF_NONE: not /.dockerenv either, which is no proof: this build
	 * machine, a VM on ext4, has one */
}
