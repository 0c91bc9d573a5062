/*
 * web.h - the dashboard's files, served as they are in the tree
 * (stages/logger/dashboard.{html,js,css}, put into the binary by the
 * assembler's .incbin: no copy to keep in step, nothing read at run time).
 *
 *	GET /               dashboard.html
 *	GET /dashboard.js   dashboard.js
 *	GET /dashboard.css  dashboard.css
 *
 * The page loads nothing from elsewhere (it works offline), runs no inline
 * script, and its Content-Security-Policy (WEB_CSP) says so to the browser.
 */
#ifndef CULL_WEB_H
#define CULL_WEB_H

#include <stddef.h>

#define WEB_CSP "default-src 'none'; script-src 'self'; style-src 'self'; " \
		"img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; " \
		"frame-ancestors 'none'"

struct web_file {
	const char *path, *type;
	const char *body;
	size_t len;
};

/* The file served at path, or NULL. */
const struct web_file *web_find(const char *path);

#endif
