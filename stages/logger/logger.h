/*
 * logger.h - the four programs of cull-logger and the options main.c
 * hands each of them, parsed and checked (main.c knows which options each
 * one takes; each checks the ones it needs):
 *
 *   intake_main   JSON lines on stdin or a FIFO -> the log      (intake.c)
 *   plot_main     the log -> ram_usage.png, vsz_rss.png         (plot.c)
 *   handler_main  one HTTP request on stdin/stdout, under socat (handler.c)
 *   serve_main    socat listening, a handler per connection     (serve.c)
 *   forward_main  the log's new lines -> a central logger        (forward.c)
 *
 * Each returns the exit status (0 done, 1 runtime failure) or exits itself
 * (2 usage, 1 fatal) with a message.
 */
#ifndef CULL_LOGGER_H
#define CULL_LOGGER_H

struct logger_opts {
	const char *log;	/* the log file; NULL: stdout */
	const char *fifo;	/* read this FIFO instead of stdin */
	const char *plots;	/* draw graphs here on exit */
	double plot_every;	/* and every so many seconds (0: never) */
	double sync_every;	/* fdatasync a log of mem, rank and snapshot lines only
				 * this often; within a second after any other line */
	int quiet;		/* no human lines */
	const char *out;	/* plot: output directory */
	long long max_body;	/* http: largest POST body */
	double head_timeout;	/* http: seconds from connecting to the end of the head */
	double timeout;		/* http: seconds for the body after the head, and for the answer */
	double graph_timeout;	/* http: seconds to draw a graph (and to wait for another's) */
	const char *listen;	/* serve: ADDR:PORT */
	long long max_clients;	/* serve: socat's max-children */
	long long backlog;	/* serve: the listen queue */
	const char *url;	/* forward: the central logger's /logs */
	const char *host;	/* forward: this host's name; NULL: the hostname */
};

/* A host name as the central log takes it (forward --host, POST
 * /logs?host=): 1 to 64 of A-Z a-z 0-9 . _ - */
int logger_host_ok(const char *s);

int intake_main(const struct logger_opts *o);
int plot_main(const struct logger_opts *o);
int handler_main(const struct logger_opts *o);
int serve_main(const struct logger_opts *o);
int forward_main(const struct logger_opts *o);

#endif
