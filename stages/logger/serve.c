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

int
serve_main(const struct logger_opts *o)
{
	char self[PATH_MAX], logabs[PATH_MAX], cwd[PATH_MAX], host[64], exec_arg[3 * PATH_MAX];
	char listen_arg[200], to[32], hto[32], gto[32];
	const char *colon, *socat = getenv("CULL_SOCAT"), *prog, *log_arg;
	long long port;
	ssize_t n;
	int v6 = 0, loopback;

	if (!o->log)
		cull_die(CULL_EXIT_USAGE, "serve needs --log FILE");
	colon = strrchr(o->listen, ':');
	if (!colon || colon == o->listen || (size_t)(colon - o->listen) >= sizeof host)
		cull_die(CULL_EXIT_USAGE, "--listen: \"%s\" is not ADDR:PORT", o->listen);
	memcpy(host, o->listen, (size_t)(colon - o->listen));
	host[colon - o->listen] = '\0';
	port = cull_opt_ll("--listen port", colon + 1, 0, 65535);
	{
		struct in_addr a4;
		struct in6_addr a6;
		size_t hl = strlen(host);

		if (host[0] == '[' && host[hl - 1] == ']') {
			memmove(host, host + 1, hl - 2);
			host[hl - 2] = '\0';
			v6 = 1;
			if (inet_pton(AF_INET6, host, &a6) != 1)
				cull_die(CULL_EXIT_USAGE, "--listen: \"%s\" is not an IPv6 address", host);
			loopback = IN6_IS_ADDR_LOOPBACK(&a6);
		} else if (inet_pton(AF_INET, host, &a4) == 1) {
			loopback = (ntohl(a4.s_addr) >> 24) == 127;
		} else {
			cull_die(CULL_EXIT_USAGE, "--listen: \"%s\" is not an IPv4 address or [IPv6]",
				 host);
		}
	}
	if (port == 0) {
		/* a free port, found by the kernel; socat binds it right after */
		struct sockaddr_storage ss = { 0 };
		socklen_t sl = sizeof ss;
		int s = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (v6) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
			a->sin6_family = AF_INET6;
			inet_pton(AF_INET6, host, &a->sin6_addr);
		} else {
			struct sockaddr_in *a = (struct sockaddr_in *)&ss;
			a->sin_family = AF_INET;
			inet_pton(AF_INET, host, &a->sin_addr);
		}
		if (s < 0 || bind(s, (struct sockaddr *)&ss, v6 ? sizeof(struct sockaddr_in6) :
				  sizeof(struct sockaddr_in)) < 0 ||
		    getsockname(s, (struct sockaddr *)&ss, &sl) < 0)
			cull_die(CULL_EXIT_FAIL, "fatal: cannot find a free port on %s:", host);
		port = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
			       ((struct sockaddr_in *)&ss)->sin_port);
		close(s);
	}
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		cull_die(CULL_EXIT_FAIL, "fatal: cannot find my own program:");
	self[n] = '\0';
	if (o->log[0] == '/') {
		snprintf(logabs, sizeof logabs, "%s", o->log);
	} else {
		if (!getcwd(cwd, sizeof cwd))
			cull_die(CULL_EXIT_FAIL, "fatal: getcwd:");
		if (snprintf(logabs, sizeof logabs, "%s/%s", cwd, o->log) >= (int)sizeof logabs)
			cull_die(CULL_EXIT_USAGE, "--log: path too long");
	}
	/* socat's EXEC splits on spaces and has no quoting: a path it would
	 * misread goes another way. The program: by name, found through PATH
	 * with its own directory first; the log: in the environment. */
	prog = self;
	if (!socat_safe(self)) {
		char *slash = strrchr(self, '/');
		const char *path = getenv("PATH");
		char *newpath;
		size_t need;

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
		prog = slash + 1;
	}
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
	snprintf(exec_arg, sizeof exec_arg,
		 "EXEC:%s http --log %s --max-body %lld --head-timeout %s --timeout %s "
		 "--graph-timeout %s,nofork", prog, log_arg, o->max_body, hto, to, gto);
	/* backlog: socat's default listen queue of 5 overflows at 8-32
	 * clients and each overflow costs the client a SYN retry (1-4 s) */
	snprintf(listen_arg, sizeof listen_arg,
		 v6 ? "TCP6-LISTEN:%lld,bind=[%s],reuseaddr,fork,max-children=%lld,backlog=%lld" :
		      "TCP4-LISTEN:%lld,bind=%s,reuseaddr,fork,max-children=%lld,backlog=%lld",
		 port, host, o->max_clients, o->backlog);
	if (!loopback)
		cull_warn("warning: listening on %s, not a loopback address: anyone who can reach "
			  "it can write the log", host);
	cull_warn("serving http://%s%s%s:%lld/ (log %s)", v6 ? "[" : "", host, v6 ? "]" : "",
		  port, logabs);
	if (!socat || !*socat)
		socat = "socat";
	execlp(socat, socat, listen_arg, exec_arg, (char *)NULL);
	cull_die(CULL_EXIT_FAIL, "fatal: cannot run %s (is socat installed?):", socat);
}
