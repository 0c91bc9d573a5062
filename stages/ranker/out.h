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

#endif
