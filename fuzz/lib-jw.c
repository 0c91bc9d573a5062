/* lib-jw.c - any bytes escaped by the JSON writer parse back as a valid
 * JSON string, equal to the input when the input is valid UTF-8 without NUL. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "jv.h"
#include "jw.h"

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct jv *v = fuzz_jv();
	struct jw w = {0};
	json_object *o, *f;

	jw_open(&w, NULL);
	jw_strn(&w, "s", (const char *)data, size);
	jw_end(&w);
	o = jv_parse(v, w.buf, w.len);
	if (!o || !json_object_object_get_ex(o, "s", &f))
		abort();
	if (!memchr(data, 0, size) && !memmem(w.buf, w.len, "\\ufffd", 6)) {
		if ((size_t)json_object_get_string_len(f) != size ||
		    memcmp(json_object_get_string(f), data, size) != 0)
			abort();	/* valid text must round-trip exactly */
	}
	json_object_put(o);
	jw_free(&w);
	return 0;
}
