/*
 * cull-logger - the pipeline's memory and its pictures.
 *
 *   cull-logger [--log FILE] [--fifo PATH] [--plots DIR] [--plot-every S]
 *               [--sync-every S] [--quiet]
 *   cull-logger plot --log FILE --out DIR
 *   cull-logger http --log FILE [--max-body BYTES] [--head-timeout S] [--timeout S]
 *                    [--graph-timeout S]
 *   cull-logger serve [--listen ADDR:PORT] --log FILE [--max-body BYTES] [--head-timeout S]
 *                     [--timeout S] [--graph-timeout S] [--max-clients N] [--backlog N]
 *   cull-logger forward --log FILE --url URL [--host NAME] [--quiet]
 *
 * Input: JSON lines on stdin or a FIFO; every JSON object with "type" (a
 * string) and "ts" (a number) is appended to the log (stdout without --log),
 * anything else is reported as "cull-logger: line N: ..." and counted.
 * The log: see logfile.h. Graphs: see plot.h. HTTP: one request on
 * stdin/stdout (http), run per connection by socat (serve).
 * This file: the options, checked once for all four programs (logger.h).
 *
 * Exit: 0 done (EOF, SIGINT, SIGTERM), 1 runtime failure (the log cannot be
 * written: full disk, I/O error), 2 usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "logger.h"
#include "opt.h"
#include "version.h"

static const char usage[] =
	"usage: cull-logger [--log FILE] [--fifo PATH] [--plots DIR] [--plot-every S]\n"
	"                   [--sync-every S] [--quiet]\n"
	"       cull-logger plot --log FILE --out DIR\n"
	"       cull-logger http --log FILE [--max-body BYTES] [--head-timeout S] [--timeout S]\n"
	"                        [--graph-timeout S]\n"
	"       cull-logger serve [--listen ADDR:PORT] --log FILE [--max-body BYTES]\n"
	"                         [--head-timeout S] [--timeout S] [--graph-timeout S]\n"
	"                         [--max-clients N] [--backlog N]\n"
	"       cull-logger forward --log FILE --url URL [--host NAME] [--quiet]\n";

static const char help[] =
	"\n"
	"Append every JSON line with \"type\" and \"ts\" to a durable NDJSON log; draw\n"
	"ram_usage.png and vsz_rss.png with gnuplot; take and serve logs over HTTP.\n"
	"\n"
	"  --log FILE        the log (appended, O_APPEND + flock; default: stdout)\n"
	"  --fifo PATH       read from this FIFO (made if missing, reopened when its\n"
	"                    writers go) instead of stdin\n"
	"  --plots DIR       draw the graphs into DIR on exit (needs --log)\n"
	"  --plot-every S    and every S seconds while running\n"
	"  --sync-every S    fdatasync the log within a second of a kill, killed or\n"
	"                    any other line, but only every S seconds (60) while\n"
	"                    only mem, rank and snapshot lines come\n"
	"  --quiet           no human line per mem and killed record on stderr\n"
	"  --out DIR         (plot) where to draw the graphs\n"
	"  --max-body BYTES  (http, serve) largest POST body, default 1048576\n"
	"  --head-timeout S  (http, serve) the request head must come within S\n"
	"                    seconds of the connection (2)\n"
	"  --timeout S       (http, serve) and the body within S seconds after it;\n"
	"                    the answer must be sent within S seconds too (10)\n"
	"  --graph-timeout S (http, serve) a graph must be drawn within S seconds,\n"
	"                    or gnuplot is killed and the answer is 503 (30)\n"
	"  --listen A:P      (serve) address to listen on, default 127.0.0.1:8000;\n"
	"                    port 0 picks a free one\n"
	"  --max-clients N   (serve) connections handled at once (64); more wait\n"
	"                    in the listen queue\n"
	"  --backlog N       (serve) that queue's length (128)\n"
	"  --url URL         (forward) a central logger's /logs: new lines of --log\n"
	"                    go there in batches, resent until taken\n"
	"  --host NAME       (forward) this host's name in the central log (default:\n"
	"                    the hostname)\n"
	"\n"
	"HTTP: POST /logs[?host=NAME] (object, array or NDJSON), GET /logs?tail=N,\n"
	"GET /graph, GET /scatter_vsz_rss, GET /healthz.\n"
	"\n"
	"Exit status: 0 done (end of input, SIGINT, SIGTERM, SIGHUP), 1 runtime failure\n"
	"(full disk, I/O error), 2 usage error.\n";

static void
usage_exit(void)
{
	fputs(usage, stderr);
	exit(CULL_EXIT_USAGE);
}

static void
help_exit(void)
{
	fputs(usage, stdout);
	fputs(help, stdout);
	exit(CULL_EXIT_OK);
}

enum {
	O_LOG = 1, O_FIFO, O_PLOTS, O_PLOT_EVERY, O_QUIET, O_OUT, O_MAX_BODY, O_TIMEOUT,
	O_LISTEN, O_HEAD_TIMEOUT, O_GRAPH_TIMEOUT, O_MAX_CLIENTS, O_BACKLOG, O_URL, O_HOST,
	O_SYNC_EVERY, O_HELP, O_VERSION,
};

static const struct option longopts[] = {
	{ "log", required_argument, NULL, O_LOG },
	{ "fifo", required_argument, NULL, O_FIFO },
	{ "plots", required_argument, NULL, O_PLOTS },
	{ "plot-every", required_argument, NULL, O_PLOT_EVERY },
	{ "sync-every", required_argument, NULL, O_SYNC_EVERY },
	{ "quiet", no_argument, NULL, O_QUIET },
	{ "out", required_argument, NULL, O_OUT },
	{ "max-body", required_argument, NULL, O_MAX_BODY },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "listen", required_argument, NULL, O_LISTEN },
	{ "head-timeout", required_argument, NULL, O_HEAD_TIMEOUT },
	{ "graph-timeout", required_argument, NULL, O_GRAPH_TIMEOUT },
	{ "max-clients", required_argument, NULL, O_MAX_CLIENTS },
	{ "backlog", required_argument, NULL, O_BACKLOG },
	{ "url", required_argument, NULL, O_URL },
	{ "host", required_argument, NULL, O_HOST },
	{ "help", no_argument, NULL, O_HELP },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* The long name of option code c. */
static const char *
opt_name(int c)
{
	const struct option *lo = longopts;

	while (lo->name && lo->val != c)
		lo++;
	return lo->name;
}

/* Parse the options a subcommand allows (a string of O_* codes). */
static void
parse_opts(int argc, char **argv, const char *allowed, struct logger_opts *o)
{
	int c;

	memset(o, 0, sizeof *o);
	o->max_body = 1 << 20;
	o->sync_every = 60;
	o->head_timeout = 2;
	o->timeout = 10;
	o->graph_timeout = 30;
	o->listen = "127.0.0.1:8000";
	o->max_clients = 64;
	o->backlog = 128;
	while ((c = cull_getopt(argc, argv, "", longopts, usage)) != -1) {
		if (c == O_HELP)
			help_exit();
		if (c == O_VERSION)
			cull_version_exit();
		if (!strchr(allowed, c)) {
			cull_warn("option --%s does not apply here", opt_name(c));
			usage_exit();
		}
		switch (c) {
		case O_LOG: o->log = optarg; break;
		case O_FIFO: o->fifo = optarg; break;
		case O_PLOTS: o->plots = optarg; break;
		case O_PLOT_EVERY:
			o->plot_every = cull_opt_double("--plot-every", optarg, 0.1, 86400);
			break;
		case O_SYNC_EVERY:
			o->sync_every = cull_opt_double("--sync-every", optarg, 1, 86400);
			break;
		case O_QUIET: o->quiet = 1; break;
		case O_OUT: o->out = optarg; break;
		case O_MAX_BODY:
			o->max_body = cull_opt_ll("--max-body", optarg, 1, 1LL << 30);
			break;
		case O_TIMEOUT:
			o->timeout = cull_opt_double("--timeout", optarg, 0.1, 3600);
			break;
		case O_LISTEN: o->listen = optarg; break;
		case O_HEAD_TIMEOUT:
			o->head_timeout = cull_opt_double("--head-timeout", optarg, 0.1, 3600);
			break;
		case O_GRAPH_TIMEOUT:
			o->graph_timeout = cull_opt_double("--graph-timeout", optarg, 0.1, 3600);
			break;
		case O_MAX_CLIENTS:
			o->max_clients = cull_opt_ll("--max-clients", optarg, 1, 4096);
			break;
		case O_BACKLOG:
			o->backlog = cull_opt_ll("--backlog", optarg, 1, 65535);
			break;
		case O_URL: o->url = optarg; break;
		case O_HOST:
			if (!logger_host_ok(optarg))
				cull_die(CULL_EXIT_USAGE, "--host: \"%s\" is not 1 to 64 of A-Z a-z 0-9 . _ -",
					 optarg);
			o->host = optarg;
			break;
		}
	}
	cull_opt_no_operands(argc, argv, optind, usage);
	if (o->log && !*o->log)
		cull_die(CULL_EXIT_USAGE, "--log: the path is empty");
}

int
main(int argc, char **argv)
{
	const struct {
		const char *name;	/* argv[1]; NULL: the intake (no subcommand) */
		const char *allowed;	/* the O_* codes it takes */
		int (*run)(const struct logger_opts *o);
	} cmds[] = {
		{ "plot", (const char[]){ O_LOG, O_OUT, 0 }, plot_main },
		{ "http", (const char[]){ O_LOG, O_MAX_BODY, O_HEAD_TIMEOUT, O_TIMEOUT,
					  O_GRAPH_TIMEOUT, 0 }, handler_main },
		{ "serve", (const char[]){ O_LOG, O_MAX_BODY, O_HEAD_TIMEOUT, O_TIMEOUT, O_LISTEN,
					   O_GRAPH_TIMEOUT, O_MAX_CLIENTS, O_BACKLOG, 0 }, serve_main },
		{ "forward", (const char[]){ O_LOG, O_URL, O_HOST, O_QUIET, 0 }, forward_main },
		{ NULL, (const char[]){ O_LOG, O_FIFO, O_PLOTS, O_PLOT_EVERY, O_SYNC_EVERY, O_QUIET, 0 }, intake_main },
	};
	struct logger_opts o;
	size_t i = 0;

	cull_setprog(argv[0]);
	while (cmds[i].name && !(argc > 1 && !strcmp(argv[1], cmds[i].name)))
		i++;
	if (cmds[i].name) {
		argc--;
		argv++;
	}
	parse_opts(argc, argv, cmds[i].allowed, &o);
	return cmds[i].run(&o);
}
