/* reader-procfs.c - fuzz the reader's /proc parsers with hostile file
 * contents: the first byte picks the parser, the rest is the file. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "procfs.h"

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct proc p;
	struct mem m;
	uint64_t ns;
	char id[CONTAINER_ID_LEN + 1];
	char *buf;

	buf = fuzz_file(data, size);	/* as slurp() or pread_all() gives it */
	if (!buf)
		return 0;
	memset(&p, 0, sizeof p);
	switch (data[0] % 5) {
	case 0: parse_stat(buf, size - 1, 100, 4, &p); break;
	case 1: parse_meminfo(buf, &m); break;
	case 2: parse_uptime(buf, &ns); break;
	case 3:
		if (cgroup_container_id(buf, size - 1, id) && strlen(id) != CONTAINER_ID_LEN)
			abort();
		break;
	case 4: cmdline_tidy(buf, size - 1); break;
	}
	free(buf);
	return 0;
}
