/*
 * common.h - what the four workload programs share. Each runs as PID 1 of a
 * FROM scratch container, where a signal without a handler is ignored: so
 * SIGTERM and SIGINT get one (docker stop ends them at once), and they write
 * their lines with write(2) so nothing waits in a buffer. Header-only: each
 * workload is one static binary built from one .c file.
 */
#ifndef CULL_WORKLOAD_H
#define CULL_WORKLOAD_H

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t wl_stop;

static void wl_on_signal(int sig) { (void)sig; wl_stop = 1; }

static inline void
wl_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = wl_on_signal;	/* no SA_RESTART: sleeps end early */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* One line on stdout, "<prog> <UTC time>.<ms> <what>\n", in one write. */
static inline void __attribute__((format(printf, 2, 3)))
wl_say(const char *prog, const char *fmt, ...)
{
	char buf[256];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(buf, sizeof buf, "%s %02d:%02d:%02d.%03ld ", prog,
		     tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof buf - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof buf - 2)
		n = (int)sizeof buf - 2;
	buf[n++] = '\n';
	if (write(1, buf, (size_t)n) < 0) {
		/* a closed log is no reason to stop working */
	}
}

static inline void
wl_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static inline double
wl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A whole-string positive integer argument, or the default. */
static inline long
wl_arg(int argc, char **argv, int i, long def, long max)
{
	char *end;
	long v;

	if (argc <= i)
		return def;
	v = strtol(argv[i], &end, 10);
	if (end == argv[i] || *end != '\0' || v < 1 || v > max) {
		fprintf(stderr, "%s: bad argument \"%s\" (1 to %ld)\n", argv[0], argv[i], max);
		exit(2);
	}
	return v;
}

#endif
