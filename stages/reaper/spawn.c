/*
 * spawn.c - --exec CMD after a kill, without a shell ever seeing container
 * data: CMD is the operator's text, run as "/bin/sh -c CMD"; the container's
 * id, name, class and figures reach it only as environment variables
 * (CULL_ID, CULL_NAME, ...), which the shell expands as data when CMD says
 * "$CULL_NAME". A container named '$(reboot)' stays a string.
 *
 * The environment is built before fork(): after fork() in a process that may
 * have threads (libcurl's resolver) only async-signal-safe calls are allowed.
 *
 * The queue (struct execq): at most EXECQ_RUNNING_MAX commands at once, up
 * to EXECQ_PENDING_MAX more waiting; beyond that a command is dropped and
 * counted, never a delay for the kills.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "reaper.h"

extern char **environ;

/* vars: "CULL_ID=…" strings, NULL-terminated. Ours replace inherited ones
 * of the same name. */
static char **
build_env(const char *const *vars)
{
	size_t nenv = 0, nvar = 0, i, j, k = 0;
	char **env;

	while (environ && environ[nenv])
		nenv++;
	while (vars[nvar])
		nvar++;
	env = calloc(nenv + nvar + 1, sizeof *env);
	if (!env)
		return NULL;
	for (i = 0; i < nenv; i++) {
		const char *eq = strchr(environ[i], '=');
		int dup = 0;

		for (j = 0; eq && j < nvar; j++)
			if (strncmp(environ[i], vars[j], (size_t)(eq - environ[i]) + 1) == 0)
				dup = 1;
		if (!dup)
			env[k++] = environ[i];
	}
	for (j = 0; j < nvar; j++)
		env[k++] = (char *)vars[j];
	env[k] = NULL;
	return env;
}

pid_t
spawn_exec(const char *cmd, const char *const *vars)
{
	char *argv[] = { "sh", "-c", (char *)cmd, NULL };
	char **env = build_env(vars);
	int devnull, e;
	pid_t pid;

	if (!env)
		return -1;
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0) {
		free(env);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		struct sigaction dfl;

		/* the reaper ignores SIGPIPE; an ignored signal survives execve */
		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		sigaction(SIGPIPE, &dfl, NULL);
		if (dup2(devnull, 0) < 0 || dup2(2, 1) < 0)
			_exit(127);
		/* no curl socket, no pipe end of ours leaks into the command */
		close_range(3U, ~0U, 0);
		execve("/bin/sh", argv, env);
		_exit(127);
	}
	e = errno;
	close(devnull);
	free(env);
	errno = e;
	return pid;
}

/* ---- the queue of commands to run -------------------------------------- */

static char *
var(const char *name, const char *value)
{
	char *s;

	if (asprintf(&s, "%s=%s", name, value ? value : "") < 0)
		cull_die(CULL_EXIT_FAIL, "fatal: out of memory");
	return s;
}

static void
vars_free(char **vars)
{
	int i;

	for (i = 0; vars[i]; i++)
		free(vars[i]);
	memset(vars, 0, EXECQ_VARS * sizeof *vars);
}

void
execq_init(struct execq *q, const char *cmd)
{
	memset(q, 0, sizeof *q);
	q->cmd = cmd;
}

static void
start_pending(struct execq *q)
{
	while (q->pending > 0 && q->running < EXECQ_RUNNING_MAX) {
		char **vars = q->q[q->head];

		if (spawn_exec(q->cmd, (const char *const *)vars) < 0)
			cull_warn("--exec: cannot start /bin/sh:");
		else
			q->running++;
		vars_free(vars);
		q->head = (q->head + 1) % EXECQ_PENDING_MAX;
		q->pending--;
	}
}

void
execq_add(struct execq *q, const struct target *t, const struct kill_req *r)
{
	char **vars;

	if (!q->cmd)
		return;
	if (q->pending == EXECQ_PENDING_MAX) {
		if (q->dropped++ == 0)
			cull_warn("--exec: %d commands already waiting; dropping (counted)",
				  EXECQ_PENDING_MAX);
		return;
	}
	vars = q->q[(q->head + q->pending++) % EXECQ_PENDING_MAX];
	vars[0] = var("CULL_ID", t->id);
	vars[1] = var("CULL_NAME", t->name);
	vars[2] = var("CULL_CLASS", r->class);
	vars[3] = var("CULL_RSS_KB", r->rss_kb);
	vars[4] = var("CULL_VSZ_KB", r->vsz_kb);
	vars[5] = NULL;
	start_pending(q);
}

void
execq_reap(struct execq *q)
{
	int st;
	pid_t pid;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		q->running--;
		if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
			cull_warn("--exec: command (pid %d) exited with status %d", (int)pid,
				  WEXITSTATUS(st));
		else if (WIFSIGNALED(st))
			cull_warn("--exec: command (pid %d) killed by signal %d", (int)pid,
				  WTERMSIG(st));
	}
	start_pending(q);
}

int
execq_idle(const struct execq *q)
{
	return !q->running && !q->pending;
}

void
execq_fini(struct execq *q)
{
	if (q->running || q->pending)
		cull_warn("--exec: %d commands still running, %d not started at exit",
			  q->running, q->pending);
	if (q->dropped)
		cull_warn("--exec: %lu commands dropped (too many waiting)", q->dropped);
	for (; q->pending > 0; q->pending--, q->head = (q->head + 1) % EXECQ_PENDING_MAX)
		vars_free(q->q[q->head]);
}
