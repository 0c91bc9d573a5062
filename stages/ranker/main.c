/*
 * cull-ranker - rank the containers of each snapshot and sentence the surplus.
 *
 * Input: JSON lines on stdin. A "snapshot" line (DESIGN.md) gives one "mem",
 * one "rank" and zero or more "kill" lines on stdout; a line of any other type
 * is copied through byte for byte. A bad line is reported on stderr
 * ("cull-ranker: line N: what is wrong") and skipped. The ranker never reads
 * the clock or the system: replaying a recorded file gives the same output.
 *
 * Exit status: 0 at the end of input, on SIGINT/SIGTERM (after flushing) or
 * when stdout's reader went away; 1 on a read or write error; 2 on bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "jv.h"
#include "jw.h"
#include "lines.h"
#include "opt.h"
#include "out.h"
#include "policy.h"
#include "snap.h"
#include "version.h"

#define LINE_MAX_DEFAULT ((size_t)16 << 20)	/* 16 MiB: ~100,000 processes */

static const char usage[] =
	"usage: cull-ranker [--keep-high N] [--keep-low M] [--sort-by ram|cpu|vsz|rss|ws]\n"
	"                   [--high-cpu PCT] [--high-mem PCT] [--max-mem-pct PCT]\n"
	"                   [--max-psi PCT] [--cooldown SECONDS] [--any] [--max-line BYTES]\n"
	"                   [-v|--table|--top]\n";

static const char help[] =
	"Read snapshot lines on stdin; write mem, rank and kill lines on stdout.\n"
	"Other lines pass through unchanged; bad lines are reported and skipped.\n"
	"\n"
	"  --keep-high N        high containers to keep (default 2)\n"
	"  --keep-low M         low containers to keep (default 3)\n"
	"  --sort-by KEY        ram, cpu, vsz, rss or ws (working set of the memory\n"
	"                       cgroup, 0 when unknown): who is lightest, the rank order (ram)\n"
	"  --high-cpu PCT       unlabelled class high from cpu_pct >= PCT (default 50)\n"
	"  --high-mem PCT       ... or from mem_pct >= PCT (default 5)\n"
	"  --max-mem-pct PCT    memory guard: above PCT used, also sentence the heaviest\n"
	"                       by RSS until enough is freed (default off)\n"
	"  --max-psi PCT        pressure guard: while memory pressure (some, 10 s) is\n"
	"                       above PCT and no kill is on its way, sentence the\n"
	"                       heaviest by --sort-by (default off)\n"
	"  --cooldown SECONDS   a sentenced container is in flight this long, input time\n"
	"                       (default 3 snapshot intervals)\n"
	"  --any                every container takes part, not only cull.managed=true\n"
	"  --max-line BYTES     longest input line accepted (default 16777216)\n"
	"  -v, --table          top-like tables on stderr for every snapshot\n"
	"  --top                one screen on stderr instead, redrawn in place (a terminal):\n"
	"                       the containers in one order, the last sentences; SIGUSR1\n"
	"                       shows the next order (ram, cpu, vsz, rss)\n"
	"  -h, --help           this text\n"
	"\n"
	"Exit status: 0 end of input, SIGINT/SIGTERM or stdout closed; 1 read or write\n"
	"error; 2 usage error. See cull-ranker(1).\n";

static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t next_order;	/* SIGUSR1s not yet acted on (--top) */

static void
on_usr1(int sig)
{
	(void)sig;
	next_order++;
}
static sigset_t wait_mask;	/* the signal mask while waiting for input */

static void
on_signal(int sig)
{
	stop_signal = sig;
}

/* SIGINT and SIGTERM are blocked except while the ranker waits for input
 * (ppoll() in wait_input()): a signal then ends the wait at once and never
 * interrupts a write, so every line already produced goes out whole. */
static void
catch_signals(void)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
}

/* A write error on stdout ends the program: quietly with 0 when the reader
 * went away, else with 1. */
static void
put(const char *p, size_t n)
{
	if (n && fwrite(p, 1, n, stdout) != n)
		cull_stdout_close();
}

/* When no whole line is buffered, the next read could wait: flush what is
 * written so far (a replay writes in big blocks, a live pipe sees every
 * snapshot's lines at once), then wait for input with the signals open.
 * Returns 0 when a signal came. */
static int
wait_input(const struct cull_lines *r)
{
	struct pollfd pfd = { r->fd, POLLIN, 0 };
	sigset_t pending;

	if (r->eof || (r->buf && memchr(r->buf + r->start, '\n', r->end - r->start)))
		return 1;
	if (fflush(stdout) != 0)
		cull_stdout_close();
	/* ppoll() that need not wait (a file, a full pipe) restores the mask
	 * without delivering what is pending: look for it here */
	if (sigpending(&pending) == 0) {
		if (sigismember(&pending, SIGTERM))
			stop_signal = SIGTERM;
		else if (sigismember(&pending, SIGINT))
			stop_signal = SIGINT;
		if (stop_signal)
			return 0;
	}
	if (ppoll(&pfd, 1, NULL, &wait_mask) < 0 && errno == EINTR)
		return 0;
	return 1;	/* readable, or an error the read will report */
}

/* What the command line says. */
struct opts {
	struct policy_opt po;
	size_t max_line;
	int table;	/* -v: the human tables on stderr */
	int top;	/* --top: one screen redrawn in place instead */
};

static void
parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_KEEP_HIGH = 256, O_KEEP_LOW, O_SORT_BY, O_HIGH_CPU, O_HIGH_MEM,
	       O_MAX_MEM, O_MAX_PSI, O_COOLDOWN, O_ANY, O_MAX_LINE, O_TOP };
	static const struct option longopts[] = {
		{ "keep-high", required_argument, NULL, O_KEEP_HIGH },
		{ "keep-low", required_argument, NULL, O_KEEP_LOW },
		{ "sort-by", required_argument, NULL, O_SORT_BY },
		{ "high-cpu", required_argument, NULL, O_HIGH_CPU },
		{ "high-mem", required_argument, NULL, O_HIGH_MEM },
		{ "max-mem-pct", required_argument, NULL, O_MAX_MEM },
		{ "max-psi", required_argument, NULL, O_MAX_PSI },
		{ "cooldown", required_argument, NULL, O_COOLDOWN },
		{ "any", no_argument, NULL, O_ANY },
		{ "max-line", required_argument, NULL, O_MAX_LINE },
		{ "table", no_argument, NULL, 'v' },
		{ "top", no_argument, NULL, O_TOP },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct policy_opt *po = &o->po;
	int c;

	policy_opt_default(po);
	o->max_line = LINE_MAX_DEFAULT;
	o->table = 0;
	o->top = 0;
	while ((c = cull_getopt(argc, argv, "vh", longopts, usage)) != -1) {
		switch (c) {
		case O_KEEP_HIGH:
			po->keep[CLASS_HIGH] = (int)cull_opt_ll("--keep-high", optarg, 0, 1000000);
			break;
		case O_KEEP_LOW:
			po->keep[CLASS_LOW] = (int)cull_opt_ll("--keep-low", optarg, 0, 1000000);
			break;
		case O_SORT_BY:
			po->sort_by = cull_opt_word("--sort-by", optarg, snap_key_name);
			break;
		case O_HIGH_CPU:
			po->high_cpu = cull_opt_double("--high-cpu", optarg, 0, 1e9);
			break;
		case O_HIGH_MEM:
			po->high_mem = cull_opt_double("--high-mem", optarg, 0, 100);
			break;
		case O_MAX_MEM:
			po->max_mem_pct = cull_opt_double("--max-mem-pct", optarg, 0, 100);
			break;
		case O_MAX_PSI:
			po->max_psi = cull_opt_double("--max-psi", optarg, 0, 100);
			break;
		case O_COOLDOWN:
			po->cooldown = cull_opt_double("--cooldown", optarg, 0, 1e9);
			break;
		case O_ANY:
			po->any = 1;
			break;
		case O_MAX_LINE:
			o->max_line = (size_t)cull_opt_ll("--max-line", optarg, 1024, (long long)1 << 30);
			break;
		case 'v':
			o->table = 1;
			break;
		case O_TOP:
			o->table = o->top = 1;
			break;
		case 'V':
			cull_version_exit();
		case 'h':
			fputs(usage, stdout);
			fputs(help, stdout);
			exit(CULL_EXIT_OK);
		}
	}
	cull_opt_no_operands(argc, argv, optind, usage);
}

/* The ranker's working state across lines: the parser, the writer, the last
 * snapshot and verdict (their storage is reused), the cooldowns, and with
 * -v the stream the tables are drawn into before they go to stderr whole. */
struct ranker {
	const struct opts *o;
	struct jv v;
	struct jw w;
	struct snap s;
	struct cooldown cd;
	struct verdict vd;
	FILE *tf;
	char *tbuf;
	size_t tlen;
	struct out_top top;	/* --top */
};

/* A snapshot read into rk->s: the policy, its lines, the table. */
static void
rank(struct ranker *rk)
{
	policy_run(&rk->s, &rk->o->po, &rk->cd, &rk->vd);
	out_lines(&rk->w, &rk->s, &rk->o->po, &rk->vd);
	put(rk->w.buf, rk->w.len);
	jw_reset(&rk->w);
	if (rk->tf) {
		rewind(rk->tf);
		if (rk->o->top) {
			rk->top.key = (int)((rk->o->po.sort_by + next_order) % KEY_N);
			out_top_note(&rk->top, &rk->s, &rk->vd);
			out_top(rk->tf, &rk->s, &rk->vd, &rk->top);
		} else {
			out_tables(rk->tf, &rk->s, &rk->vd);
		}
		fflush(rk->tf);
		fwrite(rk->tbuf, 1, rk->tlen, stderr);
	}
}

/* One input line: a snapshot is ranked, anything else copied through. The
 * reader's snapshots take the fast path (fast.c); the rest, and whatever
 * is wrong, json-c's. */
static void
one_line(struct ranker *rk, char *line, size_t n, unsigned long lineno)
{
	json_object *o;
	const char *type;

	if (snap_fast(&rk->s, line, n) == 0) {
		rank(rk);
		return;
	}
	o = jv_parse(&rk->v, line, n);
	if (!o || jv_str(&rk->v, o, "type", JV_REQ, &type, NULL)) {
		cull_warn("line %lu: %s", lineno, rk->v.err);
		json_object_put(o);
		return;
	}
	if (strcmp(type, "snapshot") != 0) {
		put(line, n);
		put("\n", 1);
	} else if (snap_parse(&rk->s, &rk->v, o)) {
		cull_warn("line %lu: %s", lineno, rk->v.err);
	} else {
		rank(rk);
	}
	json_object_put(o);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct ranker rk = { .o = &o };
	struct cull_lines r;

	cull_setprog(argv[0]);
	parse_args(argc, argv, &o);
	cull_stdio_setup();
	/* fully buffered: wait_input() flushes before every read that may wait */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	catch_signals();
	if (o.table && !(rk.tf = open_memstream(&rk.tbuf, &rk.tlen)))
		cull_die(CULL_EXIT_FAIL, "fatal: out of memory");
	jv_init(&rk.v);
	cull_lines_init(&r, STDIN_FILENO, o.max_line);

	while (!stop_signal) {
		char *line;
		ssize_t n;

		if (!wait_input(&r))
			continue;
		n = cull_lines_next(&r, &line);
		if (n == CULL_LINE_EOF)
			break;
		if (n == CULL_LINE_INTR)
			continue;
		if (n == CULL_LINE_ERR)
			cull_die(CULL_EXIT_FAIL, "fatal: cannot read stdin:");
		if (n == CULL_LINE_TOOLONG)
			cull_warn("line %lu: longer than %zu bytes, skipped", r.lineno, o.max_line);
		else
			one_line(&rk, line, (size_t)n, r.lineno);
	}

	if (stop_signal)
		cull_warn("%s: stopping after line %lu", strsignal(stop_signal), r.lineno);
	cull_stdout_close();
	if (rk.tf)
		fclose(rk.tf);
	free(rk.tbuf);
	jw_free(&rk.w);
	jv_fini(&rk.v);
	snap_free(&rk.s);
	verdict_free(&rk.vd);
	cooldown_free(&rk.cd);
	cull_lines_free(&r);
	return CULL_EXIT_OK;
}
