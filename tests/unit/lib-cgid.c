/*
 * lib-cgid.c - lib/cgid.h's rule over every form in user space: the table of
 * tests/unit/cgid-cases.h, which kmod/cull_cgid_test.c runs in the kernel.
 */
#include <stddef.h>
#include <string.h>

#include "cgid.h"
#include "cgid-cases.h"
#include "tap.h"

static void
run(const struct cgid_case *cases, size_t n, int file)
{
	char got[CULL_ID_LEN + 1];
	size_t i;

	for (i = 0; i < n; i++)
		if (!ok(cgid_case_ok(&cases[i], file, got), "%s: %s", file ? "file" : "path", cases[i].what))
			printf("#   got:  '%s'\n#   want: '%s'\n", got, cases[i].want);
}

int
main(void)
{
	/* the table's own ids are what they say */
	is_int(strlen(CGID_ID), CULL_ID_LEN, "CGID_ID is 64 digits");
	is_int(strlen(CGID_63), CULL_ID_LEN - 1, "CGID_63 is 63 digits");
	ok(cull_is_id(CGID_ID, strlen(CGID_ID)) && cull_is_id(CGID_ID2, strlen(CGID_ID2)), "cull_is_id: 64 lower-case hex digits");
	ok(!cull_is_id(CGID_UP, strlen(CGID_UP)), "cull_is_id: not upper-case");
	ok(!cull_is_id(CGID_63, strlen(CGID_63)), "cull_is_id: not 63");
	ok(!cull_is_id(CGID_ID "0", strlen(CGID_ID) + 1), "cull_is_id: not 65");
	ok(!cull_is_id("", 0), "cull_is_id: not empty");
	run(cgid_path_cases, CGID_NCASES(cgid_path_cases), 0);
	run(cgid_file_cases, CGID_NCASES(cgid_file_cases), 1);
	return tap_done();
}
