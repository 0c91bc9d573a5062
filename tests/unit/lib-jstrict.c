/* lib-jstrict.c - the RFC 8259 check that runs after json-c (jv_parse) and
 * instead of it (cull-logger's intake): what it must refuse, what it must
 * let through, where and why it stops, every JSONTestSuite y_ file yes and
 * n_ file no (json-c 0.16 lets several through), never yes where json-c
 * cannot read it back; records judged as cull-logger's rec_check does. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jstrict.h"
#include "jv.h"
#include "record.h"
#include "tap.h"

static int
good(const char *s)
{
	size_t at;

	return jstrict_check(s, strlen(s), &at) == NULL;
}

static void
test_table(void)
{
	static const char *const yes[] = {
		"{}", " [ ] ", "0", "-0", "-0.5e+10", "1E5", "12.25", "\"\"", "\"\\u00e9\\/\\b\\f\\n\\r\\t\"",
		"{\"a\":[1,{\"b\":null}],\"c\":true,\"d\":false}", "\"caf\xc3\xa9\"", "[1,\t2]\r\n", "\"\\ud83d\\ude00\"", "\"\\uDBFF\\uDFFF\"",
		"\"\xf0\x9f\x98\x80\xe2\x82\xac\"", "\"\xf4\x8f\xbf\xbf\xed\x9f\xbf\"", NULL,
	};
	static const char *const no[] = {
		"NaN", "-Infinity", "[Infinity]", "01", "-01", "2.", "2.e3", ".5", "-", "1e", "1e+",
		"'a'", "{'a':1}", "{\"a\" 1}", "[1,]", "{\"a\":1,}", "[1 2]", "\"tab\there\"", "\"a\x01\"",
		"\"\\x\"", "\"\\u12\"", "\"\\u12g4\"", "\"open", "tru", "nul", "[", "{", "", " ", "1 2",
		"[\f]", "{\"a\":1}x", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"",
		"\"\\ud800\\ud800\"", "\"\\ud800\\\"", "\"\xff\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"",
		"\"\xf4\x90\x80\x80\"", "\"\xe2\x82\"", "\"\xc3\"", "[\"\xc3\xa9\"]\xc3\xa9", NULL,
	};
	int i;

	for (i = 0; yes[i]; i++)
		ok(good(yes[i]), "accepts %s", yes[i]);
	for (i = 0; no[i]; i++)
		ok(!good(no[i]), "refuses %s", no[i]);
}

/* The reason and the offset, as the stages print them: of jstrict_check,
 * or of jstrict_record when rec is set. */
static void
test_reasons(void)
{
	static const struct {
		int rec;
		const char *s;
		const char *why;
		size_t at;
	} cases[] = {
		{ 0, "{\"type\":\"mem\",\"v\":NaN}", "NaN or Infinity is not a number", 18 },
		{ 0, "[1,-Infinity]", "NaN or Infinity is not a number", 4 },
		{ 0, "{\"a\":-01}", "number with a leading zero", 7 },
		{ 0, "[2.]", "bad number", 3 },
		{ 0, "{'a':1}", "single quotes are not JSON", 1 },
		{ 0, "[\"a\tb\"]", "raw control character in a string", 3 },
		{ 0, "[\"\\ud800\"]", "lone surrogate escape", 2 },
		{ 0, "[\"ab\xed\xa0\x80\"]", "bad UTF-8 in a string", 4 },
		{ 0, "[\"\xc0\xaf\"]", "bad UTF-8 in a string", 2 },
		{ 0, "{} x", "extra data after the value", 3 },
		{ 1, "{\"ts\":1}", "\"type\" is missing", 8 },
		{ 1, "{\"type\":\"\",\"ts\":1}", "\"type\" is empty", 18 },
		{ 1, "{\"type\":\"x\"}", "\"ts\" is missing", 12 },
		{ 1, "{\"type\":1,\"ts\":1}", "\"type\" is not a string", 8 },
		{ 1, "{\"type\":NaN,\"ts\":1}", "NaN or Infinity is not a number", 8 },
		{ 1, "{\"type\":\"x\",\"ts\":true}", "\"ts\" is not a number", 17 },
		{ 1, "{\"type\":\"x\",\"ts\":-1e13}", "\"ts\" is out of range", 17 },
		{ 1, "{\"type\":\"x\",\"ts\":NaN}", "NaN or Infinity is not a number", 17 },
		{ 1, "[]", "not a JSON object", 0 },
		{ 1, "{\"type\":\"x\",\"ts\":1,\"t\\u0073\":\"bad\"}", "\"ts\" appears twice", 19 },
		{ 1, "{\"type\":\"x\", \"typ\\u0065\":\"y\",\"ts\":1}", "\"type\" appears twice", 13 },
	};
	struct jstrict_rec r;
	size_t i, at;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *s = cases[i].s, *why = cases[i].rec
			? jstrict_record(s, strlen(s), &r, &at) : jstrict_check(s, strlen(s), &at);

		ok(why && strcmp(why, cases[i].why) == 0 && at == cases[i].at,
		   "%s%s: %s at %zu (got %s at %zu)", cases[i].rec ? "record " : "", s,
		   cases[i].why, cases[i].at, why ? why : "accepted", why ? at : 0);
	}
}

static void
test_offsets(void)
{
	char s[64];
	int len, pos, all_ok = 1;
	size_t at;

	/* a control byte at every place of strings of every length up to 40 */
	for (len = 1; len <= 40; len++)
		for (pos = 0; pos < len; pos++) {
			const char *why;

			memset(s + 1, 'a', (size_t)len);
			s[0] = '"';
			s[1 + pos] = '\x1f';
			s[1 + len] = '"';
			why = jstrict_check(s, (size_t)len + 2, &at);
			if (!why || at != (size_t)pos + 1) {
				all_ok = 0;
				printf("# len %d pos %d: %s at %zu\n", len, pos, why ? why : "accepted", at);
			}
			/* the same place with an escaped quote, or a two-byte
			 * UTF-8 character (é) */
			s[1 + pos] = '\\';
			if (pos + 1 < len) {
				s[2 + pos] = '"';
				if (jstrict_check(s, (size_t)len + 2, &at) != NULL) {
					all_ok = 0;
					printf("# len %d pos %d: an escape refused\n", len, pos);
				}
				s[1 + pos] = '\xc3';
				s[2 + pos] = '\xa9';
				if (jstrict_check(s, (size_t)len + 2, &at) != NULL) {
					all_ok = 0;
					printf("# len %d pos %d: a UTF-8 character refused\n", len, pos);
				}
			}
			/* a lone high byte: bad UTF-8, right there */
			memset(s + 1, 'a', (size_t)len);
			s[1 + pos] = '\x80';
			why = jstrict_check(s, (size_t)len + 2, &at);
			if (!why || at != (size_t)pos + 1) {
				all_ok = 0;
				printf("# len %d pos %d: high byte %s at %zu\n", len, pos,
				       why ? why : "accepted", at);
			}
		}
	ok(all_ok, "the string scan stops at the right byte at every offset");
}

static void
test_depth(void)
{
	char s[2 * JSTRICT_DEPTH + 8];
	int i, n = JSTRICT_DEPTH;

	for (i = 0; i < n; i++)
		s[i] = '[', s[2 * n - 1 - i] = ']';
	ok(jstrict_check(s, (size_t)2 * n, &(size_t){0}) == NULL, "%d levels are fine", n);
	n++;
	for (i = 0; i < n; i++)
		s[i] = '[', s[2 * n - 1 - i] = ']';
	ok(jstrict_check(s, (size_t)2 * n, &(size_t){0}) != NULL, "%d levels are too deep", n);
}

/* json-c's verdict on a whole buffer holding one value of any kind, with
 * the flags and depth lib/jv.c uses. */
static int
jsonc_accepts(const char *s, size_t n)
{
	json_tokener *t = json_tokener_new_ex(JSTRICT_DEPTH);
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

/* The JSONTestSuite files live in the tree (tests/data/jsontestsuite), so a
 * checkout anywhere has them: $CULL_JSONTESTSUITE, or the tree's copy seen
 * from the top of the checkout (where make test runs) or from tests/unit. */
static const char *
suite_dir(void)
{
	static char buf[4096];
	const char *env = getenv("CULL_JSONTESTSUITE");
	const char *tries[] = { "tests/data/jsontestsuite/test_parsing",
				"../data/jsontestsuite/test_parsing" };
	struct stat st;
	size_t i;

	if (env && *env)
		return env;
	for (i = 0; i < 2; i++) {
		snprintf(buf, sizeof buf, "%s", tries[i]);
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
		/* a missing suite is a failure, not a skip: it would hide that
		 * nothing was checked */
		ok(0, "JSONTestSuite not found (tests/data/jsontestsuite, or set CULL_JSONTESTSUITE)");
		return;
	}
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		char path[8192], *buf;
		struct stat st;
		size_t at;
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
		buf[st.st_size] = '\0';
		a = jstrict_check(buf, (size_t)st.st_size, &at) == NULL;
		b = jsonc_accepts(buf, (size_t)st.st_size);
		files++;
		if (e->d_name[0] == 'y' && !a) {
			y_ok = 0;
			printf("# jstrict refuses %s\n", e->d_name);
		}
		if (e->d_name[0] == 'n' && a) {
			n_ok = 0;
			printf("# jstrict accepts %s\n", e->d_name);
		}
		if (a && !b && strchr("{[", buf[strspn(buf, " \t\r\n")])) {
			/* json-c refuses a lone scalar at the end of its input (it
			 * waits for more); any other yes that json-c refuses would
			 * store what it cannot read back */
			agree_yn = 0;
			printf("# jstrict accepts, json-c refuses: %s\n", e->d_name);
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
		{ "{\"type\":\"x\",\"ts\":1,\"ts\":2}", 0 },
		/* names are compared by what they say, escaped or not: a second
		 * "ts" written "t\u0073" is the "ts" every parser reads */
		{ "{\"type\":\"x\",\"ts\":1,\"t\\u0073\":\"bad\"}", 0 },
		{ "{\"type\":\"x\",\"ts\":1,\"\\u0074\\u0079\\u0070\\u0065\":\"y\"}", 0 },
		{ "{\"type\":\"x\",\"type\":\"y\",\"ts\":1}", 0 },
		{ "{\"t\\u0079pe\":\"x\",\"\\u0074s\":1}", 1 },
		{ "{\"type\":\"x\",\"t\\u0073\":1,\"ts\\u0000\":2,\"t\\/s\":3}", 1 },
		{ "{\"type\":\"x\",\"ts\":1,\"a\":{\"ts\":2,\"ts\":3}}", 1 },
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
		struct jstrict_rec r;
		const char *type;
		double ts;
		size_t at;
		const char *s = cases[i].line;
		int fast = jstrict_record(s, strlen(s), &r, &at) == NULL;
		json_object *o = jv_parse(&v, s, strlen(s));
		int slow = o && rec_check(&v, o, &type, &ts) == 0;

		json_object_put(o);
		ok(fast == cases[i].rec && (!fast || slow), "record %zu: %s", i + 1,
		   cases[i].rec ? "accepted" : "refused");
	}
	jv_fini(&v);
}

/* What a record yields. */
static void
test_record_fields(void)
{
	struct jstrict_rec r;
	size_t at;
	const char *s = " {\"a\":{\"type\":1},\"ts\":1700000000.25,\"type\":\"m\\u0065m\"} ";

	ok(jstrict_record(s, strlen(s), &r, &at) == NULL && r.ts == 1700000000.25 &&
	   r.type_len == 8 && memcmp(r.type, "m\\u0065m", 8) == 0 && r.type_escaped,
	   "a record's type and ts, from its top level only");
	s = "{\"type\":\"mem\",\"ts\":0}";
	ok(jstrict_record(s, strlen(s), &r, &at) == NULL && r.ts == 0 && r.type == s + 9 &&
	   r.type_len == 3 && !r.type_escaped, "the type points into the line");
}

/* jv_parse refuses what json-c lets through, with jstrict's reason. */
static void
test_jv_parse(void)
{
	struct jv v;
	const char *s = "{\"type\":\"mem\",\"v\":NaN}";
	json_object *o;

	jv_init(&v);
	o = jv_parse(&v, s, strlen(s));
	ok(o == NULL, "jv_parse refuses NaN");
	is_str(v.err, "not JSON: NaN or Infinity is not a number at byte 19", "and says where");
	json_object_put(o);
	jv_fini(&v);
}

/* Mutated records: whatever jstrict takes, json-c reads back (as a record
 * when jstrict_record takes it). */
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
	int i, taken = 0, bad = 0, checked = 0, bad_check = 0;

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
			struct jstrict_rec r;
			const char *type;
			double ts;
			size_t at;
			json_object *o;

			if (jstrict_check(s, n, &at) == NULL) {
				checked++;
				if (!jsonc_accepts(s, n) && bad_check++ < 5)
					printf("# jstrict_check took, json-c refuses: %.*s\n", (int)n, s);
			}
			if (jstrict_record(s, n, &r, &at) != NULL)
				continue;
			taken++;
			o = jv_parse(&v, s, n);
			if (!o || rec_check(&v, o, &type, &ts) != 0) {
				if (bad++ < 5)
					printf("# jstrict took, json-c refuses: %.*s\n", (int)n, s);
			}
			json_object_put(o);
		}
	}
	jv_fini(&v);
	ok(bad == 0 && taken > 100, "20000 mutated records: json-c reads every one jstrict takes (%d)",
	   taken);
	ok(bad_check == 0 && checked >= taken, "json-c reads every value jstrict_check takes (%d)",
	   checked);
}

int
main(void)
{
	test_table();
	test_reasons();
	test_offsets();
	test_depth();
	test_suite();
	test_records();
	test_record_fields();
	test_jv_parse();
	test_mutations();
	return tap_done();
}
