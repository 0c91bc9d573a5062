/*
 * reaper.h - the parts of cull-reaper around the kill itself, kept apart
 * from main.c (options and the loop) so the unit tests
 * (tests/unit/reaper-*.c) can drive them:
 *
 *   request.c  a "kill" line -> struct kill_req (what to kill, figures to copy)
 *   target.c   GET /containers/{id}/json -> struct target; the policy check
 *   self.c     the container this process runs in (/proc/self/cgroup, mountinfo)
 *   spawn.c    --exec: run a command with container data in its environment
 *              only, and the queue of those commands (struct execq)
 *   logq.c     --log-url: a bounded queue of lines to POST, drops counted, and
 *              its sender (struct logpump)
 *   input.c    stdin: kill lines to the jobs (kill.h), the others to stdout
 *
 * kill.h holds the kill itself: kill.c (one line's state machine, no I/O)
 * and jobs.c (the lines in flight on libcurl). Each part owns the state it
 * changes (struct execq, logpump, input, jobs); the settings reach them read
 * only (struct kill_conf, struct policy).
 */
#ifndef CULL_REAPER_H
#define CULL_REAPER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "jv.h"
#include "lines.h"
#include "mem.h"

#define REAPER_REF_MAX 128	/* longest id or name accepted in a kill line */

/* One kill line:
 * {"type":"kill","ts":…,"seq":7,"id":"<64 hex>","name":"…","class":"high",
 *  "reason":"…","rss_kb":…,"vsz_kb":…,"mem_pct":…,"cpu_pct":…} */
struct kill_req {
	char ref[REAPER_REF_MAX + 1];	/* "id": what the engine is asked about */
	char *name;		/* "name" from the line, NULL if absent */
	char *class;		/* "class", NULL if absent */
	char *reason;		/* "reason": why the ranker sentenced it, NULL if absent */
	int has_seq;
	int64_t seq;
	/* figures copied into the killed line as they were written (validated
	 * numbers >= 0), NULL if absent */
	char *rss_kb, *vsz_kb, *mem_pct, *cpu_pct;
};

/* Fill k from a parsed kill line. 0, or -1 with v->err set (k is then
 * empty). */
int kill_req_parse(struct jv *v, json_object *o, struct kill_req *k);
void kill_req_free(struct kill_req *k);

/* A container reference fit for a URL path and for the engine: 1 to
 * REAPER_REF_MAX characters of [A-Za-z0-9_.-], starting with a letter or
 * digit (the docker name rule; ids are hex). */
int reaper_ref_ok(const char *s);

/* --signal: "KILL", "SIGKILL", "kill" or "9" -> "SIGKILL" (numbers stay
 * numbers). Returns 0, or -1 for an unknown signal. */
int reaper_signal(const char *s, char *out, size_t outlen);

/* What the engine says about a container. */
struct target {
	char id[65];		/* full id, lower case */
	char name[256];		/* without the leading '/' */
	int managed;		/* Config.Labels["cull.managed"] == "true" */
	int running;		/* State.Running */
	char upper[1024];	/* GraphDriver.Data.UpperDir, "" if none or longer */
};

/* Parse the body of GET /containers/{id}/json. 0, or -1 with err set. */
int target_parse(const char *body, struct target *t, char *err, size_t errlen);
/* The same through json-c's tree alone (what target_parse falls back to;
 * the tests compare the two). */
int target_parse_jsonc(const char *body, struct target *t, char *err, size_t errlen);
/* Its fast path (target.c): 1 decided (0, or -1 with err set, in *rc), 0
 * left to json-c. */
int target_fast(const char *body, struct target *t, char *err, size_t errlen, int *rc);

struct policy {
	int any;		/* --any: the label is not required */
	char **protect;		/* --protect NAME (a name, a full id or an id prefix) */
	int nprotect;
	/* the container the reaper runs in (self.c) */
	char self[65];		/* its id, "" when not known for sure */
	char guess[65];		/* an id only the bind mounts of /etc/hostname,
				 * hosts, resolv.conf name, "" if none: under
				 * --network container:X they are X's */
	char upper[1024];	/* the overlay upperdir of its "/", "" if none */
};

/* NULL when t may be killed for a line that asked for ref, else why not. */
const char *target_refuse(const struct target *t, const char *ref, const struct policy *p);

/* The container id in the text of /proc/self/cgroup (any path lib/cgid.h
 * knows: "/docker/<id>", "docker-<id>.scope", podman, containerd, CRI-O,
 * kubepods; the last line that names one) or of
 * /proc/self/mountinfo (docker's bind mounts of /etc/hostname, /etc/hosts,
 * /etc/resolv.conf from .../containers/<id>/, the last one mounted). 0 with
 * out set, -1 if none. */
int self_from_cgroup(const char *text, char out[65]);
int self_from_mountinfo(const char *text, char out[65]);
/* The overlay upperdir of the last mount on "/" in a mountinfo text,
 * unescaped. 0, or -1 when "/" is not an overlay (the host, another
 * storage driver) or the path does not fit. */
int self_upperdir(const char *mountinfo, char *out, size_t outlen);

/* How the reaper knows its own container, strongest first. */
enum self_how {
	SELF_NONE,	/* no evidence: the host, as far as it can tell */
	SELF_CGROUP,	/* the cgroup path names it: p->self */
	SELF_UPPER,	/* only its root's upperdir, to compare with each
			 * target's (and with the engine's list: self_resolve) */
	SELF_GUESS,	/* only the bind mounts: p->guess, unverifiable */
};
/* The evidence in the texts of /proc/self/cgroup and /proc/self/mountinfo
 * into p->self, p->guess, p->upper. Pure: the unit tests drive it. */
enum self_how self_decide(const char *cgroup, const char *mountinfo, struct policy *p);
/* The same, read from proc_root ("/proc"). */
enum self_how self_detect(const char *proc_root, struct policy *p);
/* With only an upperdir to go by, ask the engine which container has it
 * (the guess first, then every running one): 0 with p->self set, or -1
 * (the engine did not answer, or none matches). A guess whose upperdir
 * differs is dropped: it is another container's files. */
struct docker;
int self_resolve(struct docker *d, struct policy *p);
/* Say once, at start, when it cannot tell which container it runs in. */
void self_warn(enum self_how how, const struct policy *p, const struct docker *d);

/* --exec: start "/bin/sh -c cmd" with the CULL_* variables added to the
 * environment (values are never part of the command text), stdin from
 * /dev/null, stdout to our stderr (our stdout is the data channel), no other
 * descriptors. Returns the pid, or -1 with errno set. */
pid_t spawn_exec(const char *cmd, const char *const *vars);

/* --exec CMD after each kill: the queue of commands to start. */
#define EXECQ_RUNNING_MAX 8	/* commands at once */
#define EXECQ_PENDING_MAX 256	/* commands waiting for a slot */
#define EXECQ_VARS 6		/* CULL_ID ... CULL_VSZ_KB and a NULL */
struct execq {
	const char *cmd;	/* --exec CMD, NULL: nothing to run */
	int running;		/* started, not reaped yet */
	char *q[EXECQ_PENDING_MAX][EXECQ_VARS];	/* a ring of environments */
	int head, pending;
	unsigned long dropped;	/* refused because the ring was full */
};
void execq_init(struct execq *q, const char *cmd);
/* Run CMD for the container t, killed for the line r (nothing without
 * --exec). */
void execq_add(struct execq *q, const struct target *t, const struct kill_req *r);
/* Collect the commands that ended (SIGCHLD), start those waiting. */
void execq_reap(struct execq *q);
int execq_idle(const struct execq *q);
/* Say what did not run, free what waits. */
void execq_fini(struct execq *q);

/* --log-url: lines waiting to be POSTed, bounded in lines and bytes. */
struct logq {
	struct cull_linebuf b;	/* the lines, b.count of them */
	size_t max_lines, max_bytes;
	unsigned long dropped;	/* lines refused because the queue was full */
};

void logq_init(struct logq *q, size_t max_lines, size_t max_bytes);
/* Append line (with its '\n'); 0, or -1 when full (counted as dropped). */
int logq_push(struct logq *q, const char *line, size_t len);
/* Hand the whole queue over (the caller frees *buf); the queue is empty. */
size_t logq_take(struct logq *q, char **buf, size_t *lines);
void logq_free(struct logq *q);

/* --log-url URL: the queue and its sender. */
#define LOGPUMP_LINES 1024	/* queue bound in lines */
#define LOGPUMP_BYTES ((size_t)4 << 20)	/* ... and in bytes */
struct logpump {
	const char *url;	/* --log-url, NULL: nothing is sent */
	CURLM *multi;		/* the loop's, where the POST runs */
	struct logq q;		/* lines not sent yet */
	CURL *h;
	int busy;		/* a POST is in flight */
	char *body;		/* its body ... */
	size_t lines;		/* ... of this many lines */
	unsigned long sent, failed;	/* lines the logger took, lines lost with it */
	int failing;		/* the last POST failed (said once) */
	char err[CURL_ERROR_SIZE];
};
void logpump_init(struct logpump *p, const char *url, CURLM *multi);
void logpump_push(struct logpump *p, const char *line, size_t len);
/* POST what is queued, unless a POST is in flight. */
void logpump_send(struct logpump *p);
/* The POST ended (its handle is p->h). */
void logpump_done(struct logpump *p, CURLcode rc);
/* Lines dropped or lost so far (a killed line's "log_lost"). */
unsigned long logpump_lost(const struct logpump *p);
int logpump_idle(const struct logpump *p);
/* Say what was lost, free it all. */
void logpump_fini(struct logpump *p);

/* input.c - stdin, read without blocking when it is a pipe. */
struct jobs;
struct input {
	struct cull_lines lines;
	struct jv jv;
	int eof, failed;	/* end of input; it ended with an error */
	int flags, nonblock;	/* its flags before O_NONBLOCK; whether set */
};
void input_open(struct input *in);
/* Read the lines there are, until *stop or the queue of jobs is full: kill
 * lines to js, other lines to stdout. 0, or -1 when stdout failed. */
int input_read(struct input *in, struct jobs *js, const volatile sig_atomic_t *stop);
/* stdin's flags as they were (before any exit). */
void input_restore(const struct input *in);
void input_close(struct input *in);

#endif
