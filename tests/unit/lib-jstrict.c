/* lib-jstrict.c - the RFC 8259 check that runs after json-c (jv_parse) and
 * instead of it (cull-logger's intake): what it must refuse, what it must
 * let through, where and why it stops, every JSONTestSuite y_ file yes and
 * n_ file no (json-c 0.16 lets several through), never yes where json-c
 * cannot read it back; jstrict_object's hooks, called where and when a
 * rule needs them (cull-logger's record rule is tested with the logger:
 * tests/unit/logger-record.c); its UTF-8 is lib/jesc.h's. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jesc.h"
#include "jstrict.h"
#include "jv.h"
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

/* The reason and the offset, as the stages print them. */
static void
test_reasons(void)
{
	static const struct {
		const char *s;
		const char *why;
		size_t at;
	} cases[] = {
		{ "{\"type\":\"mem\",\"v\":NaN}", "NaN or Infinity is not a number", 18 },
		{ "[1,-Infinity]", "NaN or Infinity is not a number", 4 },
		{ "{\"a\":-01}", "number with a leading zero", 7 },
		{ "[2.]", "bad number", 3 },
		{ "{'a':1}", "single quotes are not JSON", 1 },
		{ "[\"a\tb\"]", "raw control character in a string", 3 },
		{ "[\"\\ud800\"]", "lone surrogate escape", 2 },
		{ "[\"ab\xed\xa0\x80\"]", "bad UTF-8 in a string", 4 },
		{ "[\"\xc0\xaf\"]", "bad UTF-8 in a string", 2 },
		{ "{} x", "extra data after the value", 3 },
	};
	size_t i, at;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *s = cases[i].s, *why = jstrict_check(s, strlen(s), &at);

		ok(why && strcmp(why, cases[i].why) == 0 && at == cases[i].at,
		   "%s: %s at %zu (got %s at %zu)", s, cases[i].why, cases[i].at,
		   why ? why : "accepted", why ? at : 0);
	}
}

/* A rule on an object's members, as the hooks see it: what they are
 * given, in what order, and where their faults point. */
struct seen {
	char log[512];
	const char *refuse_name, *refuse_value, *refuse_end;
};

static const char *
on_name(void *ctx, const char *k, size_t klen, int esc)
{
	struct seen *w = ctx;
	size_t n = strlen(w->log);

	snprintf(w->log + n, sizeof w->log - n, "N%s%.*s ", esc ? "e" : "", (int)klen, k);
	return w->refuse_name && jstrict_name_is(k, klen, esc, w->refuse_name) ? "name refused"
									       : NULL;
}

static const char *
on_value(void *ctx, const char *v, size_t vlen)
{
	struct seen *w = ctx;
	size_t n = strlen(w->log);

	snprintf(w->log + n, sizeof w->log - n, "V%.*s ", (int)vlen, v);
	return w->refuse_value && strlen(w->refuse_value) == vlen &&
	       !memcmp(v, w->refuse_value, vlen) ? "value refused" : NULL;
}

static const char *
on_end(void *ctx)
{
	struct seen *w = ctx;

	strcat(w->log, "E");
	return w->refuse_end;
}

static void
test_object(void)
{
	struct seen w = { "", NULL, NULL, NULL };
	const struct jstrict_members m = { on_name, on_value, on_end, &w };
	const char *s = " {\"a\" : [1, {\"b\":2}], \"t\\u0073\":\"x\"} ", *why;
	size_t at;

	ok(jstrict_object(s, strlen(s), &m, &at) == NULL, "an object taken");
	is_str(w.log, "Na V[1, {\"b\":2}] Net\\u0073 V\"x\" E",
	       "the hooks see each top-level name, then its value, then the end");
	memset(w.log, 0, sizeof w.log);
	w.refuse_name = "ts";
	why = jstrict_object(s, strlen(s), &m, &at);
	ok(why && !strcmp(why, "name refused") && at == 22 && !strstr(w.log, "V\"x\""),
	   "a name's fault points at its quote, before its value is read (%zu)", at);
	memset(w.log, 0, sizeof w.log);
	w.refuse_name = NULL;
	w.refuse_value = "\"x\"";
	why = jstrict_object(s, strlen(s), &m, &at);
	ok(why && !strcmp(why, "value refused") && at == 32, "a value's fault points at it");
	w.refuse_value = NULL;
	w.refuse_end = "end refused";
	why = jstrict_object(s, strlen(s), &m, &at);
	ok(why && !strcmp(why, "end refused") && at == strlen(s), "the end's fault at the end");
	s = "{\"a\":NaN}";
	memset(w.log, 0, sizeof w.log);
	why = jstrict_object(s, strlen(s), &m, &at);
	ok(why && strstr(why, "NaN") && at == 5 && !strcmp(w.log, "Na "),
	   "a bad value is the checker's fault, not shown to the value hook");
	s = "{} x";
	why = jstrict_object(s, strlen(s), &m, &at);
	ok(why && !strcmp(why, "extra data after the value") && at == 3, "extra data first");
	s = " [1]";
	why = jstrict_object(s, strlen(s), NULL, &at);
	ok(why && !strcmp(why, "not a JSON object") && at == 1, "an array is not an object");
	s = "[1";
	why = jstrict_object(s, strlen(s), NULL, &at);
	ok(why && strcmp(why, "not a JSON object") != 0, "a bad value says what is wrong with it");
	ok(jstrict_name_is("t\\u0073", 7, 1, "ts") && jstrict_name_is("ts", 2, 0, "ts") &&
	   !jstrict_name_is("ts", 2, 0, "t") && !jstrict_name_is("t\\/s", 4, 1, "ts") &&
	   !jstrict_name_is("ts\\u0000", 8, 1, "ts"), "names compared by their decoded value");
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

/* Would a string of b[0..n) be taken, bytes stepped through as
 * lib/jesc.h's cull_utf8_len() reads UTF-8 (what jw.c escapes by)? */
static int
utf8_string_ok(const unsigned char *b, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		if (b[i] < 0x80) {
			if (b[i] < 0x20 || b[i] == '"' || b[i] == '\\')
				return 0;
			i++;
		} else if ((k = cull_utf8_len(b + i, n - i)) == 0) {
			return 0;
		} else {
			i += k;
		}
	}
	return 1;
}

/* Every lead byte from 0x80, every second byte, and telling third and
 * fourth ones: jstrict takes a string exactly when cull_utf8_len does. */
static void
test_utf8(void)
{
	static const unsigned char tail[] = { 0x41, 0x7f, 0x80, 0x8f, 0x90, 0xbf, 0xc0, 0xff };
	unsigned char s[6];
	unsigned c0, c1, i2, i3, bad = 0, taken = 0;
	size_t at;

	for (c0 = 0x80; c0 <= 0xff; c0++)
		for (c1 = 0; c1 <= 0xff; c1++)
			for (i2 = 0; i2 < sizeof tail; i2++)
				for (i3 = 0; i3 < sizeof tail; i3++) {
					int a, b;

					s[0] = '"', s[1] = (unsigned char)c0, s[2] = (unsigned char)c1;
					s[3] = tail[i2], s[4] = tail[i3], s[5] = '"';
					a = jstrict_check((const char *)s, 6, &at) == NULL;
					b = utf8_string_ok(s + 1, 4);
					taken += a;
					if (a != b && bad++ < 5)
						printf("# %02x %02x %02x %02x: jstrict %d, cull_utf8_len %d\n",
						       s[1], s[2], s[3], s[4], a, b);
				}
	ok(bad == 0 && taken > 1000, "UTF-8 in strings read as cull_utf8_len reads it (%u taken)",
	   taken);
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

/* Mutated records: whatever jstrict takes, json-c reads back. */
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
	int i, checked = 0, bad_check = 0;

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
			size_t at;

			if (jstrict_check(s, n, &at) == NULL) {
				checked++;
				if (!jsonc_accepts(s, n) && bad_check++ < 5)
					printf("# jstrict_check took, json-c refuses: %.*s\n", (int)n, s);
			}
		}
	}
	ok(bad_check == 0 && checked > 100,
	   "20000 mutated records: json-c reads every value jstrict_check takes (%d)", checked);
}

int
main(void)
{
	test_table();
	test_reasons();
	test_offsets();
	test_utf8();
	test_depth();
	test_suite();
	test_object();
	test_jv_parse();
	test_mutations();
	return tap_done();
}
