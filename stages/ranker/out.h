/*
 * out.h - what the ranker writes: the mem, rank and kill lines of one
 * snapshot (DESIGN.md) into a JSON writer, and the top-like tables for
 * people (-v) into a text buffer.
 */
#ifndef CULL_RANKER_OUT_H
#define CULL_RANKER_OUT_H

#include <stdio.h>

#include "jw.h"
#include "policy.h"
#include "snap.h"

/* Append the lines (each ending in '\n') to w. */
void out_lines(struct jw *w, const struct snap *s, const struct policy_opt *o,
	       const struct verdict *v);

/* Write the four tables to f. */
void out_tables(FILE *f, const struct snap *s, const struct verdict *v);

/* --top: one screen instead (clear, the snapshot's line, the containers in
 * the order of key, the last sentences), drawn in place like top(1). */
#define OUT_TOP_ROWS 30		/* containers shown */
#define OUT_TOP_LAST 8		/* sentences shown */
struct out_top {
	int key;			/* the order shown (KEY_*) */
	char last[OUT_TOP_LAST][160];	/* ring of sentences, printable */
	size_t n, at;
};
/* Remember the sentences of this snapshot. */
void out_top_note(struct out_top *t, const struct snap *s, const struct verdict *v);
void out_top(FILE *f, const struct snap *s, const struct verdict *v, const struct out_top *t);

#endif
