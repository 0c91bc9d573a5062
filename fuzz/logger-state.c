/* logger-state.c - fuzz the state kept beside the log (state.h): state.json
 * is read back from a file anyone with access to the directory may have
 * changed, and every log line is folded into it. What st_parse takes must
 * be written back by st_write into text that st_parse takes again, with the
 * same figures; a folded line never breaks the state's own output. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "jw.h"
#include "state.h"

static void
round_trip(struct jv *v, const struct st_state *s)
{
	struct jw w = { 0 }, w2 = { 0 };
	struct st_state again;

	st_write(s, &w);
	if (st_parse(&again, v, w.buf, w.len) < 0)
		abort();	/* our own output refused */
	st_write(&again, &w2);
	if (w.len != w2.len || memcmp(w.buf, w2.buf, w.len) != 0)
		abort();	/* not the same state */
	st_free(&again);
	jw_free(&w);
	jw_free(&w2);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct jv *v = fuzz_jv();
	struct st_state s;
	struct jw api = { 0 };
	size_t i, start = 0;

	if (size < 1)
		return 0;
	if (data[0] % 2 == 0) {
		if (st_parse(&s, v, (const char *)data + 1, size - 1) == 0)
			round_trip(v, &s);
		st_free(&s);
		return 0;
	}
	/* log lines, folded one by one into an empty state */
	memset(&s, 0, sizeof s);
	for (i = 1; i <= size; i++) {
		if (i < size && data[i] != '\n')
			continue;
		st_line(&s, v, (const char *)data + start + 1, i - start - 1);
		start = i;
	}
	st_settle(&s, v);
	round_trip(v, &s);
	st_api(&s, 1e9, &api);
	jw_free(&api);
	st_free(&s);
	return 0;
}
