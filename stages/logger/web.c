/* web.c - see web.h */
#include <string.h>

#include "web.h"

/* Each file between two symbols, in read-only data. The paths are relative
 * to the top of the tree, where make runs the compiler; mk/logger.mk makes
 * this object depend on them. */
#define WEB_INCBIN(sym, file) \
	__asm__(".section .rodata\n" \
		".global " #sym "_start\n" #sym "_start:\n" \
		".incbin \"" file "\"\n" \
		".global " #sym "_end\n" #sym "_end:\n" \
		".byte 0\n" \
		".previous\n"); \
	extern const char sym##_start[], sym##_end[]

WEB_INCBIN(cull_web_html, "stages/logger/dashboard.html");
WEB_INCBIN(cull_web_js, "stages/logger/dashboard.js");
WEB_INCBIN(cull_web_css, "stages/logger/dashboard.css");

const struct web_file *
web_find(const char *path)
{
	static struct web_file files[3];
	size_t i;

	if (!files[0].path) {
		files[0] = (struct web_file){ "/", "text/html; charset=utf-8", cull_web_html_start,
					      (size_t)(cull_web_html_end - cull_web_html_start) };
		files[1] = (struct web_file){ "/dashboard.js", "text/javascript; charset=utf-8",
					      cull_web_js_start,
					      (size_t)(cull_web_js_end - cull_web_js_start) };
		files[2] = (struct web_file){ "/dashboard.css", "text/css; charset=utf-8",
					      cull_web_css_start,
					      (size_t)(cull_web_css_end - cull_web_css_start) };
	}
	for (i = 0; i < sizeof files / sizeof files[0]; i++)
		if (!strcmp(path, files[i].path))
			return &files[i];
	return NULL;
}
