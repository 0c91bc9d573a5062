// SPDX-License-Identifier: GPL-2.0
/*
 * cull_cgid_test - lib/cgid.h's cases (tests/unit/cgid-cases.h, the table
 * tests/unit/lib-cgid.c runs in user space) run inside the kernel, built
 * with the module's own flags. Loading it runs every case and writes TAP to
 * the kernel log:
 *
 *   cull_cgid_test: ok 1 - path: docker, cgroupfs: /docker/<id>
 *   cull_cgid_test: not ok 2 - path: ...: got '' want '0123...'
 *   cull_cgid_test: 1..N
 *   cull_cgid_test: passed N of N
 *
 * Init returns 0 when every case passed (rmmod it afterwards), -EINVAL
 * otherwise. A test module only: built beside cull_sysinfo.ko when asked
 * (make -C kmod CULL_CGID_TEST=m; kmod/test/boot.sh does), never installed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/types.h>

#include "cgid.h"
#include "cgid-cases.h"

static unsigned int cgid_run(const struct cgid_case *cases, size_t n, int file,
			     unsigned int *num)
{
	char got[CULL_ID_LEN + 1];
	unsigned int failed = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		const char *kind = file ? "file" : "path";

		++*num;
		if (cgid_case_ok(&cases[i], file, got)) {
			pr_info("ok %u - %s: %s\n", *num, kind, cases[i].what);
		} else {
			pr_err("not ok %u - %s: %s: got '%s' want '%s'\n", *num, kind,
			       cases[i].what, got, cases[i].want);
			failed++;
		}
	}
	return failed;
}

static int __init cull_cgid_test_init(void)
{
	unsigned int num = 0, failed;

	failed = cgid_run(cgid_path_cases, CGID_NCASES(cgid_path_cases), 0, &num);
	failed += cgid_run(cgid_file_cases, CGID_NCASES(cgid_file_cases), 1, &num);
	pr_info("1..%u\n", num);
	pr_info("passed %u of %u\n", num - failed, num);
	return failed ? -EINVAL : 0;
}

static void __exit cull_cgid_test_exit(void)
{
}

module_init(cull_cgid_test_init);
module_exit(cull_cgid_test_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lib/cgid.h's container-id cases, run in the kernel");
