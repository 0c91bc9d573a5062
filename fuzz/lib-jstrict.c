/* lib-jstrict.c - fuzz the strict JSON check against json-c: what
 * jstrict_check takes json-c takes (an array or object: json-c waits for
 * more after a lone scalar), the offset of a refusal is inside the input,
 * a record jstrict_record takes is a value jstrict_check takes, with
 * its "type" inside the input, and jstrict_compact keeps a value valid and
 * puts it on one line. */
#include <stdlib.h>
#include <string.h>

#include "jstrict.h"
#include "fuzz.h"
#include "jv.h"

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct jv *v = fuzz_jv();
	const char *s = (const char *)data;
	struct jstrict_rec r;
	size_t at, i;
	json_object *o;

	if (jstrict_check(s, size, &at) != NULL) {
		if (at > size)
			abort();
	} else {
		for (i = 0; i < size && strchr(" \t\r\n", s[i]) && s[i]; i++)
			;
		{
			/* compacted, it is still one value, on one line */
			char *c = malloc(size ? size : 1);
			size_t n = jstrict_compact(s, size, c);

			if (n > size || jstrict_check(c, n, &at) != NULL || memchr(c, '\n', n))
				abort();
			free(c);
		}
		if (i < size && s[i] == '{') {
			o = jv_parse(v, s, size);
			if (!o)
				abort();	/* json-c refuses what jstrict takes */
			json_object_put(o);
		}
	}
	if (jstrict_record(s, size, &r, &at) == NULL) {
		if (jstrict_check(s, size, &at) != NULL || r.type < s || r.type_len == 0 ||
		    r.type + r.type_len > s + size)
			abort();
	} else if (at > size) {
		abort();
	}
	return 0;
}
