/* reader-events.c - fuzz the reader's event line rule (events_apply) with
 * hostile lines of the engine's stream, against a cache of one container. */
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "fuzz.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static json_tokener *tok;
	json_object *cache = json_tokener_parse("{\"" ID "\":\"{\\\"name\\\":\\\"a\\\",\\\"image\\\":\\\"\\\",\\\"labels\\\":{}}\"}");
	char id[65] = "";
	int r;

	if (!tok)
		tok = json_tokener_new();
	if (!cache || !tok)
		abort();
	r = events_apply(cache, tok, (const char *)data, size, id);
	if (r >= 0 && (r & EV_FETCH) && strlen(id) != 64)
		abort();
	json_object_put(cache);
	return 0;
}
