/*
 * version.h - the version every cull program reports with --version: one
 * string for all of them and the packages, from git describe and the VERSION
 * file (mk/version.sh). It lives in libcull.a, compiled from a file the build
 * makes (mk/version.mk), so a new version relinks and recompiles nothing else.
 *
 *   case 'V': cull_version_exit();      ->  "cull-reader 0.1.0+git20261130.c7b14ef"
 */
#ifndef CULL_VERSION_H
#define CULL_VERSION_H

#include <stdio.h>
#include <stdlib.h>

#include "err.h"

extern const char cull_version[];

/* Print "<program> <version>" on stdout and exit 0 (1 when stdout fails).
 * Inline, so the parts linked without libcull (fuzz targets) need nothing. */
static inline __attribute__((noreturn)) void
cull_version_exit(void)
{
	printf("%s %s\n", cull_prog, cull_version);
	cull_stdout_close();
	exit(CULL_EXIT_OK);
}

#endif
