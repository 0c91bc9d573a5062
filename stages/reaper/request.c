/*
 * request.c - a "kill" line into a struct kill_req, and the --signal names.
 *
 *   {"type":"kill","ts":…,"seq":7,"id":"<64 hex>","name":"…","class":"high",
 *    "reason":"…","rss_kb":…,"vsz_kb":…,"mem_pct":…,"cpu_pct":…}
 *
 * Only "id" is required. What is present must have the right type: a line
 * that says "rss_kb":"lots" is a bad line, not a kill with no figures.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "mem.h"
#include "reaper.h"

int
reaper_ref_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > REAPER_REF_MAX || !isalnum((unsigned char)s[0]))
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!(isalnum(c) || c == '_' || c == '.' || c == '-') || c > 0x7f)
			return 0;
	}
	return 1;
}

/* A figure >= 0 copied as written; integral when whole is set. */
static int
figure(struct jv *v, json_object *o, const char *key, int whole, char **out)
{
	json_object *f;
	int r;

	if (whole) {
		int64_t i;

		r = jv_i64(v, o, key, JV_OPT, 0, INT64_MAX, &i);
	} else {
		double d;

		r = jv_dbl(v, o, key, JV_OPT, 0, 1e300, &d);
	}
	if (r)
		return r < 0 ? -1 : 0;
	json_object_object_get_ex(o, key, &f);
	*out = cull_strdup(json_object_to_json_string_ext(f, JSON_C_TO_STRING_PLAIN));
	return 0;
}

int
kill_req_parse(struct jv *v, json_object *o, struct kill_req *k)
{
	const char *s;
	size_t n;
	int r;

	memset(k, 0, sizeof *k);
	jv_where(v, "%s", "");
	if (jv_str(v, o, "id", JV_REQ, &s, &n) < 0)
		return -1;
	if (n != strlen(s) || !reaper_ref_ok(s)) {
		jv_fail(v, "\"id\" is not a container id or name (1 to %d of A-Z a-z 0-9 _ . -)",
			REAPER_REF_MAX);
		return -1;
	}
	memcpy(k->ref, s, n + 1);
	/* a full id in capitals is still that id: ask in docker's own form (a
	 * shorter ref may be a name, which docker keeps as written) */
	if (n == 64 && strspn(s, "0123456789abcdefABCDEF") == 64) {
		size_t i;

		for (i = 0; i < n; i++)
			k->ref[i] = (char)tolower((unsigned char)k->ref[i]);
	}
	if ((r = jv_str(v, o, "name", JV_OPT, &s, NULL)) < 0)
		goto bad;
	if (r == 0)
		k->name = cull_strdup(s);
	if ((r = jv_str(v, o, "class", JV_OPT, &s, NULL)) < 0)
		goto bad;
	if (r == 0)
		k->class = cull_strdup(s);
	if ((r = jv_str(v, o, "reason", JV_OPT, &s, NULL)) < 0)
		goto bad;
	if (r == 0)
		k->reason = cull_strdup(s);
	if ((r = jv_i64(v, o, "seq", JV_OPT, 0, INT64_MAX, &k->seq)) < 0)
		goto bad;
	k->has_seq = r == 0;
	if (figure(v, o, "rss_kb", 1, &k->rss_kb) < 0 ||
	    figure(v, o, "vsz_kb", 1, &k->vsz_kb) < 0 ||
	    figure(v, o, "mem_pct", 0, &k->mem_pct) < 0 ||
	    figure(v, o, "cpu_pct", 0, &k->cpu_pct) < 0)
		goto bad;
	return 0;
bad:
	kill_req_free(k);
	return -1;
}

void
kill_req_free(struct kill_req *k)
{
	free(k->name);
	free(k->class);
	free(k->reason);
	free(k->rss_kb);
	free(k->vsz_kb);
	free(k->mem_pct);
	free(k->cpu_pct);
	memset(k, 0, sizeof *k);
}

static const char *const signames[] = {
	"HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1",
	"SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP",
	"TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH",
	"IO", "PWR", "SYS", NULL
};

int
reaper_signal(const char *s, char *out, size_t outlen)
{
	const char *base = s;
	int i;

	if (*s >= '0' && *s <= '9') {
		char *end;
		long n = strtol(s, &end, 10);

		if (*end || n < 1 || n > 64 || (s[0] == '0'))
			return -1;
		snprintf(out, outlen, "%ld", n);
		return 0;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		base = s + 3;
	for (i = 0; signames[i]; i++)
		if (strcasecmp(base, signames[i]) == 0) {
			snprintf(out, outlen, "SIG%s", signames[i]);
			return 0;
		}
	return -1;
}
