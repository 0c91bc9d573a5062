/*
 * cs-guest - helper run inside the qemu guest that tests cull_sysinfo.ko.
 * Built static (json-c, pthreads) into the initramfs; not installed.
 *
 *   cs-guest check FILE CHUNK N   open FILE N times, read each in CHUNK-byte
 *                                 reads, and check every document is one
 *                                 strict JSON object with "v":1 and a
 *                                 "procs" array of objects with a "pid";
 *                                 then seek back to 0 and read it again in
 *                                 other-sized reads: the same bytes
 *   cs-guest threads N MS         N threads burn MS ms of CPU each; then all
 *                                 but the main thread exit, it waits
 *   cs-guest thread-churn         start and join short threads for ever
 *   cs-guest read-time FILE N     read FILE whole N times; median ns a read
 *   cs-guest scan-time N          a /proc scan like a procfs reader's (stat,
 *                                 statm, cgroup, cmdline of every pid,
 *                                 keeping those in a container cgroup)
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

static const char *
check_doc(const char *buf, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o, *v, *procs;
	const char *bad = NULL;
	size_t i, n;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	if (!o)
		bad = json_tokener_error_desc(json_tokener_get_error(tok));
	else if (json_tokener_get_parse_end(tok) != len || len < 2 ||
		 buf[len - 2] != '}' || buf[len - 1] != '\n')
		bad = "not exactly one document and a newline";
	else if (!json_object_object_get_ex(o, "v", &v) || json_object_get_int(v) != 1)
		bad = "no \"v\":1";
	else if (!json_object_object_get_ex(o, "procs", &procs) ||
		 !json_object_is_type(procs, json_type_array))
		bad = "no procs array";
	else
		for (i = 0, n = json_object_array_length(procs); i < n && !bad; i++)
			if (!json_object_object_get_ex(json_object_array_get_idx(procs, i), "pid", &v))
				bad = "a proc without pid";
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
	DIR *d = opendir("/proc");
	struct dirent *e;
	int kept = 0;

	if (!d)
		exit(1);
	while ((e = readdir(d))) {
		int dfd;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		dfd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY);
		if (dfd < 0)
			continue;
		if (read_small(dfd, "cgroup", buf, sizeof buf) > 0 &&
		    (strstr(buf, "/docker/") || strstr(buf, "docker-") ||
		     strstr(buf, "cri-containerd-") || strstr(buf, "libpod-"))) {
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

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "check") == 0) {
		size_t chunk = strtoul(argv[3], NULL, 0), len;
		long i, n = atol(argv[4]), bad = 0;

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
		" read-time FILE N | scan-time N | run-time N CMD... | rounds N [READER]\n");
	return 2;
}
