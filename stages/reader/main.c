/*
 * cull-reader - report memory and every container process as JSON lines.
 *
 * Input:  /proc/cull_sysinfo (the kernel module's report) or a /proc scan;
 *         the Docker engine's containers (list, then events) for names and
 *         labels; each container's memory cgroup.
 * Output: one "snapshot" line per interval, and one at once when a
 *         container starts, on stdout (DESIGN.md).
 * Exit:   0 done (--count reached, SIGINT/SIGTERM, or stdout closed);
 *         1 the source cannot be read at the first snapshot; 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "docker.h"
#include "events.h"
#include "err.h"
#include "jw.h"
#include "kmod.h"
#include "mem.h"
#include "memcg.h"
#include "opt.h"
#include "procfs.h"
#include "psi.h"
#include "snapshot.h"
#include "version.h"

static const char usage[] =
	"usage: cull-reader [--source auto|kmod|procfs] [--proc-file PATH] [--proc-root DIR]\n"
	"                   [--sys-root DIR] [--interval SECONDS] [--count N] [--all]\n"
	"                   [--rescan SECONDS]\n"
	"                   [--docker SOCKET | --no-docker]\n";

static const char help[] =
	"\n"
	"Write one JSON \"snapshot\" line per interval: memory totals and every process\n"
	"inside a container, with %RAM and %CPU.\n"
	"\n"
	"  --source S       kmod: the module's report; procfs: scan /proc; auto (default):\n"
	"                   kmod when the report can be opened, else procfs\n"
	"  --proc-file PATH the module's report (default /proc/cull_sysinfo)\n"
	"  --proc-root DIR  the /proc to scan (default /proc)\n"
	"  --sys-root DIR   the cgroup mount holding the containers' memory cgroups\n"
	"                   (default /sys/fs/cgroup; v1 under DIR/memory, v2 in DIR)\n"
	"  --interval S     seconds between snapshots (default 1; 0.001 to 86400); a\n"
	"                   container that starts makes one at once (at most every 0.1 s)\n"
	"  --count N        stop after N snapshots (default 0: until stopped)\n"
	"  --all            list host processes too, with \"container\":\"\"\n"
	"  --rescan S       procfs: the longest time between full scans of /proc (0 to\n"
	"                   86400; 0: every snapshot; default 60 while the engine's\n"
	"                   events are followed, else 5). Between them, only the\n"
	"                   processes in the cgroups of the containers found, and of\n"
	"                   those the engine's start events name\n"
	"  --docker SOCKET  the engine to ask for names and labels (unix://PATH,\n"
	"                   tcp://HOST:PORT or a path; default $DOCKER_HOST or\n"
	"                   /var/run/docker.sock)\n"
	"  --no-docker      do not ask the engine\n"
	"\n"
	"EXIT STATUS: 0 done (count reached, SIGINT/SIGTERM, stdout closed);\n"
	"1 the source cannot be read at the first snapshot; 2 bad usage.\n";

enum { SRC_AUTO, SRC_KMOD, SRC_PROCFS };

struct opts {
	int source;		/* SRC_* */
	const char *proc_file;	/* NULL: <proc-root>/cull_sysinfo */
	const char *proc_root;
	const char *sys_root;	/* the cgroup mount */
	double interval;	/* seconds */
	double rescan;		/* seconds between full /proc scans at most; -1: default */
	unsigned long long count;	/* 0: forever */
	int all;
	const char *docker;	/* NULL: default address */
	int no_docker;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig) { (void)sig; stop = 1; }

static void
parse_args(int argc, char **argv, struct opts *o)
{
	static const char *const sources[] = { "auto", "kmod", "procfs", NULL };
	static const struct option lo[] = {
		{ "source", required_argument, NULL, 's' },
		{ "proc-file", required_argument, NULL, 'f' },
		{ "proc-root", required_argument, NULL, 'r' },
		{ "sys-root", required_argument, NULL, 'S' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "rescan", required_argument, NULL, 'R' },
		{ "all", no_argument, NULL, 'a' },
		{ "docker", required_argument, NULL, 'd' },
		{ "no-docker", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){ .source = SRC_AUTO, .proc_root = "/proc",
			   .sys_root = "/sys/fs/cgroup", .interval = 1.0,
			   .rescan = -1 };
	while ((c = cull_getopt(argc, argv, "", lo, usage)) != -1) {
		switch (c) {
		case 's': o->source = cull_opt_word("--source", optarg, sources); break;
		case 'f': o->proc_file = optarg; break;
		case 'r': o->proc_root = optarg; break;
		case 'S': o->sys_root = optarg; break;
		case 'i': o->interval = cull_opt_double("--interval", optarg, 0.001, 86400); break;
		case 'c': o->count = (unsigned long long)cull_opt_ll("--count", optarg, 0, 1LL << 62); break;
		case 'R': o->rescan = cull_opt_double("--rescan", optarg, 0, 86400); break;
		case 'a': o->all = 1; break;
		case 'd': o->docker = optarg; break;
		case 'n': o->no_docker = 1; break;
		case 'h': fputs(usage, stdout); fputs(help, stdout); exit(CULL_EXIT_OK);
		case 'V': cull_version_exit();
		}
	}
	cull_opt_no_operands(argc, argv, optind, usage);
	if (o->docker && o->no_docker)
		cull_die(CULL_EXIT_USAGE, "--docker and --no-docker exclude each other");
	if (o->proc_file && o->source == SRC_PROCFS)
		cull_die(CULL_EXIT_USAGE, "--proc-file is the module's report: it goes with --source kmod or auto");
}

static void
add_seconds(struct timespec *t, double s)
{
	long long ns = (long long)(s * 1e9);

	t->tv_sec += ns / 1000000000LL;
	t->tv_nsec += ns % 1000000000LL;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

static int
before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Absolute deadlines: no drift. A late snapshot skips the ticks it missed
 * rather than firing them in a burst. */
static void
advance_tick(struct timespec *next, double interval)
{
	struct timespec now;

	add_seconds(next, interval);
	clock_gettime(CLOCK_MONOTONIC, &now);
	while (before(next, &now))
		add_seconds(next, interval);
}

/*
 * Until the tick at next, or, following the engine's events, until a
 * container starts: then a snapshot at once, but not sooner than EARLY_MIN_S
 * after the previous one (last). The ticks stay where they were: --interval
 * is the longest gap between snapshots. Returns 1 for an early snapshot. A
 * signal ends the wait.
 */
#define EARLY_MIN_S 0.1
static int
wait_tick(struct events *ev, const struct timespec *next, double last)
{
	double tick = (double)next->tv_sec + (double)next->tv_nsec / 1e9;

	if (!ev) {
		while (!stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, next, NULL) == EINTR)
			;
		return 0;
	}
	if (!events_wait(ev, tick, &stop))
		return 0;
	if (last + EARLY_MIN_S >= tick) {
		events_wait(ev, tick, &stop);	/* the tick comes first */
		return 0;
	}
	while (!stop && cull_mono() < last + EARLY_MIN_S)
		events_wait(ev, last + EARLY_MIN_S, &stop);
	return 1;
}

/*
 * The reader keeps descriptors open per container: 3 or 4 cgroup files
 * (memcg.c) and its cgroup's directory (procfs.c). 300 containers pass the
 * usual soft limit of 1024 (a systemd service's, a login shell's), and then
 * every open fails: containers without figures, full scans only. The soft
 * limit goes up to the hard one (the reader waits with poll, never select).
 */
static void
raise_nofile(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &r) < 0)
			cull_warn("cannot raise the open file limit:");
	}
}

/* The module's report (its path into proc_file) or a /proc scan: 1 for the
 * module. With --source auto, whichever can be opened, said on stderr. */
static int
choose_source(const struct opts *o, char *proc_file, size_t n)
{
	int fd;

	if (o->proc_file)
		snprintf(proc_file, n, "%s", o->proc_file);
	else
		snprintf(proc_file, n, "%s/cull_sysinfo", o->proc_root);
	if (o->source != SRC_AUTO)
		return o->source == SRC_KMOD;
	/* Open it to know: the module lets only the host's root in (EACCES by
	 * the file's mode, EPERM in a container), which access() cannot tell.
	 * This builds one report, once. */
	fd = open(proc_file, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		cull_warn("source: kmod (%s)", proc_file);
		return 1;
	}
	if (errno == ENOENT)
		cull_warn("source: procfs (%s; no %s: module not loaded)", o->proc_root, proc_file);
	else
		cull_warn("source: procfs (%s; cannot open %s: %s)", o->proc_root, proc_file,
			  strerror(errno));
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct procfs pf = { .rootfd = -1 };
	struct kmod km;
	struct sample s = {0};
	struct cpu_prev prev = {0};
	struct jw w = {0};
	struct docker *d = NULL;
	struct events evs, *ev = NULL;
	struct psi_src ps;
	struct memcg mc;
	struct psi psi;
	struct timespec next;	/* the next tick */
	struct sigaction sa;
	char proc_file[4096];
	unsigned long long seq;
	unsigned long starts = 0;	/* the engine's start events seen */
	size_t nprocs = 0;		/* processes in the last snapshot */
	unsigned gen = 0;		/* full scans then */
	int trim = 0;			/* freed memory to give back */
	int use_kmod, early = 0, status = CULL_EXIT_OK;

	cull_setprog(argv[0]);
	parse_args(argc, argv, &o);
	cull_stdio_setup();
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;	/* no SA_RESTART: the sleep must wake */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	raise_nofile();
	use_kmod = choose_source(&o, proc_file, sizeof proc_file);
	if (use_kmod)
		kmod_open(&km, proc_file, o.all);
	else if (procfs_open(&pf, o.proc_root, o.all, o.rescan ? o.sys_root : NULL, o.rescan) < 0)
		return CULL_EXIT_FAIL;
	psi_open(&ps, o.proc_root);
	memcg_open(&mc, o.sys_root, o.proc_root);
	if (!o.no_docker && !(d = docker_new(o.docker)))
		stop = 1, status = CULL_EXIT_USAGE;
	if (d && events_init(&evs, d) == 0)
		ev = &evs;

	clock_gettime(CLOCK_MONOTONIC, &next);
	for (seq = 1; !stop; seq++) {
		struct snapshot_meta m = { seq, 0, use_kmod ? "kmod" : "procfs", o.interval,
					   NULL, NULL, &mc };
		int rc;

		if (ev)
			events_poll(ev);	/* the engine's news before the scan */
		if (ev && ev->starts != starts && !use_kmod) {	/* containers started: find them */
			int full = ev->started_lost;
			size_t i;

			for (i = 0; i < ev->nstarted && !full; i++)
				full = procfs_add(&pf, ev->started[i]) < 0;
			if (full)
				procfs_rescan(&pf);
		}
		if (ev) {
			starts = ev->starts;
			ev->nstarted = 0;
			ev->started_lost = 0;
		}
		if (o.rescan < 0)	/* the default: longer while the engine's events say what starts */
			pf.rescan_s = ev && events_containers(ev) ? PROCFS_RESCAN_EVENTS_S : PROCFS_RESCAN_S;
		rc = use_kmod ? kmod_read(&km, &s) : procfs_read(&pf, &s);

		if (rc < 0 && seq == 1) {
			status = CULL_EXIT_FAIL;	/* wrong path or no module: say so now */
			break;
		}
		if (rc == 0) {
			snapshot_cpu(&s, &prev);
			m.containers = ev ? events_containers(ev) : NULL;
			m.psi = psi_read(&ps, &psi) ? &psi : NULL;
			memcg_read(&mc, &s, cull_mono());
			m.ts = cull_wall();
			snapshot_write(&w, &s, &m);
			if (jw_line(&w, stdout) < 0) {
				if (errno == EPIPE)
					break;	/* the reader of our output went away */
				cull_die(CULL_EXIT_FAIL, "fatal: cannot write to stdout:");
			}
			/* the set of processes changed: what it freed goes
			 * back (within a second of the last time: later) */
			if (s.nprocs != nprocs || pf.gen != gen)
				trim = 1;
			if (trim && cull_heap_trim())
				trim = 0;
			nprocs = s.nprocs;
			gen = pf.gen;
		} else {
			seq--;	/* seq counts snapshots written */
		}
		if (o.count && seq >= o.count)
			break;
		if (!early)
			advance_tick(&next, o.interval);
		early = wait_tick(ev, &next, cull_mono());
	}
	if (use_kmod)
		kmod_close(&km);
	else
		procfs_close(&pf);
	psi_close(&ps);
	memcg_close(&mc);
	if (ev)
		events_free(ev);
	docker_free(d);
	sample_free(&s);
	cpu_prev_free(&prev);
	jw_free(&w);
	cull_stdout_close();
	return status;
}
