/* opt.c - see opt.h */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "opt.h"

long long
cull_opt_ll(const char *opt, const char *s, long long min, long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (!*s || *end || s[0] == ' ' || s[0] == '\t' || s[0] == '+')
		cull_die(CULL_EXIT_USAGE, "%s: \"%s\" is not a whole number", opt, s);
	if (errno == ERANGE || v < min || v > max)
		cull_die(CULL_EXIT_USAGE, "%s: \"%s\" is out of range (%lld to %lld)",
			 opt, s, min, max);
	return v;
}

double
cull_opt_double(const char *opt, const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || s[0] == ' ' || s[0] == '\t' || s[0] == '+' || isnan(v) ||
	    isinf(v) || (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')))
		cull_die(CULL_EXIT_USAGE, "%s: \"%s\" is not a number", opt, s);
	if (errno == ERANGE || v < min || v > max)
		cull_die(CULL_EXIT_USAGE, "%s: \"%s\" is out of range (%g to %g)",
			 opt, s, min, max);
	return v;
}

int
cull_opt_word(const char *opt, const char *s, const char *const *words)
{
	char list[256] = "";
	int i;

	for (i = 0; words[i]; i++)
		if (strcmp(s, words[i]) == 0)
			return i;
	for (i = 0; words[i]; i++) {
		if (i)
			strncat(list, "|", sizeof list - strlen(list) - 1);
		strncat(list, words[i], sizeof list - strlen(list) - 1);
	}
	cull_die(CULL_EXIT_USAGE, "%s: \"%s\" is not one of %s", opt, s, list);
}

void
cull_opt_no_operands(int argc, char **argv, int optind, const char *usage)
{
	if (optind >= argc)
		return;
	cull_warn("unexpected argument \"%s\"", argv[optind]);
	fputs(usage, stderr);
	exit(CULL_EXIT_USAGE);
}

/* The bad option as the user wrote it, up to any "=VALUE". */
static void
bad_option(int c, char **argv, const struct option *lo, const char *usage)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	size_t n = strcspn(arg, "=");
	int i;

	if (strncmp(arg, "--", 2) != 0) {
		cull_warn(c == ':' ? "option -%c needs a value" : "unknown option -%c", optopt);
	} else if (c == ':') {
		cull_warn("option %.*s needs a value", (int)n, arg);
	} else {
		for (i = 0; lo[i].name; i++)
			if (arg[n] && strlen(lo[i].name) == n - 2 &&
			    strncmp(lo[i].name, arg + 2, n - 2) == 0)
				break;
		cull_warn(lo[i].name ? "option %.*s takes no value" : "unknown option %.*s",
			  (int)n, arg);
	}
	fputs(usage, stderr);
	exit(CULL_EXIT_USAGE);
}

int
cull_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
	    const char *usage)
{
	char spec[64];
	int c;

	snprintf(spec, sizeof spec, ":%s", shortopts);
	opterr = 0;
	c = getopt_long(argc, argv, spec, longopts, NULL);
	if (c == '?' || c == ':')
		bad_option(c, argv, longopts, usage);
	return c;
}
