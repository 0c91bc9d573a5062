/*
 * jsonc-parse - the floor of the ranker's design: read JSON lines on stdin
 * and parse each one with json-c (strict, UTF-8 checked, as lib/jv.c does),
 * then free it. Nothing is looked up and nothing is written; prints the
 * number of lines that parsed on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <json-c/json.h>

int
main(void)
{
	json_tokener *tok = json_tokener_new_ex(64);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long good = 0;

	if (!tok)
		return 1;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	while ((n = getline(&line, &cap, stdin)) > 0) {
		json_object *o;

		json_tokener_reset(tok);
		o = json_tokener_parse_ex(tok, line, (int)n);
		if (o && json_tokener_get_error(tok) == json_tokener_success)
			good++;
		json_object_put(o);
	}
	fprintf(stderr, "jsonc-parse: %lu lines parsed\n", good);
	free(line);
	json_tokener_free(tok);
	return 0;
}
