/* logger-jscan.c - the intake's strict JSON check: every JSONTestSuite y_
 * file yes, every n_ file no (json-c 0.16 lets several through), never yes
 * where json-c cannot read it back; records judged as rec_check does. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jscan.h"
#include "jv.h"
#include "record.h"
#include "tap.h"

/* json-c's verdict on a whole buffer holding one value of any kind, with
 * the flags and depth lib/jv.c uses. */
static int
jsonc_accepts(const char *s, size_t n)
{
	json_tokener *t = json_tokener_new_ex(64);
	json_object *o;
	size_t off;
	int good;

	json_tokener_set_flags(t, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(t, s, (int)n);
	good = json_tokener_get_error(t) == json_tokener_success;
	off = json_tokener_get_parse_end(t);
	while (good && off < n && strchr(" \t\r\n", s[off]) && s[off])
		off++;
	good = good && off == n;
	json_object_put(o);
	json_tokener_free(t);
	return good;
}

static const char *
suite_dir(void)
{
	static char buf[4096];
	const char *env = getenv("CULL_SHARED");
	const char *tries[] = { "../shared", "../../shared" };
	struct stat st;
	size_t i;

	if (env) {
		snprintf(buf, sizeof buf, "%s/testdata/jsontestsuite/test_parsing", env);
		if (stat(buf, &st) == 0)
			return buf;
	}
	for (i = 0; i < 2; i++) {
		snprintf(buf, sizeof buf, "%s/testdata/jsontestsuite/test_parsing", tries[i]);
		if (stat(buf, &st) == 0)
			return buf;
	}
	return NULL;
}

static void
test_suite(void)
{
	const char *dir = suite_dir();
	DIR *d;
	struct dirent *e;
	int files = 0, agree_yn = 1, y_ok = 1, n_ok = 1;

	if (!dir) {
		printf("ok 1 # SKIP JSONTestSuite not found (set CULL_SHARED)\n");
		tap_n++;
		return;
	}
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		char path[8192], *buf;
		struct stat st;
		int fd, a, b;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0 || fstat(fd, &st) < 0)
			continue;
		buf = malloc((size_t)st.st_size + 1);
		if (read(fd, buf, (size_t)st.st_size) != st.st_size) {
			close(fd);
			free(buf);
			continue;
		}
		close(fd);
		a = jscan_value(buf, (size_t)st.st_size) == 0;
		b = jsonc_accepts(buf, (size_t)st.st_size);
		files++;
		if (e->d_name[0] == 'y' && !a) {
			y_ok = 0;
			printf("# jscan refuses %s\n", e->d_name);
		}
		if (e->d_name[0] == 'n' && a) {
			n_ok = 0;
			printf("# jscan accepts %s\n", e->d_name);
		}
		if (a && !b && strchr("{[", buf[strspn(buf, " \t\r\n")])) {
			/* json-c refuses a lone scalar at the end of its input (it
			 * waits for more); any other yes that json-c refuses would
			 * store what it cannot read back */
			agree_yn = 0;
			printf("# jscan accepts, json-c refuses: %s\n", e->d_name);
		}
		free(buf);
	}
	if (d)
		closedir(d);
	ok(files > 300, "read the suite (%d files)", files);
	ok(y_ok, "every y_ file accepted");
	ok(n_ok, "every n_ file refused");
	ok(agree_yn, "never accepts a document json-c refuses");
}

/* A record is a record for both, and not one for both. */
static void
test_records(void)
{
	static const struct {
		const char *line;
		int rec;
	} cases[] = {
		{ "{\"type\":\"mem\",\"ts\":1.5}", 1 },
		{ "  {\"ts\":-3e2 , \"type\" : \"x\", \"a\":[1,{\"b\":null}]}\t", 1 },
		{ "{\"type\":\"caf\xc3\xa9\",\"ts\":0}", 1 },
		{ "{\"type\":\"a\\u0041\",\"ts\":0}", 1 },
		{ "{\"type\":\"\",\"ts\":0}", 0 },
		{ "{\"type\":\"x\"}", 0 },
		{ "{\"ts\":1}", 0 },
		{ "{\"type\":1,\"ts\":1}", 0 },
		{ "{\"type\":\"x\",\"ts\":\"1\"}", 0 },
		{ "{\"type\":\"x\",\"ts\":1e400}", 0 },
		{ "{\"type\":\"x\",\"ts\":1}{}", 0 },
		{ "{\"type\":\"x\",\"ts\":01}", 0 },
		{ "{\"type\":\"x\",\"ts\":1,}", 0 },
		{ "{\"type\":\"x\xff\",\"ts\":1}", 0 },
		{ "{\"type\":\"x\",\"ts\":1,\"k\":\"\x01\"}", 0 },
		{ "[{\"type\":\"x\",\"ts\":1}]", 0 },
		{ "{\"type\":\"x\",\"ts\":1,\"type\":2}", 0 },
		{ "{\"type\":\"x\",\"ts\":1,\"ts\":2}", 1 },
		{ "{\"type\":\"x\",\"ts\":1,\"v\":NaN}", 0 },
		{ "{\"type\":\"x\",\"ts\":-01}", 0 },
		{ "{\"type\":\"x\",\"ts\":2.}", 0 },
		{ "{\"type\":\"x\",\"ts\":1,\"v\":\"a\tb\"}", 0 },
		{ "{'type':\"x\",\"ts\":1}", 0 },
		{ "{\"type\":\"x\",\"ts\":1,\"v\":\"\\ud83d\\ude00\"}", 1 },
		{ "{\"type\":\"x\",\"ts\":1,\"v\":\"\\ud83dude00\"}", 0 },
		{ "{\"type\":\"x\",\"ts\":1,\"v\":\"\\ude00\"}", 0 },
		{ "{\"type\":\"x\",\"ts\":1,\"v\":\"\\ud83d\\u0041\"}", 0 },
	};
	struct jv v;
	size_t i;

	jv_init(&v);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct jscan_rec r;
		const char *type;
		double ts;
		const char *s = cases[i].line;
		int fast = jscan_record(s, strlen(s), &r) == 0;
		json_object *o = jv_parse(&v, s, strlen(s));
		int slow = o && rec_check(&v, o, &type, &ts) == 0;

		json_object_put(o);
		ok(fast == cases[i].rec && (!fast || slow), "record %zu: %s", i + 1,
		   cases[i].rec ? "accepted" : "refused");
	}
	jv_fini(&v);
}

/* Mutated records: whatever jscan takes, json-c reads back as a record. */
static void
test_mutations(void)
{
	static const char *const base[] = {
		"{\"type\":\"mem\",\"ts\":1700000000.5,\"used_pct\":61.2,\"a\":[1,2,{\"b\":null,"
		"\"c\":\"x\xc3\xa9\\\"y\"}],\"t\":true,\"f\":false,\"n\":-0.5e-3}",
		"{\"type\":\"killed\",\"ts\":1,\"name\":\"\\ud83d\\ude00\",\"ok\":true}",
	};
	static const char alpha[] = "{}[]\":,\\ \t0123456789-+.eEtrufalsnu\x01\x7f\xc3\xa9\xff\xed\xa0";
	unsigned long seed = 12345;
	struct jv v;
	int i, taken = 0, bad = 0;

	jv_init(&v);
	for (i = 0; i < 20000; i++) {
		char s[256];
		size_t n;
		int k;

		snprintf(s, sizeof s, "%s", base[i % 2]);
		n = strlen(s);
		for (k = 0; k < 1 + i % 3; k++) {
			size_t p;
			char c;

			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			p = (size_t)(seed >> 33) % n;
			c = alpha[(seed >> 20) % (sizeof alpha - 1)];
			if (k % 3 == 0) {
				s[p] = c;
			} else if (k % 3 == 1 && n > 1) {
				memmove(s + p, s + p + 1, n - p);
				n--;
			} else if (n + 2 < sizeof s) {
				memmove(s + p + 1, s + p, n - p + 1);
				s[p] = c;
				n++;
			}
		}
		{
			struct jscan_rec r;
			const char *type;
			double ts;
			json_object *o;

			if (jscan_record(s, n, &r) != 0)
				continue;
			taken++;
			o = jv_parse(&v, s, n);
			if (!o || rec_check(&v, o, &type, &ts) != 0) {
				if (bad++ < 5)
					printf("# jscan took, json-c refuses: %.*s\n", (int)n, s);
			}
			json_object_put(o);
		}
	}
	jv_fini(&v);
	ok(bad == 0 && taken > 100, "20000 mutated records: json-c reads every one jscan takes (%d)",
	   taken);
}

int
main(void)
{
	test_suite();
	test_records();
	test_mutations();
	return tap_done();
}
