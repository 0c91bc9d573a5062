/* lib-mem.c - growing arrays and the line buffer */
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "tap.h"

int
main(void)
{
	struct cull_linebuf b = {0};
	size_t cap = 0, i;
	int *a = NULL;
	char big[5000];

	a = cull_grow(a, &cap, 1, sizeof *a);
	ok(cap == 32, "cull_grow starts at 32 items");
	a = cull_grow(a, &cap, 33, sizeof *a);
	ok(cap == 64, "and doubles past it");
	a = cull_grow(a, &cap, 10, sizeof *a);
	ok(cap == 64, "a smaller need leaves it");
	free(a);

	cull_linebuf_put(&b, "one", 3);
	cull_linebuf_put(&b, "", 0);
	cull_linebuf_put(&b, "two", 3);
	ok(b.len == 9 && memcmp(b.buf, "one\n\ntwo\n", 9) == 0, "lines end in a newline each");
	ok(b.count == 3, "and are counted");
	memset(big, 'x', sizeof big);
	for (i = 0; i < 100; i++)
		cull_linebuf_put(&b, big, sizeof big);
	ok(b.len == 9 + 100 * 5001 && b.cap >= b.len, "it grows to hold 100 lines of 5000 bytes");
	ok(b.buf[9 + 5000] == '\n' && b.buf[b.len - 1] == '\n' && b.buf[b.len - 2] == 'x',
	   "each in place");
	free(b.buf);

	{
		struct { char id[8]; int v; } t[] = { { "b", 1 }, { "d", 2 }, { "f", 3 } };
		size_t n = sizeof t / sizeof *t;
		int found;

		ok(cull_id_find(t, n, sizeof *t, "d", &found) == 1 && found, "an id in the table: its position");
		ok(cull_id_find(t, n, sizeof *t, "a", &found) == 0 && !found, "one before all: where it goes, 0");
		ok(cull_id_find(t, n, sizeof *t, "e", &found) == 2 && !found, "one between: 2");
		ok(cull_id_find(t, n, sizeof *t, "g", &found) == 3 && !found, "one after all: n");
		ok(cull_id_find(t, 0, sizeof *t, "b", &found) == 0 && !found, "an empty table: 0");
	}
	{
		struct e { char id[8]; int v; } *t = NULL;
		const char *ids[] = { "m", "c", "x", "a", "n" };
		size_t n = 0, room = 0, k, at;
		int found, sorted = 1, zeroed = 1;

		for (k = 0; k < 5; k++) {
			at = cull_id_find(t, n, sizeof *t, ids[k], &found);
			t = cull_insert(t, &n, &room, at, sizeof *t);
			zeroed &= t[at].v == 0 && t[at].id[0] == '\0';
			strcpy(t[at].id, ids[k]);
			t[at].v = (int)k + 1;
		}
		for (k = 1; k < n; k++)
			sorted &= strcmp(t[k - 1].id, t[k].id) < 0;
		ok(n == 5 && room >= 5, "cull_insert: five inserts make five elements");
		ok(sorted && zeroed, "  at the places cull_id_find said, each slot zeroed");
		ok(t[0].v == 4 && t[2].v == 1 && t[4].v == 3, "  the others moved up whole");
		free(t);
	}
	return tap_done();
}
