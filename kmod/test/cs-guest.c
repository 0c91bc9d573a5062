/*
 * cs-guest - helper run inside the qemu guest that tests cull_sysinfo.ko.
 * Built static (json-c, pthreads) into the initramfs; not installed.
 *
 *   cs-guest check FILE CHUNK N   open FILE N times, read each in CHUNK-byte
 *                                 reads, and check every document: one
 *                                 strict JSON object of well-formed UTF-8
 *                                 and a newline, every member of the head
 *                                 and of every entry of the type and range
 *                                 docs/cull_sysinfo.4 gives, no other
 *                                 member; a cgroups map of ids that the
 *                                 listed processes have, each with a
 *                                 usage_kb and maybe a limit_kb, nothing
 *                                 else; and the values the churners of
 *                                 this program left in /tmp/form.* (see
 *                                 exec-churn, hostile-churn); then seek back
 *                                 to 0 and read it again in other-sized
 *                                 reads: the same bytes
 *   cs-guest try SPEC FILE        open FILE and read it as SPEC says (below);
 *                                 prints "ok BYTES" or "err ENAME"
 *   cs-guest run SPEC CMD...      run CMD as SPEC says. SPEC: "-" or a comma
 *                                 list of userns (a new user namespace: no
 *                                 capability in the initial one), pidns (a
 *                                 new pid and mount namespace; the rest
 *                                 happens in its pid 1), proc=DIR (mount a
 *                                 procfs there), hidepid (that mount with
 *                                 hidepid=2), uid=N (setgid, setuid N, no
 *                                 groups), applied in that order
 *   cs-guest hold FILE N          open FILE N times and keep the files open;
 *                                 prints "held N BYTES" (one document's size)
 *                                 and waits to be killed
 *   cs-guest argv-map FILE ARG... map FILE (tmpfs) over the whole pages of
 *                                 its own arguments, print "mapped", wait
 *   cs-guest exec-churn           exec itself for ever with two argument
 *                                 lists in turn, without address space
 *                                 randomisation (so the two lay their
 *                                 arguments at different, fixed places);
 *                                 writes both to /tmp/form.x1, /tmp/form.x2
 *                                 and its pid to /tmp/exec.pid; stops when
 *                                 /tmp/stop exists
 *   cs-guest hostile-churn CG COMM ARG...  start /bin/sleeper --comm COMM
 *                                 ARG... in cgroup directory CG, kill it,
 *                                 again, until /tmp/stop exists; writes
 *                                 the raw forms a check accepts for entries
 *                                 of that cgroup's container to /tmp/form.*
 *   cs-guest threads N MS         N threads burn MS ms of CPU each; then all
 *                                 but the main thread exit, it waits
 *   cs-guest thread-churn         start and join short threads for ever
 *   cs-guest read-time FILE N     read FILE whole N times; median ns a read
 *   cs-guest scan-time N          a /proc scan like a procfs reader's (stat,
 *                                 statm, cgroup, cmdline of every pid,
 *                                 keeping those in a container cgroup by
 *                                 lib/cgid.h's rule, as the reader does)
 *                                 N times; median ns a scan, and how many
 *                                 processes it kept
 *   cs-guest run-time N CMD...    run CMD (stdout to /dev/null) N times;
 *                                 median ns a run; fails if a run fails
 *   cs-guest rounds N [READER]    N rounds of, in turn: read /proc/cull_sysinfo,
 *                                 scan /proc, and with READER: READER
 *                                 --source kmod, --source procfs (--count 1
 *                                 --no-docker), READER --help; one line
 *                                 "NAME MEDIAN_NS" each. Taking turns keeps
 *                                 a drifting load on the host out of the ratios.
 *
 * Exit status: 0 success, 1 a check failed or an error, 2 usage.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <grp.h>

#include "cgid.h"
#include "jesc.h"

/* Read fd from where it is to EOF, chunk bytes a read(). */
static char *
slurp_fd(int fd, const char *path, size_t chunk, size_t *lenp)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	ssize_t n;

	if (!buf)
		exit(1);
	for (;;) {
		if (cap - len < chunk + 1) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				exit(1);
		}
		n = read(fd, buf + len, chunk);
		if (n < 0) {
			fprintf(stderr, "cs-guest: read %s: %s\n", path, strerror(errno));
			exit(1);
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

static char *
slurp(const char *path, size_t chunk, size_t *lenp)
{
	int fd = open(path, O_RDONLY);
	char *buf;

	if (fd < 0) {
		fprintf(stderr, "cs-guest: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	buf = slurp_fd(fd, path, chunk, lenp);
	close(fd);
	return buf;
}


/* ---- strict checks of one document ------------------------------------ */

/* The forms a churner's entries may take (raw argv bytes, NULs included). */
struct form {
	char *raw;
	size_t len;
};
static struct form form_x[2], form_h, form_spawn, form_comm;
static long exec_pid = -1;
static char hostile_id[65];

static int
load_form(const char *path, struct form *f)
{
	int fd = open(path, O_RDONLY);
	char buf[1 << 16];
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof buf);
	close(fd);
	if (n < 0)
		return 0;
	f->raw = malloc((size_t)n + 1);
	memcpy(f->raw, buf, (size_t)n);
	f->len = (size_t)n;
	return 1;
}

static void
load_forms(void)
{
	struct form pid = {0}, id = {0};

	load_form("/tmp/form.x1", &form_x[0]);
	load_form("/tmp/form.x2", &form_x[1]);
	if (load_form("/tmp/exec.pid", &pid))
		exec_pid = atol(pid.raw);
	load_form("/tmp/form.h", &form_h);
	load_form("/tmp/form.spawn", &form_spawn);
	load_form("/tmp/form.comm", &form_comm);
	if (load_form("/tmp/form.id", &id) && id.len >= 64)
		memcpy(hostile_id, id.raw, 64);
	free(pid.raw);
	free(id.raw);
}

static void
put_mem(void *ctx, const char *p, size_t n)
{
	struct form *f = ctx;

	f->raw = realloc(f->raw, f->len + n + 1);
	memcpy(f->raw + f->len, p, n);
	f->len += n;
}

/* What the module shows of raw[0..k): trailing NULs dropped, the other NULs
 * as spaces, escaped by lib/jesc.h; as the JSON parser decodes it. */
static char *
shown(const char *raw, size_t k)
{
	struct form esc = {0};
	char *norm = malloc(k + 1), *out;
	json_object *o;
	size_t i;

	while (k && raw[k - 1] == '\0')
		k--;
	for (i = 0; i < k; i++)
		norm[i] = raw[i] ? raw[i] : ' ';
	put_mem(&esc, "\"", 1);
	cull_json_escape(&esc, put_mem, norm, k);
	put_mem(&esc, "\"", 1);
	esc.raw[esc.len] = '\0';
	o = json_tokener_parse(esc.raw);
	out = strdup(o ? json_object_get_string(o) : "?");
	json_object_put(o);
	free(esc.raw);
	free(norm);
	return out;
}

/* cmdline (with the entry's cmdline_cut) is what the module may show of f:
 * all of it without the flag, or a cut of it with the flag where bytes
 * other than NULs were left out. */
static int
form_ok(const struct form *f, const char *cmd, int cut)
{
	size_t k, j;
	int ok = 0;

	if (!f->raw)
		return 0;
	for (k = 0; k <= f->len && !ok; k++) {
		char *s = shown(f->raw, k);
		int lost = 0;

		for (j = k; j < f->len; j++)
			lost |= f->raw[j] != '\0';
		ok = strcmp(s, cmd) == 0 && lost == cut;
		free(s);
	}
	return ok;
}

/* Well-formed UTF-8 throughout (lib/jesc.h's rule); 0 or the bad offset + 1. */
static size_t
bad_utf8(const char *buf, size_t len)
{
	size_t i = 0, k;

	while (i < len) {
		k = cull_utf8_len((const unsigned char *)buf + i, len - i);
		if (!k)
			return i + 1;
		i += k;
	}
	return 0;
}

static int
is_int(json_object *o, const char *key, int64_t min, int64_t *val)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return 0;
	*val = json_object_get_int64(v);
	return *val >= min;
}

static const char *
is_str(json_object *o, const char *key, const char **val)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return *val = json_object_get_string(v);
}

static char why_buf[512];

/* One entry: every member of its type, no other; the churners' values. */
static const char *
check_proc(json_object *e, int64_t uptime)
{
	static const char *const keys[] = { "pid", "ppid", "comm", "cmdline", "cmdline_cut",
		"container", "state", "vsz_kb", "rss_kb", "cpu_ns", "start_ns", NULL };
	const char *comm, *cmd, *cont, *state;
	int64_t pid, x;
	json_object *cutv;
	int cut = 0, i;

	if (!json_object_is_type(e, json_type_object))
		return "an entry is not an object";
	json_object_object_foreach(e, key, val) {
		(void)val;
		for (i = 0; keys[i] && strcmp(keys[i], key); i++)
			;
		if (!keys[i]) {
			snprintf(why_buf, sizeof why_buf, "an entry has an unknown member \"%s\"", key);
			return why_buf;
		}
	}
	if (!is_int(e, "pid", 1, &pid) || !is_int(e, "ppid", 0, &x))
		return "pid or ppid not a number in range";
	if (!is_str(e, "comm", &comm) || !is_str(e, "cmdline", &cmd) ||
	    !is_str(e, "container", &cont) || !is_str(e, "state", &state))
		return "comm, cmdline, container or state not a string";
	if (strlen(comm) > 15 * 3)
		return "comm longer than 15 bytes";
	if (!(strlen(cont) == 0 || (strlen(cont) == 64 && strspn(cont, "0123456789abcdef") == 64)))
		return "container neither \"\" nor 64 hex digits";
	if (strlen(state) != 1 || !strchr("RSDTtXZPI", state[0]))
		return "state not one of RSDTtXZPI";
	if (!is_int(e, "vsz_kb", 0, &x) || !is_int(e, "rss_kb", 0, &x) || !is_int(e, "cpu_ns", 0, &x))
		return "vsz_kb, rss_kb or cpu_ns not a number >= 0";
	if (!is_int(e, "start_ns", 1, &x) || x > uptime)
		return "start_ns not a number in 1..uptime_ns";
	if (json_object_object_get_ex(e, "cmdline_cut", &cutv)) {
		if (!json_object_is_type(cutv, json_type_boolean) || !json_object_get_boolean(cutv))
			return "cmdline_cut present but not true";
		cut = 1;
	}
	if (pid == exec_pid && cmd[0] &&
	    !form_ok(&form_x[0], cmd, cut) && !form_ok(&form_x[1], cmd, cut)) {
		snprintf(why_buf, sizeof why_buf,
			 "exec-churn pid %lld: cmdline%s \"%.200s\" is neither argument list it had",
			 (long long)pid, cut ? " (cut)" : "", cmd);
		return why_buf;
	}
	if (hostile_id[0] && strcmp(cont, hostile_id) == 0) {
		char *hc = form_comm.raw ? shown(form_comm.raw, form_comm.len) : strdup("?");
		int ok = strcmp(comm, hc) == 0 || strcmp(comm, "sleeper") == 0 ||
			 strcmp(comm, "cs-guest") == 0;

		free(hc);
		if (!ok) {
			snprintf(why_buf, sizeof why_buf, "hostile pid %lld: comm \"%.60s\"",
				 (long long)pid, comm);
			return why_buf;
		}
		if (cmd[0] && !form_ok(&form_h, cmd, cut) && !form_ok(&form_spawn, cmd, cut)) {
			snprintf(why_buf, sizeof why_buf, "hostile pid %lld: cmdline%s \"%.300s\"",
				 (long long)pid, cut ? " (cut)" : "", cmd);
			return why_buf;
		}
	}
	return NULL;
}

/* The cgroups map: each key the container of a listed process, each value
 * {"usage_kb":N} or {"usage_kb":N,"limit_kb":N}, N >= 0. */
static const char *
check_cgroups(json_object *cgs, json_object *procs)
{
	size_t i, n = json_object_array_length(procs);
	int64_t x;

	if (!json_object_is_type(cgs, json_type_object))
		return "cgroups is not an object";
	json_object_object_foreach(cgs, id, val) {
		int listed = 0, nkeys = 0;

		for (i = 0; i < n && !listed; i++) {
			const char *c = NULL;

			is_str(json_object_array_get_idx(procs, i), "container", &c);
			listed = c && strcmp(c, id) == 0;
		}
		if (!cull_is_id(id, strlen(id)) || !listed) {
			snprintf(why_buf, sizeof why_buf, "cgroups: \"%.80s\" is no listed container", id);
			return why_buf;
		}
		if (!json_object_is_type(val, json_type_object) || !is_int(val, "usage_kb", 0, &x))
			return "cgroups: an entry without usage_kb >= 0";
		if (json_object_object_get_ex(val, "limit_kb", NULL) && !is_int(val, "limit_kb", 0, &x))
			return "cgroups: limit_kb present but not a number >= 0";
		json_object_object_foreach(val, key, v2) {
			(void)v2;
			(void)key;
			nkeys++;
		}
		if (nkeys != 1 + json_object_object_get_ex(val, "limit_kb", NULL))
			return "cgroups: an unknown member in an entry";
	}
	return NULL;
}

static const char *
check_doc(const char *buf, size_t len)
{
	static const char *const keys[] = { "v", "uptime_ns", "cpus", "hz", "mem", "procs",
					    "cgroups", "procs_omitted", NULL };
	static const char *const mkeys[] = { "total_kb", "free_kb", "available_kb", "shared_kb",
					     "buffers_kb", NULL };
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o, *mem, *procs, *cgs;
	const char *bad = NULL;
	int64_t x, up = 0;
	size_t i, n, at;
	int k;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	if (!o)
		bad = json_tokener_error_desc(json_tokener_get_error(tok));
	else if (json_tokener_get_parse_end(tok) != len || len < 2 ||
		 buf[len - 2] != '}' || buf[len - 1] != '\n')
		bad = "not exactly one document and a newline";
	else if ((at = bad_utf8(buf, len))) {
		snprintf(why_buf, sizeof why_buf, "bad UTF-8 at byte %zu", at - 1);
		bad = why_buf;
	} else if (!json_object_is_type(o, json_type_object))
		bad = "not an object";
	else if (!is_int(o, "v", 1, &x) || x != 3)
		bad = "no \"v\":3";
	else if (!is_int(o, "uptime_ns", 1, &up) || !is_int(o, "cpus", 1, &x) || !is_int(o, "hz", 1, &x))
		bad = "uptime_ns, cpus or hz not a number > 0";
	else if (!json_object_object_get_ex(o, "mem", &mem) || !json_object_is_type(mem, json_type_object))
		bad = "no mem object";
	else if (!json_object_object_get_ex(o, "procs", &procs) ||
		 !json_object_is_type(procs, json_type_array))
		bad = "no procs array";
	else if (json_object_object_get_ex(o, "procs_omitted", NULL) && !is_int(o, "procs_omitted", 1, &x))
		bad = "procs_omitted present but not a number > 0";
	/* Debian's kernels have CONFIG_MEMCG: the map is always there */
	else if (!json_object_object_get_ex(o, "cgroups", &cgs))
		bad = "no cgroups map";
	else
		bad = check_cgroups(cgs, procs);
	if (!bad) {
		json_object_object_foreach(o, key, val) {
			(void)val;
			for (k = 0; keys[k] && strcmp(keys[k], key); k++)
				;
			if (!keys[k])
				bad = "an unknown member at the top";
		}
		for (k = 0; !bad && mkeys[k]; k++)
			if (!is_int(mem, mkeys[k], 0, &x))
				bad = "a mem member not a number >= 0";
	}
	if (!bad)
		for (i = 0, n = json_object_array_length(procs); i < n && !bad; i++)
			bad = check_proc(json_object_array_get_idx(procs, i), up);
	json_object_put(o);
	json_tokener_free(tok);
	return bad;
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double
thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static long burn_ms;

static void *
burner(void *arg)
{
	double t0 = thread_ns();
	volatile unsigned long x = 0;

	(void)arg;
	while (thread_ns() - t0 < burn_ms * 1e6)
		x++;
	return NULL;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Read a small /proc file into buf; length or -1. */
static ssize_t
read_small(int dirfd, const char *name, char *buf, size_t size)
{
	int fd = openat(dirfd, name, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* Run argv with stdout to /dev/null; its wall time in ns, or -1. */
static double
run_once(char **argv)
{
	double t0 = now_ns();
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "cs-guest: %s failed\n", argv[0]);
		return -1;
	}
	return now_ns() - t0;
}

static int
scan_once(void)
{
	static char buf[8192];
	char id[CULL_ID_LEN + 1];
	DIR *d = opendir("/proc");
	struct dirent *e;
	int kept = 0;

	if (!d)
		exit(1);
	while ((e = readdir(d))) {
		ssize_t n;
		int dfd;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		dfd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY);
		if (dfd < 0)
			continue;
		n = read_small(dfd, "cgroup", buf, sizeof buf);
		if (n > 0 && cull_cgroup_file_id(buf, (size_t)n, id)) {
			read_small(dfd, "stat", buf, sizeof buf);
			read_small(dfd, "statm", buf, sizeof buf);
			read_small(dfd, "cmdline", buf, sizeof buf);
			kept++;
		}
		close(dfd);
	}
	closedir(d);
	return kept;
}

/* ---- attackers and churners ------------------------------------------- */

static void
write_file(const char *path, const char *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, p, n) != (ssize_t)n) {
		fprintf(stderr, "cs-guest: cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	close(fd);
}

/* The argument bytes argv[from..argc) as the kernel lays them out. */
static void
write_argv(const char *path, int argc, char **argv, int from)
{
	struct form f = {0};
	int i;

	for (i = from; i < argc; i++)
		put_mem(&f, argv[i], strlen(argv[i]) + 1);
	write_file(path, f.raw ? f.raw : "", f.len);
	free(f.raw);
}

/* Apply SPEC (see the usage above); in a new pid namespace the caller goes
 * on as its pid 1 and the original process exits with its status. */
static void
apply_spec(const char *spec)
{
	char buf[256], *tok, *save = NULL, *proc = NULL;
	int userns = 0, pidns = 0, hidepid = 0;
	long uid = -1;

	snprintf(buf, sizeof buf, "%s", spec);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "userns") == 0)
			userns = 1;
		else if (strcmp(tok, "pidns") == 0)
			pidns = 1;
		else if (strcmp(tok, "hidepid") == 0)
			hidepid = 1;
		else if (strncmp(tok, "proc=", 5) == 0)
			proc = strdup(tok + 5);
		else if (strncmp(tok, "uid=", 4) == 0)
			uid = atol(tok + 4);
		else if (strcmp(tok, "-") != 0) {
			fprintf(stderr, "cs-guest: bad spec item %s\n", tok);
			exit(2);
		}
	}
	if (userns && unshare(CLONE_NEWUSER) < 0) {
		perror("cs-guest: unshare(CLONE_NEWUSER)");
		exit(1);
	}
	if (pidns) {
		pid_t pid;
		int st;

		if (unshare(CLONE_NEWPID | CLONE_NEWNS) < 0) {
			perror("cs-guest: unshare(CLONE_NEWPID|CLONE_NEWNS)");
			exit(1);
		}
		mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			exit(1);
		if (pid > 0) {
			if (waitpid(pid, &st, 0) < 0)
				exit(1);
			exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
		}
	}
	if (proc && mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  hidepid ? "hidepid=2" : NULL) < 0) {
		fprintf(stderr, "cs-guest: mount proc on %s: %s\n", proc, strerror(errno));
		exit(1);
	}
	if (uid >= 0 && (setgroups(0, NULL) < 0 || setgid((gid_t)uid) < 0 || setuid((uid_t)uid) < 0)) {
		perror("cs-guest: setuid");
		exit(1);
	}
	free(proc);
}

static int
cmd_try(const char *spec, const char *path)
{
	size_t len;
	char *doc;
	int fd;

	apply_spec(spec);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		const char *e = errno == EACCES ? "EACCES" : errno == EPERM ? "EPERM" :
				errno == ENOENT ? "ENOENT" : "other";

		printf("err %s\n", e);
		return 0;
	}
	doc = slurp_fd(fd, path, 1 << 16, &len);
	close(fd);
	printf("ok %zu\n", len);
	free(doc);
	return 0;
}

static int
cmd_hold(const char *path, int n)
{
	off_t len = -1;
	int i;

	for (i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY);

		if (fd < 0) {
			fprintf(stderr, "cs-guest: open %d of %s: %s\n", i, path, strerror(errno));
			return 1;
		}
		if (i == 0)
			len = lseek(fd, 0, SEEK_END);
	}
	printf("held %d %lld\n", n, (long long)len);
	fflush(stdout);
	for (;;)
		pause();
}

static int
cmd_argv_map(int argc, char **argv)
{
	uintptr_t as = (uintptr_t)argv[0];
	uintptr_t ae = (uintptr_t)argv[argc - 1] + strlen(argv[argc - 1]) + 1;
	uintptr_t first = (as + 4095) & ~(uintptr_t)4095, last = ae & ~(uintptr_t)4095;
	int fd = open(argv[2], O_RDONLY);

	if (fd < 0 || last <= first) {
		fprintf(stderr, "cs-guest: argv-map: no file or no whole page of arguments\n");
		return 1;
	}
	if (mmap((void *)first, last - first, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED) {
		perror("cs-guest: mmap");
		return 1;
	}
	printf("mapped %lu bytes at offset %lu of the arguments\n",
	       (unsigned long)(last - first), (unsigned long)(first - as));
	fflush(stdout);
	for (;;)
		pause();
}

static int
cmd_exec_churn(char **argv)
{
	static char pad1[301], pad2[41];
	char *f1[] = { "/bin/cs-guest", "exec-churn", "1", pad1, NULL };
	char *f2[] = { "/bin/cs-guest", "exec-churn", "2", pad2, NULL };
	char pid[32];

	memset(pad1, 'a', sizeof pad1 - 1);
	memset(pad2, 'b', sizeof pad2 - 1);
	if (!argv[2]) {		/* the first: set up, then become form 1 */
		personality(ADDR_NO_RANDOMIZE);
		write_argv("/tmp/form.x1", 4, f1, 0);
		write_argv("/tmp/form.x2", 4, f2, 0);
	} else if (access("/tmp/exec.pid", F_OK) != 0) {
		/* the pid is known once it runs with one of the two forms */
		snprintf(pid, sizeof pid, "%d", (int)getpid());
		write_file("/tmp/exec.pid.new", pid, strlen(pid));
		rename("/tmp/exec.pid.new", "/tmp/exec.pid");
	}
	if (access("/tmp/stop", F_OK) == 0)
		return 0;
	execv(f1[0], argv[2] && argv[2][0] == '1' ? f2 : f1);
	perror("cs-guest: exec");
	return 1;
}

static int
cmd_hostile_churn(int argc, char **argv)
{
	const char *cg = argv[2];
	char procs[4096], **hv = calloc((size_t)argc + 2, sizeof *hv);
	const char *id = strrchr(cg, '/');
	int i;

	snprintf(procs, sizeof procs, "%s/cgroup.procs", cg);
	hv[0] = "/bin/sleeper";
	hv[1] = "--comm";
	for (i = 3; i < argc; i++)
		hv[i - 1] = argv[i];
	write_argv("/tmp/form.h", argc - 1, hv, 0);
	write_argv("/tmp/form.spawn", argc, argv, 0);
	write_file("/tmp/form.comm", argv[3], strlen(argv[3]));
	write_file("/tmp/form.id", id ? id + 1 : cg, strlen(id ? id + 1 : cg));
	while (access("/tmp/stop", F_OK) != 0) {
		pid_t pid = fork();

		if (pid == 0) {
			char me[32];

			snprintf(me, sizeof me, "%d", (int)getpid());
			write_file(procs, me, strlen(me));
			execv(hv[0], hv);
			_exit(127);
		}
		if (pid < 0)
			return 1;
		usleep(20000 + (unsigned)(pid % 7) * 3000);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	free(hv);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "try") == 0)
		return cmd_try(argv[2], argv[3]);
	if (argc >= 4 && strcmp(argv[1], "run") == 0) {
		apply_spec(argv[2]);
		execv(argv[3], argv + 3);
		perror("cs-guest: exec");
		return 127;
	}
	if (argc == 4 && strcmp(argv[1], "hold") == 0)
		return cmd_hold(argv[2], atoi(argv[3]));
	if (argc >= 4 && strcmp(argv[1], "argv-map") == 0)
		return cmd_argv_map(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "exec-churn") == 0)
		return cmd_exec_churn(argv);
	if (argc >= 4 && strcmp(argv[1], "hostile-churn") == 0)
		return cmd_hostile_churn(argc, argv);
	if (argc == 5 && strcmp(argv[1], "check") == 0) {
		size_t chunk = strtoul(argv[3], NULL, 0), len;
		long i, n = atol(argv[4]), bad = 0;

		load_forms();
		for (i = 0; i < n; i++) {
			int fd = open(argv[2], O_RDONLY);
			char *doc, *again;
			const char *why;
			size_t len2;

			if (fd < 0) {
				fprintf(stderr, "cs-guest: %s: %s\n", argv[2], strerror(errno));
				return 1;
			}
			doc = slurp_fd(fd, argv[2], chunk, &len);
			why = check_doc(doc, len);
			/* one open, one snapshot: read again from 0, another size */
			if (lseek(fd, 0, SEEK_SET) != 0)
				why = "lseek to 0 failed";
			again = slurp_fd(fd, argv[2], chunk == 17 ? 4096 : 17, &len2);
			if (!why && (len2 != len || memcmp(doc, again, len)))
				why = "a second pass over the same open file differs";
			free(again);
			close(fd);

			if (why) {
				fprintf(stderr, "cs-guest: %s read %zu at a time: %s\n",
					argv[2], chunk, why);
				bad++;
			}
			free(doc);
		}
		printf("check %s chunk %zu: %ld of %ld documents valid\n", argv[2], chunk, n - bad, n);
		return bad != 0;
	}
	if (argc == 4 && strcmp(argv[1], "threads") == 0) {
		int i, n = atoi(argv[2]);
		pthread_t t[64];

		burn_ms = atol(argv[3]);
		if (n < 1 || n > 64)
			return 2;
		for (i = 1; i < n; i++)
			pthread_create(&t[i], NULL, burner, NULL);
		burner(NULL);
		for (i = 1; i < n; i++)
			pthread_join(t[i], NULL);
		printf("threads done\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	if (argc == 2 && strcmp(argv[1], "thread-churn") == 0) {
		burn_ms = 1;
		for (;;) {
			pthread_t t;

			if (pthread_create(&t, NULL, burner, NULL) == 0)
				pthread_join(t, NULL);
		}
	}
	if (argc == 4 && strcmp(argv[1], "read-time") == 0) {
		int i, n = atoi(argv[3]);
		double *v = calloc((size_t)n, sizeof *v);
		size_t len = 0;

		for (i = 0; i < n; i++) {
			double t0 = now_ns();
			char *doc = slurp(argv[2], 1 << 16, &len);

			v[i] = now_ns() - t0;
			free(doc);
		}
		printf("%.0f %zu\n", median(v, n), len);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "scan-time") == 0) {
		int i, n = atoi(argv[2]), kept = 0;
		double *v = calloc((size_t)n, sizeof *v);

		for (i = 0; i < n; i++) {
			double t0 = now_ns();

			kept = scan_once();
			v[i] = now_ns() - t0;
		}
		printf("%.0f %d\n", median(v, n), kept);
		return 0;
	}
	if (argc >= 4 && strcmp(argv[1], "run-time") == 0) {
		int i, n = atoi(argv[2]);
		double *v = calloc((size_t)n, sizeof *v);

		for (i = 0; i < n; i++)
			if ((v[i] = run_once(argv + 3)) < 0)
				return 1;
		printf("%.0f\n", median(v, n));
		return 0;
	}
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "rounds") == 0) {
		static const char *names[] = { "read_ns", "scan_ns", "reader_kmod_ns",
					       "reader_procfs_ns", "reader_start_ns" };
		char *rk[] = { argv[3], "--source", "kmod", "--count", "1", "--no-docker", NULL };
		char *rp[] = { argv[3], "--source", "procfs", "--count", "1", "--no-docker", NULL };
		char *rh[] = { argv[3], "--help", NULL };
		int i, k, n = atoi(argv[2]), nk = argc == 4 ? 5 : 2;
		double *v[5];
		size_t len;

		for (k = 0; k < 5; k++)
			v[k] = calloc((size_t)n, sizeof(double));
		for (i = 0; i < n; i++) {
			double t0 = now_ns();

			free(slurp("/proc/cull_sysinfo", 1 << 16, &len));
			v[0][i] = now_ns() - t0;
			t0 = now_ns();
			scan_once();
			v[1][i] = now_ns() - t0;
			if (nk == 5 && ((v[2][i] = run_once(rk)) < 0 || (v[3][i] = run_once(rp)) < 0 ||
					(v[4][i] = run_once(rh)) < 0))
				return 1;
		}
		for (k = 0; k < nk; k++)
			printf("%s %.0f\n", names[k], median(v[k], n));
		return 0;
	}
	fprintf(stderr, "usage: cs-guest check FILE CHUNK N | threads N MS | thread-churn |"
		" read-time FILE N | scan-time N | run-time N CMD... | rounds N [READER] |"
		" try SPEC FILE | run SPEC CMD... | hold FILE N | argv-map FILE ARG... |"
		" exec-churn | hostile-churn CG COMM ARG...\n");
	return 2;
}
