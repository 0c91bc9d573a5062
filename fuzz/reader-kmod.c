/* reader-kmod.c - fuzz the parser of the module's report, and check that
 * whatever it accepts gives a snapshot line that is valid JSON. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "jv.h"
#include "jw.h"
#include "kmod.h"
#include "snapshot.h"

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct jv *v = fuzz_jv();
	struct sample s = {0};
	struct cpu_prev prev = {0};
	struct jw w = {0};

	if (kmod_parse(v, (const char *)data, size, 1, &s) == 0) {
		struct snapshot_meta m = { 1, 1.0, "kmod", 1.0, NULL, NULL };
		json_object *o;

		snapshot_cpu(&s, &prev);
		snapshot_write(&w, &s, &m);
		o = jv_parse(v, w.buf, w.len);
		if (!o)
			abort();	/* we wrote something that is not JSON */
		json_object_put(o);
	}
	jw_free(&w);
	cpu_prev_free(&prev);
	sample_free(&s);
	return 0;
}
