/* reaper-input.c - fuzz the reaper's parsers of outside data: the kill line
 * (first byte even) and the engine's answer to GET /containers/{id}/json
 * (first byte odd). A reference it accepts must be fit for a URL path. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "jv.h"
#include "reaper.h"

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct jv *v = fuzz_jv();
	char *body, err[256];

	if (size < 1)
		return 0;
	if (data[0] % 2 == 0) {
		struct kill_req k;
		json_object *o = jv_parse(v, (const char *)data + 1, size - 1);

		memset(&k, 0, sizeof k);
		if (o && kill_req_parse(v, o, &k) == 0) {
			if (!reaper_ref_ok(k.ref) || strpbrk(k.ref, "/?#% \"\\"))
				abort();	/* would reach the URL */
			kill_req_free(&k);
		}
		json_object_put(o);
		return 0;
	}
	body = malloc(size);
	if (!body)
		return 0;
	memcpy(body, data + 1, size - 1);
	body[size - 1] = '\0';
	{
		struct target t;

		if (target_parse(body, &t, err, sizeof err) == 0 &&
		    (strlen(t.id) > 64 || memchr(t.name, '\0', sizeof t.name) == NULL))
			abort();
	}
	free(body);
	return 0;
}
