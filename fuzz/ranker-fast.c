/* ranker-fast.c - the ranker's fast snapshot parse (fast.c) against json-c's
 * (snap.c): whatever the fast path takes, json-c's path takes the same way;
 * whatever it gives back, it leaves as it was. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "jv.h"
#include "snap.h"

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct jv *v = fuzz_jv();
	struct snap fast = {0}, slow = {0};
	char *a = malloc(size + 1);
	json_object *o = NULL;
	const char *type;

	memcpy(a, data, size);
	a[size] = '\0';
	if (snap_fast(&fast, a, size) == 0) {
		o = jv_parse(v, (const char *)data, size);
		if (!o || jv_str(v, o, "type", JV_REQ, &type, NULL) || strcmp(type, "snapshot") ||
		    snap_parse(&slow, v, o) || snap_differ(&fast, &slow))
			abort();
	} else if (memcmp(a, data, size) != 0) {
		abort();
	}
	json_object_put(o);
	snap_free(&fast);
	snap_free(&slow);
	free(a);
	return 0;
}
