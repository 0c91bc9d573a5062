/*
 * cull-reaper - kill lines in, killed lines out, through the Docker Engine API.
 *
 * stdin:  {"type":"kill","seq":7,"id":"<64 hex>","name":"web-1","class":"high",
 *          "rss_kb":…,"vsz_kb":…,"mem_pct":…,"cpu_pct":…}    (cull-ranker)
 * stdout: {"type":"killed","ts":…,"seq":7,"id":"…","name":"web-1","class":"high",
 *          "ok":true,"status":204,"ms":131.2,"running":false,"rss_kb":…,…}
 * Every other line passes through byte for byte.
 *
 * Here: the options and the loop. The settings (struct opts) are fixed
 * before the loop starts and passed to the parts read only; each part owns
 * its state: the kills in flight (struct jobs, jobs.c, driving kill.c's state
 * machine), --exec (struct execq, spawn.c), --log-url (struct logpump,
 * logq.c), stdin (struct input, input.c). An engine that does not answer or
 * answers 5xx is retried for --retry seconds, then the line is reported with
 * ok:false; the reaper never exits because the engine is down.
 *
 * Exit status: 0 at end of input (or after SIGINT/SIGTERM, once the kills in
 * flight are reported), 1 runtime failure (stdin or stdout failed), 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <curl/curl.h>

#include "clock.h"
#include "docker.h"
#include "err.h"
#include "jw.h"
#include "kill.h"
#include "mem.h"
#include "opt.h"
#include "reaper.h"
#include "version.h"

static const char usage_text[] =
	"usage: cull-reaper [--socket PATH | --host tcp://HOST:PORT] [--signal SIG]\n"
	"                   [--stop-timeout S] [--remove] [--any] [--protect NAME]...\n"
	"                   [--dry-run] [--exec CMD] [--log-url URL] [--retry SECONDS]\n"
	"                   [--parallel N]\n";

static const char help_text[] =
	"Read kill lines on stdin, kill those containers through the Docker Engine\n"
	"API, write a killed line for each; every other line passes through.\n"
	"Only containers labelled cull.managed=true (checked with the engine), never\n"
	"a --protect'ed one, never the container cull-reaper runs in.\n"
	"\n"
	"  --socket PATH       engine's unix socket (default $DOCKER_HOST, else\n"
	"                      /var/run/docker.sock)\n"
	"  --host tcp://H:P    engine over TCP instead\n"
	"  --signal SIG        signal to send (default SIGKILL)\n"
	"  --stop-timeout S    graceful stop instead: SIGTERM, SIGKILL after S seconds\n"
	"  --remove            remove the container after killing it\n"
	"  --any               do not require the label cull.managed=true\n"
	"  --protect NAME      never kill NAME (a name or an id); repeatable\n"
	"  --dry-run           do every check, say what would be killed, kill nothing\n"
	"  --exec CMD          after each kill run sh -c CMD with CULL_ID, CULL_NAME,\n"
	"                      CULL_CLASS, CULL_RSS_KB, CULL_VSZ_KB in the environment\n"
	"  --log-url URL       also POST each killed line to URL (cull-logger /logs)\n"
	"  --retry SECONDS     keep retrying an engine that does not answer or answers\n"
	"                      5xx (default 10); a hung engine holds a line this long\n"
	"  --parallel N        kills in flight at once (default 16)\n"
	"  --help              this text\n"
	"\n"
	"Exit status: 0 end of input or SIGINT/SIGTERM, 1 runtime failure, 2 usage error.\n";

#define DRAIN_WAIT 5.0		/* at the end, for --exec commands and the logger */

/* The settings, from the options; read only once the loop runs. */
struct opts {
	const char *sock;	/* --socket PATH, NULL if not given */
	const char *host;	/* --host tcp://H:P, NULL if not given */
	char signal[16];	/* --signal, as the engine wants it */
	struct kill_conf kill;	/* what every kill shares */
	struct policy pol;	/* --any, --protect, and the reaper's own container */
	size_t protect_cap;	/* room in pol.protect */
	const char *exec_cmd;	/* --exec CMD, NULL if not given */
	const char *log_url;	/* --log-url URL, NULL if not given */
	int parallel;		/* --parallel: kills in flight at most */
};

/* The loop's state, one struct per part that changes it. */
struct reaper {
	CURLM *multi;		/* every request in flight, kills and --log-url */
	struct jobs jobs;
	struct execq exec;
	struct logpump log;
	struct input in;
	struct jw w;		/* the killed line being written */
};

/* The signal handler's side: a self-pipe that wakes the loop, and how many
 * SIGINT/SIGTERM came (the second one ends the program at once). */
static int sig_fd[2];
static volatile sig_atomic_t nstop;

static void
on_signal(int sig)
{
	int e = errno;
	char c = (char)sig;

	if (sig != SIGCHLD)
		nstop++;
	if (write(sig_fd[1], &c, 1) < 0) {
		/* full: a wakeup is pending anyway */
	}
	errno = e;
}

/* stdout is the data channel: a failed write ends the program, quietly when
 * the reader went away. */
static void
out_failed(const struct input *in)
{
	input_restore(in);
	if (errno == EPIPE)
		exit(CULL_EXIT_OK);
	cull_die(CULL_EXIT_FAIL, "fatal: cannot write to stdout:");
}

/* A kill line ended (struct jobs' report): its killed line to stdout and
 * to --log-url, then --exec for a container really killed. */
static void
report(const struct kill *k, void *arg)
{
	struct reaper *r = arg;

	kill_line(&r->w, k, r->jobs.conf, cull_wall(), cull_mono(), logpump_lost(&r->log));
	logpump_push(&r->log, r->w.buf, r->w.len);
	if (jw_line(&r->w, stdout) < 0)
		out_failed(&r->in);
	if (k->out.ok && !r->jobs.conf->dry_run)
		execq_add(&r->exec, &k->tgt, &k->req);
	logpump_send(&r->log);
}

/* ---- the loop ---------------------------------------------------------- */

/* Wait for stdin, the signal pipe, or a request, then hand what ended to
 * its owner. */
static void
wait_and_dispatch(struct reaper *r)
{
	struct curl_waitfd fds[2];
	CURLMsg *m;
	int left, running, nfd = 0;

	if (!r->in.eof && !nstop && !jobs_full(&r->jobs)) {
		fds[nfd].fd = 0;
		fds[nfd].events = CURL_WAIT_POLLIN;
		fds[nfd++].revents = 0;
	}
	fds[nfd].fd = sig_fd[0];
	fds[nfd].events = CURL_WAIT_POLLIN;
	fds[nfd++].revents = 0;
	curl_multi_poll(r->multi, fds, (unsigned)nfd, jobs_poll_ms(&r->jobs), NULL);
	curl_multi_perform(r->multi, &running);
	while ((m = curl_multi_info_read(r->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		if (m->easy_handle == r->log.h)
			logpump_done(&r->log, m->data.result);
		else
			jobs_answer(&r->jobs, m->easy_handle, m->data.result, nstop != 0);
	}
}

static void
loop(struct reaper *r)
{
	double drain_end = 0;
	int stop_seen = 0, busy = 0;
	char buf[64];

	for (;;) {
		while (read(sig_fd[0], buf, sizeof buf) > 0)
			;
		execq_reap(&r->exec);
		if (nstop && !stop_seen) {
			stop_seen = 1;
			cull_warn("stopping: reporting the kills in flight");
			jobs_stop(&r->jobs);
		}
		if (nstop > 1) {
			cull_warn("stopping now; %d kills in flight not reported", r->jobs.nactive);
			return;
		}
		if (input_read(&r->in, &r->jobs, &nstop) < 0)
			out_failed(&r->in);
		jobs_run(&r->jobs);
		logpump_send(&r->log);
		/* a burst of kills ended: what it freed goes back (within a
		 * second of the last time: on a later turn, the poll below
		 * wakes at least once a second) */
		if (!jobs_idle(&r->jobs))
			busy = 1;
		else if (busy && cull_heap_trim())
			busy = 0;
		if ((r->in.eof || nstop) && jobs_idle(&r->jobs)) {
			if (!drain_end)
				drain_end = cull_mono() + DRAIN_WAIT;
			if ((execq_idle(&r->exec) && logpump_idle(&r->log)) || cull_mono() > drain_end)
				return;
		}
		wait_and_dispatch(r);
	}
}

/* ---- options ----------------------------------------------------------- */

static const struct option longopts[] = {
	{ "socket", required_argument, NULL, 's' },
	{ "host", required_argument, NULL, 'H' },
	{ "signal", required_argument, NULL, 'k' },
	{ "stop-timeout", required_argument, NULL, 't' },
	{ "remove", no_argument, NULL, 'r' },
	{ "any", no_argument, NULL, 'a' },
	{ "protect", required_argument, NULL, 'p' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "exec", required_argument, NULL, 'x' },
	{ "log-url", required_argument, NULL, 'l' },
	{ "retry", required_argument, NULL, 'R' },
	{ "parallel", required_argument, NULL, 'P' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* One option c with its value arg into o. */
static void
one_option(int c, char *arg, struct opts *o)
{
	switch (c) {
	case 's':
		o->sock = arg;
		break;
	case 'H':
		if (strncmp(arg, "tcp://", 6) != 0 || !arg[6])
			cull_die(CULL_EXIT_USAGE, "--host: \"%s\" is not tcp://HOST:PORT", arg);
		o->host = arg;
		break;
	case 'k':
		if (reaper_signal(arg, o->signal, sizeof o->signal) < 0)
			cull_die(CULL_EXIT_USAGE, "--signal: \"%s\" is not a signal", arg);
		break;
	case 't':
		o->kill.graceful = 1;
		o->kill.stop_timeout = cull_opt_ll("--stop-timeout", arg, 0, 3600);
		break;
	case 'r':
		o->kill.remove = 1;
		break;
	case 'a':
		o->pol.any = 1;
		break;
	case 'p':
		if (!*arg)
			cull_die(CULL_EXIT_USAGE, "--protect: empty name");
		o->pol.protect = cull_grow(o->pol.protect, &o->protect_cap,
					   (size_t)o->pol.nprotect + 1, sizeof *o->pol.protect);
		o->pol.protect[o->pol.nprotect++] = arg;
		break;
	case 'n':
		o->kill.dry_run = 1;
		break;
	case 'x':
		if (!*arg)
			cull_die(CULL_EXIT_USAGE, "--exec: empty command");
		o->exec_cmd = arg;
		break;
	case 'l':
		if (strncmp(arg, "http://", 7) != 0 && strncmp(arg, "https://", 8) != 0)
			cull_die(CULL_EXIT_USAGE, "--log-url: \"%s\" is not an http:// or https:// URL",
				 arg);
		o->log_url = arg;
		break;
	case 'R':
		o->kill.retry = cull_opt_double("--retry", arg, 0, 86400);
		break;
	case 'P':
		o->parallel = (int)cull_opt_ll("--parallel", arg, 1, 256);
		break;
	}
}

static void
parse_options(int argc, char **argv, struct opts *o)
{
	int c;

	memset(o, 0, sizeof *o);
	snprintf(o->signal, sizeof o->signal, "SIGKILL");
	o->kill.signal = o->signal;
	o->kill.retry = 10;
	o->kill.pol = &o->pol;
	o->parallel = 16;
	while ((c = cull_getopt(argc, argv, "", longopts, usage_text)) != -1) {
		if (c == 'V')
			cull_version_exit();
		if (c == 'h') {
			printf("%s\n%s", usage_text, help_text);
			exit(CULL_EXIT_OK);
		}
		one_option(c, optarg, o);
	}
	cull_opt_no_operands(argc, argv, optind, usage_text);
	if (o->sock && o->host)
		cull_die(CULL_EXIT_USAGE, "--socket and --host exclude each other");
	if (o->kill.graceful && strcmp(o->signal, "SIGKILL") != 0)
		cull_die(CULL_EXIT_USAGE, "--signal and --stop-timeout exclude each other");
	if (o->sock && !*o->sock)
		cull_die(CULL_EXIT_USAGE, "--socket: empty path");
}

/* The engine the options name, or exit 2. */
static struct docker *
engine(const struct opts *o)
{
	struct docker *d;
	char *where = NULL;

	if (o->sock && o->sock[0] != '/' && strncmp(o->sock, "unix://", 7) != 0 &&
	    asprintf(&where, "unix://%s", o->sock) < 0)
		cull_die(CULL_EXIT_FAIL, "fatal: out of memory");
	d = docker_new(where ? where : o->sock ? o->sock : o->host);
	free(where);
	if (!d)
		exit(CULL_EXIT_USAGE);
	return d;
}

/* ---- start and end ----------------------------------------------------- */

static void
catch_signals(void)
{
	struct sigaction sa;

	if (pipe2(sig_fd, O_CLOEXEC | O_NONBLOCK) < 0)
		cull_die(CULL_EXIT_FAIL, "fatal: pipe:");
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
}

/* Its own container, and the API version pinned now if the engine
 * answers; if not, each kill negotiates before its first request. */
static void
meet_engine(struct docker *d, struct policy *pol)
{
	enum self_how how = self_detect("/proc", pol);

	d->timeout_ms = 3000;
	if (docker_negotiate(d) < 0)
		cull_warn("the engine at %s does not answer yet; kills will retry", docker_where(d));
	else if (how == SELF_UPPER)
		self_resolve(d, pol);
	d->timeout_ms = 10000;
	self_warn(how, pol, d);
}

int
main(int argc, char **argv)
{
	struct reaper r;
	struct opts o;
	struct docker *d;

	cull_setprog(argv[0]);
	memset(&r, 0, sizeof r);
	parse_options(argc, argv, &o);
	d = engine(&o);
	cull_stdio_setup();
	catch_signals();
	if (!(r.multi = curl_multi_init()))
		cull_die(CULL_EXIT_FAIL, "fatal: libcurl cannot start");
	logpump_init(&r.log, o.log_url, r.multi);
	meet_engine(d, &o.pol);
	jobs_init(&r.jobs, &o.kill, d, r.multi, o.parallel, report, &r);
	execq_init(&r.exec, o.exec_cmd);
	input_open(&r.in);
	loop(&r);
	input_close(&r.in);

	execq_fini(&r.exec);
	logpump_fini(&r.log);
	jobs_fini(&r.jobs);
	curl_multi_cleanup(r.multi);
	jw_free(&r.w);
	free(o.pol.protect);
	docker_free(d);
	curl_global_cleanup();
	cull_stdout_close();
	return r.in.failed ? CULL_EXIT_FAIL : CULL_EXIT_OK;
}
