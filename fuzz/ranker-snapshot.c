/* ranker-snapshot.c - fuzz the ranker's snapshot parser and the whole policy
 * on what it accepts; what it writes must parse back as JSON. */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "jv.h"
#include "jw.h"
#include "out.h"
#include "policy.h"
#include "snap.h"

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct jv *v = fuzz_jv();
	struct snap s = {0};
	struct policy_opt po;
	struct cooldown cd = {0};
	struct verdict vd = {0};
	struct jw w = {0};
	json_object *o;

	policy_opt_default(&po);
	o = jv_parse(v, (const char *)data, size);
	if (o && snap_parse(&s, v, o) == 0) {
		size_t i, start = 0;

		policy_run(&s, &po, &cd, &vd);
		out_lines(&w, &s, &po, &vd);
		for (i = 0; i < w.len; i++) {	/* every line written is JSON */
			if (w.buf[i] != '\n')
				continue;
			json_object *back = jv_parse(v, w.buf + start, i - start);

			if (!back)
				abort();
			json_object_put(back);
			start = i + 1;
		}
	}
	json_object_put(o);
	jw_free(&w);
	verdict_free(&vd);
	cooldown_free(&cd);
	snap_free(&s);
	return 0;
}
