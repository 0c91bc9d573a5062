/*
 * spawn.c - --exec CMD after a kill, without a shell ever seeing container
 * data: CMD is the operator's text, run as "/bin/sh -c CMD"; the container's
 * id, name, class and figures reach it only as environment variables
 * (CULL_ID, CULL_NAME, ...), which the shell expands as data when CMD says
 * "$CULL_NAME". A container named '$(reboot)' stays a string.
 *
 * The environment is built before fork(): after fork() in a process that may
 * have threads (libcurl's resolver) only async-signal-safe calls are allowed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
