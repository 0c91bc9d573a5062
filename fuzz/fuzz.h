/* fuzz.h - what every fuzz target shares: one strict JSON reader, made on
 * first use and kept for the whole run (libFuzzer calls the target millions
 * of times; a tokener each time would be most of the work). */
#ifndef CULL_FUZZ_H
#define CULL_FUZZ_H

#include "jv.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static inline struct jv *
fuzz_jv(void)
{
	static struct jv v;
	static int ready;

	if (!ready) {
		jv_init(&v);
		ready = 1;
	}
	return &v;
}

/* A target whose first byte picks a parser: the rest, copied and
 * NUL-terminated as the reader's file reads give it (free it); NULL when
 * there is no rest or no memory. */
#include <stdlib.h>
#include <string.h>

static inline char *
fuzz_file(const unsigned char *data, size_t size)
{
	char *buf;

	if (size < 1 || !(buf = malloc(size)))
		return NULL;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	return buf;
}

#endif
