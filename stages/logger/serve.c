/*
 * serve.c - cull-logger serve: check --listen, then exec socat listening
 * there, which runs "cull-logger http" (handler.c) once per connection with
 * the connection as its stdin and stdout.
 *
 *	cull-logger: serving http://127.0.0.1:8000/ (log /var/log/cull.log)
 *
 * Exit: only when it cannot start: 1 socat cannot be run (or no free port,
 * no path to myself), 2 usage (a bad --listen).
 */
#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "logger.h"
#include "opt.h"

/* socat reads its EXEC address with its own syntax (':' ',' '!!' quotes,
 * brackets, and spaces split the command): only plain path characters go in. */
static int
socat_safe(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("/._+-@%=~", *s)))
			return 0;
	return 1;
}

/* Where --listen says: the host (brackets taken off an IPv6 address) into
 * l->host, its port, whether it is IPv6 and a loopback address. */
struct listen {
	char host[64];
	long long port;		/* 0: any free one */
	int v6, loopback;
};

static void
parse_listen(const char *arg, struct listen *l)
{
	const char *colon = strrchr(arg, ':');
	struct in_addr a4;
	struct in6_addr a6;
	size_t hl;

	memset(l, 0, sizeof *l);
	if (!colon || colon == arg || (size_t)(colon - arg) >= sizeof l->host)
		cull_die(CULL_EXIT_USAGE, "--listen: \"%s\" is not ADDR:PORT", arg);
	memcpy(l->host, arg, (size_t)(colon - arg));
	l->host[colon - arg] = '\0';
	l->port = cull_opt_ll("--listen port", colon + 1, 0, 65535);
	hl = strlen(l->host);
	if (l->host[0] == '[' && l->host[hl - 1] == ']') {
		memmove(l->host, l->host + 1, hl - 2);
		l->host[hl - 2] = '\0';
		l->v6 = 1;
		if (inet_pton(AF_INET6, l->host, &a6) != 1)
			cull_die(CULL_EXIT_USAGE, "--listen: \"%s\" is not an IPv6 address", l->host);
		l->loopback = IN6_IS_ADDR_LOOPBACK(&a6);
	} else if (inet_pton(AF_INET, l->host, &a4) == 1) {
		l->loopback = (ntohl(a4.s_addr) >> 24) == 127;
	} else {
		cull_die(CULL_EXIT_USAGE, "--listen: \"%s\" is not an IPv4 address or [IPv6]",
			 l->host);
	}
}

/* A free port on l->host, found by the kernel; socat binds it right after. */
static long long
free_port(const struct listen *l)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl = sizeof ss;
	int s = socket(l->v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	long long port;

	if (l->v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		inet_pton(AF_INET6, l->host, &a->sin6_addr);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		inet_pton(AF_INET, l->host, &a->sin_addr);
	}
	if (s < 0 || bind(s, (struct sockaddr *)&ss, l->v6 ? sizeof(struct sockaddr_in6) :
			  sizeof(struct sockaddr_in)) < 0 ||
	    getsockname(s, (struct sockaddr *)&ss, &sl) < 0)
		cull_die(CULL_EXIT_FAIL, "fatal: cannot find a free port on %s:", l->host);
	port = ntohs(l->v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
			     ((struct sockaddr_in *)&ss)->sin_port);
	close(s);
	return port;
}

/* The log's absolute path into out (the handler runs from socat's cwd). */
static void
absolute_log(const char *log, char out[PATH_MAX])
{
	char cwd[PATH_MAX];

	if (log[0] == '/') {
		snprintf(out, PATH_MAX, "%s", log);
		return;
	}
	if (!getcwd(cwd, sizeof cwd))
		cull_die(CULL_EXIT_FAIL, "fatal: getcwd:");
	if (snprintf(out, PATH_MAX, "%s/%s", cwd, log) >= PATH_MAX)
		cull_die(CULL_EXIT_USAGE, "--log: path too long");
}

/* How socat's EXEC is to name this program (self, from /proc/self/exe):
 * by its path, or when socat would misread that, by its name alone, found
 * through PATH with its own directory put first. */
static const char *
exec_name(char self[PATH_MAX])
{
	char *slash = strrchr(self, '/');
	const char *path = getenv("PATH");
	char *newpath;
	size_t need;

	if (socat_safe(self))
		return self;
	if (!slash || !socat_safe(slash + 1))
		cull_die(CULL_EXIT_FAIL, "fatal: my name \"%s\" has characters socat would "
			 "read as syntax; install me under a plain name", slash ? slash + 1 : self);
	*slash = '\0';
	need = strlen(self) + strlen(path ? path : "") + 2;
	newpath = malloc(need);
	if (!newpath)
		cull_die(CULL_EXIT_FAIL, "fatal: out of memory");
	snprintf(newpath, need, "%s%s%s", self, path && *path ? ":" : "", path ? path : "");
	setenv("PATH", newpath, 1);
	free(newpath);
	return slash + 1;
}

/* socat's EXEC address into out: the handler with our options, run in
 * place; the log's absolute path into logabs. */
static void
exec_address(const struct logger_opts *o, char logabs[PATH_MAX], char *out, size_t size)
{
	char self[PATH_MAX], to[32], hto[32], gto[32];
	const char *prog, *log_arg;
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

	if (n <= 0)
		cull_die(CULL_EXIT_FAIL, "fatal: cannot find my own program:");
	self[n] = '\0';
	absolute_log(o->log, logabs);
	/* socat's EXEC splits on spaces and has no quoting: a path it would
	 * misread goes another way. The program: by name, found through PATH
	 * with its own directory first; the log: in the environment. */
	prog = exec_name(self);
	log_arg = logabs;
	if (!socat_safe(logabs)) {
		setenv("CULL_LOGGER_LOG", logabs, 1);
		log_arg = "-";
	}
	snprintf(to, sizeof to, "%g", o->timeout);
	snprintf(hto, sizeof hto, "%g", o->head_timeout);
	snprintf(gto, sizeof gto, "%g", o->graph_timeout);
	/* nofork: socat's per-connection child execs the handler in place, its
	 * stdin and stdout the TCP socket itself: no relay process, no copies
	 * (it more than doubled the request rate) */
	snprintf(out, size,
		 "EXEC:%s http --log %s --max-body %lld --head-timeout %s --timeout %s "
		 "--graph-timeout %s,nofork", prog, log_arg, o->max_body, hto, to, gto);
}

int
serve_main(const struct logger_opts *o)
{
	char logabs[PATH_MAX], exec_arg[3 * PATH_MAX], listen_arg[200];
	const char *socat = getenv("CULL_SOCAT");
	struct listen l;

	if (!o->log)
		cull_die(CULL_EXIT_USAGE, "serve needs --log FILE");
	parse_listen(o->listen, &l);
	if (l.port == 0)
		l.port = free_port(&l);
	exec_address(o, logabs, exec_arg, sizeof exec_arg);
	/* backlog: socat's default listen queue of 5 overflows at 8-32
	 * clients and each overflow costs the client a SYN retry (1-4 s) */
	snprintf(listen_arg, sizeof listen_arg,
		 l.v6 ? "TCP6-LISTEN:%lld,bind=[%s],reuseaddr,fork,max-children=%lld,backlog=%lld" :
			"TCP4-LISTEN:%lld,bind=%s,reuseaddr,fork,max-children=%lld,backlog=%lld",
		 l.port, l.host, o->max_clients, o->backlog);
	if (!l.loopback)
		cull_warn("warning: listening on %s, not a loopback address: anyone who can reach "
			  "it can write the log", l.host);
	cull_warn("serving http://%s%s%s:%lld/ (log %s)", l.v6 ? "[" : "", l.host,
		  l.v6 ? "]" : "", l.port, logabs);
	if (!socat || !*socat)
		socat = "socat";
	execlp(socat, socat, listen_arg, exec_arg, (char *)NULL);
	cull_die(CULL_EXIT_FAIL, "fatal: cannot run %s (is socat installed?):", socat);
}
