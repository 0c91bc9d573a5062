/* logger-record.c - the record rule's fast path (rec_strict, on
 * lib/jstrict.h's jstrict_object) against the slow one (json-c, then
 * rec_check): the same lines are records for both, refusals say why and
 * where, the fields point into the line, and every record one edit away
 * from a real one that it takes, json-c reads back as a record. */
#include <stdio.h>
#include <string.h>

#include "jv.h"
#include "record.h"
#include "tap.h"

/* The reason and the offset, as the logger prints them. */
static void
test_reasons(void)
{
	static const struct {
		const char *s;
		const char *why;
		size_t at;
	} cases[] = {
		{ "{\"ts\":1}", "\"type\" is missing", 8 },
		{ "{\"type\":\"\",\"ts\":1}", "\"type\" is empty", 18 },
		{ "{\"type\":\"x\"}", "\"ts\" is missing", 12 },
		{ "{\"type\":1,\"ts\":1}", "\"type\" is not a string", 8 },
		{ "{\"type\":NaN,\"ts\":1}", "NaN or Infinity is not a number", 8 },
		{ "{\"type\":\"x\",\"ts\":true}", "\"ts\" is not a number", 17 },
		{ "{\"type\":\"x\",\"ts\":-1e13}", "\"ts\" is out of range", 17 },
		{ "{\"type\":\"x\",\"ts\":NaN}", "NaN or Infinity is not a number", 17 },
		{ "{\"type\":\"x\",\"ts\":1.00000000000000000000000000000000000000000000000000000000000000}",
		  "\"ts\" is written with too many digits", 17 },
		{ "[]", "not a JSON object", 0 },
		{ "{\"type\":\"x\",\"ts\":1,\"t\\u0073\":\"bad\"}", "\"ts\" appears twice", 19 },
		{ "{\"type\":\"x\", \"typ\\u0065\":\"y\",\"ts\":1}", "\"type\" appears twice", 13 },
		/* a second name is the fault, before its value is read */
		{ "{\"type\":\"x\",\"ts\":1,\"ts\":NaN}", "\"ts\" appears twice", 19 },
		{ "{\"type\":\"x\",\"ts\":1} x", "extra data after the value", 20 },
	};
	struct rec_fields r;
	size_t i, at;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *s = cases[i].s, *why = rec_strict(s, strlen(s), &r, &at);

		ok(why && strcmp(why, cases[i].why) == 0 && at == cases[i].at,
		   "record %s: %s at %zu (got %s at %zu)", s, cases[i].why, cases[i].at,
		   why ? why : "accepted", why ? at : 0);
	}
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
		struct rec_fields r;
		const char *type;
		double ts;
		size_t at;
		const char *s = cases[i].line;
		int fast = rec_strict(s, strlen(s), &r, &at) == NULL;
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
test_fields(void)
{
	struct rec_fields r;
	size_t at;
	const char *s = " {\"a\":{\"type\":1},\"ts\":1700000000.25,\"type\":\"m\\u0065m\"} ";

	ok(rec_strict(s, strlen(s), &r, &at) == NULL && r.ts == 1700000000.25 &&
	   r.type_len == 8 && memcmp(r.type, "m\\u0065m", 8) == 0 && r.type_escaped,
	   "a record's type and ts, from its top level only");
	ok(!rec_type_is(&r, "mem"), "an escaped type is not taken for a word");
	s = "{\"type\":\"mem\",\"ts\":0}";
	ok(rec_strict(s, strlen(s), &r, &at) == NULL && r.ts == 0 && r.type == s + 9 &&
	   r.type_len == 3 && !r.type_escaped, "the type points into the line");
	ok(rec_type_is(&r, "mem") && !rec_type_is(&r, "me") && !rec_type_is(&r, "memo"),
	   "rec_type_is compares the whole word");
}

/* Is s[0..n) a record for the fast path only (rec_strict takes it,
 * json-c and rec_check do not)? */
static int
fast_only(struct jv *v, const char *s, size_t n, int *taken)
{
	struct rec_fields r;
	const char *type;
	double ts;
	size_t at;
	json_object *o;
	int bad;

	if (rec_strict(s, n, &r, &at) != NULL)
		return 0;
	++*taken;
	o = jv_parse(v, s, n);
	bad = !o || rec_check(v, o, &type, &ts) != 0;
	json_object_put(o);
	if (bad)
		printf("# rec_strict took, json-c refuses: %.*s\n", (int)n, s);
	return bad;
}

/* Every record one edit away from two real ones (each byte replaced by,
 * or preceded by, each byte that matters to JSON, or deleted): whatever
 * rec_strict takes, json-c reads back as a record. (lib-jstrict.c's
 * random edits and fuzz/logger-http.c go further.) */
static void
test_edits(void)
{
	static const char *const base[] = {
		"{\"type\":\"mem\",\"ts\":1700000000.5,\"used_pct\":61.2,\"a\":[1,{\"b\":null,"
		"\"c\":\"x\xc3\xa9\\\"y\"}],\"t\":true,\"n\":-0.5e-3}",
		"{\"type\":\"killed\",\"ts\":1,\"name\":\"\\ud83d\\ude00\",\"ok\":false}",
	};
	static const char alpha[] = "{}[]\":,\\ \t09-+.eEtfn\x01\x7f\xc3\xa9\xff\xed\xa0";
	struct jv v;
	size_t b, p, c, n;
	int taken = 0, bad = 0;
	char s[256];

	jv_init(&v);
	for (b = 0; b < 2; b++) {
		n = strlen(base[b]);
		for (p = 0; p < n; p++) {
			for (c = 0; c < sizeof alpha - 1; c++) {
				memcpy(s, base[b], n);
				s[p] = alpha[c];
				bad += fast_only(&v, s, n, &taken);
				memcpy(s, base[b], p);
				s[p] = alpha[c];
				memcpy(s + p + 1, base[b] + p, n - p);
				bad += fast_only(&v, s, n + 1, &taken);
			}
			memcpy(s, base[b], p);
			memcpy(s + p, base[b] + p + 1, n - p - 1);
			bad += fast_only(&v, s, n - 1, &taken);
		}
	}
	jv_fini(&v);
	ok(bad == 0 && taken > 100, "one-edit records: json-c reads every one rec_strict takes (%d)",
	   taken);
}

int
main(void)
{
	test_reasons();
	test_records();
	test_fields();
	test_edits();
	return tap_done();
}
