/* reader-memcg.c - fuzz the reader's memory cgroup parsers with hostile
 * file contents (a container may not write its cgroup files, but a bug in
 * a kernel or a fake root may give anything): the first byte picks the
 * parser, the rest is the file. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "memcg.h"

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char path[MEMCG_PATH_MAX + 1];
	struct psi psi;
	uint64_t v;
	char *buf;
	int v2;

	buf = fuzz_file(data, size);	/* as slurp() or pread_all() gives it */
	if (!buf)
		return 0;
	switch (data[0] % 5) {
	case 0:
		if (memcg_path(buf, size - 1, path, &v2) == 0 &&
		    (strlen(path) > MEMCG_PATH_MAX || strstr(path, "/../") ||
		     strncmp(path, "../", 3) == 0 || strcmp(path, "..") == 0 ||
		     (strlen(path) >= 3 && strcmp(path + strlen(path) - 3, "/..") == 0)))
			abort();
		break;
	case 1: memcg_parse_num(buf, &v); break;
	case 2: memcg_parse_stat(buf, "total_inactive_file", &v); break;
	case 3: memcg_parse_stat(buf, "inactive_file", &v); break;
	case 4: psi_parse(buf, &psi); break;
	}
	free(buf);
	return 0;
}
