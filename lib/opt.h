/*
 * opt.h - strict option values. Each parser accepts the whole string or
 * nothing: "10x", "", " 5", out-of-range and NaN are usage errors, reported as
 *   cull-reader: --interval: "0" is out of range (0.01 to 86400)
 * and the program exits 2.
 */
#ifndef CULL_OPT_H
#define CULL_OPT_H

long long cull_opt_ll(const char *opt, const char *s, long long min, long long max);
double cull_opt_double(const char *opt, const char *s, double min, double max);
/* One of a NULL-terminated list of words; returns its index. */
int cull_opt_word(const char *opt, const char *s, const char *const *words);
/*
 * getopt_long (shortopts without a leading ':') with one face for a mistake,
 * the same in every program:
 *   cull-ranker: unknown option --bogus
 *   cull-ranker: option --interval needs a value
 *   cull-ranker: option --quiet takes no value
 * then usage on stderr and exit 2. Returns what getopt_long returns otherwise.
 */
struct option;
int cull_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
		const char *usage);
/* Complain about arguments left after the options and exit 2. */
void cull_opt_no_operands(int argc, char **argv, int optind, const char *usage);

#endif
