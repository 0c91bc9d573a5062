/* ranker-jstrict.c - the RFC 8259 check that runs after json-c: what it must
 * refuse, what it must let through, and its 8-bytes-at-a-time string scan
 * at every offset. */
#include <stdio.h>
#include <string.h>

#include "jstrict.h"
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
		"{\"a\":[1,{\"b\":null}],\"c\":true,\"d\":false}", "\"caf\xc3\xa9\"", "[1,\t2]\r\n", "\"\\ud83d\\ude00\"", "\"\\uDBFF\\uDFFF\"", NULL,
	};
	static const char *const no[] = {
		"NaN", "-Infinity", "[Infinity]", "01", "-01", "2.", "2.e3", ".5", "-", "1e", "1e+",
		"'a'", "{'a':1}", "{\"a\" 1}", "[1,]", "{\"a\":1,}", "[1 2]", "\"tab\there\"", "\"a\x01\"",
		"\"\\x\"", "\"\\u12\"", "\"\\u12g4\"", "\"open", "tru", "nul", "[", "{", "", " ", "1 2",
		"[\f]", "{\"a\":1}x", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"",
		"\"\\ud800\\ud800\"", "\"\\ud800\\\"", NULL,
	};
	int i;

	for (i = 0; yes[i]; i++)
		ok(good(yes[i]), "accepts %s", yes[i]);
	for (i = 0; no[i]; i++)
		ok(!good(no[i]), "refuses %s", no[i]);
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
			/* the same place with an escaped quote, and with a high byte */
			s[1 + pos] = '\\';
			if (pos + 1 < len)
				s[2 + pos] = '"';
			else
				s[1 + pos] = '\x80';
			if (jstrict_check(s, (size_t)len + 2, &at) != NULL) {
				all_ok = 0;
				printf("# len %d pos %d: an escape or high byte refused\n", len, pos);
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

int
main(void)
{
	test_table();
	test_offsets();
	test_depth();
	return tap_done();
}
