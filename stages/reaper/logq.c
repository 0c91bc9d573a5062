/*
 * logq.c - the --log-url queue: killed lines waiting to be POSTed to a
 * remote cull-logger. Bounded in lines and bytes so a dead or slow logger
 * costs a known amount of memory and never a delay: when it is full, a line
 * is dropped and counted, and the kill has already happened anyway.
 *
 * struct logpump sends it: the whole queue in one POST at a time, on the
 * loop's libcurl multi handle; a logger that fails costs the lines of that
 * POST (counted, said once until it answers again), never a retry.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mem.h"
#include "reaper.h"

void
logq_init(struct logq *q, size_t max_lines, size_t max_bytes)
{
	memset(q, 0, sizeof *q);
	q->max_lines = max_lines;
	q->max_bytes = max_bytes;
}

int
logq_push(struct logq *q, const char *line, size_t len)
{
	if (q->b.count >= q->max_lines || q->b.len + len + 1 > q->max_bytes) {
		q->dropped++;
		return -1;
	}
	cull_linebuf_put(&q->b, line, len);
	return 0;
}

size_t
logq_take(struct logq *q, char **buf, size_t *lines)
{
	size_t len = q->b.len;

	*buf = q->b.buf;
	*lines = q->b.count;
	memset(&q->b, 0, sizeof q->b);
	return len;
}

void
logq_free(struct logq *q)
{
	free(q->b.buf);
	memset(&q->b, 0, sizeof q->b);
}

/* ---- the sender: one POST at a time on the loop's multi handle ---------- */

void
logpump_init(struct logpump *p, const char *url, CURLM *multi)
{
	memset(p, 0, sizeof *p);
	p->url = url;
	p->multi = multi;
	if (!url)
		return;
	if (!(p->h = curl_easy_init()))
		cull_die(CULL_EXIT_FAIL, "fatal: libcurl cannot make a handle");
	logq_init(&p->q, LOGPUMP_LINES, LOGPUMP_BYTES);
}

void
logpump_push(struct logpump *p, const char *line, size_t len)
{
	if (p->url)
		logq_push(&p->q, line, len);
}

unsigned long
logpump_lost(const struct logpump *p)
{
	return p->q.dropped + p->failed;
}

int
logpump_idle(const struct logpump *p)
{
	return !p->busy && !p->q.b.count;
}

static size_t
discard(char *ptr, size_t s, size_t n, void *u)
{
	(void)ptr;
	(void)u;
	return s * n;
}

void
logpump_send(struct logpump *p)
{
	size_t len;

	if (!p->url || p->busy || p->q.b.count == 0)
		return;
	free(p->body);
	len = logq_take(&p->q, &p->body, &p->lines);
	curl_easy_reset(p->h);
	curl_easy_setopt(p->h, CURLOPT_URL, p->url);
	curl_easy_setopt(p->h, CURLOPT_POST, 1L);
	curl_easy_setopt(p->h, CURLOPT_POSTFIELDS, p->body);
	curl_easy_setopt(p->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(p->h, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(p->h, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(p->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(p->h, CURLOPT_ERRORBUFFER, p->err);
	curl_easy_setopt(p->h, CURLOPT_WRITEFUNCTION, discard);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(p->h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(p->h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	p->err[0] = '\0';
	curl_multi_add_handle(p->multi, p->h);
	p->busy = 1;
}

void
logpump_done(struct logpump *p, CURLcode rc)
{
	long status = 0;

	curl_multi_remove_handle(p->multi, p->h);
	p->busy = 0;
	if (rc == CURLE_OK)
		curl_easy_getinfo(p->h, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_OK && status >= 200 && status < 300) {
		p->sent += p->lines;
		if (p->failing)
			cull_warn("--log-url: %s answers again", p->url);
		p->failing = 0;
	} else {
		p->failed += p->lines;
		if (!p->failing) {
			if (rc != CURLE_OK)
				cull_warn("--log-url: %s: %s (lines are lost and counted)", p->url,
					  p->err[0] ? p->err : curl_easy_strerror(rc));
			else
				cull_warn("--log-url: %s answered HTTP %ld (lines are lost and counted)",
					  p->url, status);
		}
		p->failing = 1;
	}
	p->lines = 0;
}

void
logpump_fini(struct logpump *p)
{
	unsigned long unsent;

	if (!p->url)
		return;
	unsent = p->q.b.count + (p->busy ? p->lines : 0);
	if (p->q.dropped || p->failed || unsent)
		cull_warn("--log-url: %lu lines sent, %lu dropped (queue full), %lu lost "
			  "(logger failed), %lu unsent at exit", p->sent, p->q.dropped,
			  p->failed, unsent);
	if (p->busy)
		curl_multi_remove_handle(p->multi, p->h);
	curl_easy_cleanup(p->h);
	free(p->body);
	logq_free(&p->q);
}
