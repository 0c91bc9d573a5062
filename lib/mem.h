/*
 * mem.h - allocation that cannot fail quietly: out of memory is fatal
 * (exit 1, "fatal: out of memory"), as a stage cannot go on without its
 * working storage.
 */
#ifndef CULL_MEM_H
#define CULL_MEM_H

#include <stddef.h>

/* p (an array of elem-sized items with room for *cap) grown to room for at
 * least need, doubling from 32; returns the (maybe moved) array. */
void *cull_grow(void *p, size_t *cap, size_t need, size_t elem);
char *cull_strdup(const char *s);

/* A growing buffer of lines: cull_linebuf_put appends s[0..n) and a newline. */
struct cull_linebuf {
	char *buf;
	size_t len, cap;
	size_t count;	/* lines put since it was last emptied */
};
void cull_linebuf_put(struct cull_linebuf *b, const char *s, size_t n);

/* A table sorted by id: base[0..n), elements of size bytes, each beginning
 * with its NUL-terminated id (a char array first member). Returns id's
 * position, *found 1; or, *found 0, where it would go. */
size_t cull_id_find(const void *base, size_t n, size_t size, const char *id, int *found);

/* Open a zeroed slot at position at (0..*n) of the array base[0..*n) of
 * size-byte elements with room for *cap (grown as cull_grow grows it): the
 * elements from at move up one and *n grows by one. Returns the (maybe
 * moved) array; the slot is at byte at * size. The insert of a table kept
 * sorted, after cull_id_find (or any search) said where. */
void *cull_insert(void *base, size_t *n, size_t *cap, size_t at, size_t size);

/* Give the pages of freed heap memory back to the kernel, at most once a
 * second: 1 done, 0 not now (called again within the second; the caller
 * keeps its reason and calls again later). glibc keeps freed memory for
 * reuse and returns only the top of the heap: in a long run of varied
 * allocations (a kill's answers, a scan's lines) the holes between live
 * blocks leave pages resident, and RSS creeps though nothing more is in
 * use (the reaper's heap in use stayed at 294 KB over 1,200 real kills
 * while its anonymous RSS rose 60 KiB an hour: bench/soak/NOTES.md). Call
 * it when a burst of work has ended; it costs microseconds on a heap of a
 * few hundred KB. */
int cull_heap_trim(void);

#endif
