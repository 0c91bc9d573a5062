/*
 * cull-low-http - a light workload: a tiny HTTP server on port PORT (default
 * 8080) answering every request with "ok". One connection at a time; a
 * client gets 2 s to send its request head (at most 4 KiB is read), so a
 * silent client cannot hold it. Prints a line per request.
 *
 *   cull-low-http [PORT]
 *
 * SIGTERM or SIGINT ends it with 0; a port it cannot bind ends it with 1.
 */
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include "common.h"

static const char answer[] =
	"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
	"Connection: close\r\n\r\nok\n";

int
main(int argc, char **argv)
{
	long port = wl_arg(argc, argv, 1, 8080, 65535);
	struct sockaddr_in a;
	struct timeval tv = { 2, 0 };
	unsigned long served = 0;
	int one = 1, s;

	wl_signals();
	s = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_ANY);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 16) < 0) {
		wl_say("cull-low-http", "cannot listen on port %ld: %s", port, strerror(errno));
		return 1;
	}
	wl_say("cull-low-http", "listening on port %ld", port);
	while (!wl_stop) {
		char req[4096];
		size_t got = 0;
		ssize_t n;
		int c = accept(s, NULL, NULL);

		if (c < 0)
			continue;	/* EINTR: look at wl_stop */
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		/* read up to the end of the head, the cap, or the timeout */
		while (got < sizeof req - 1 && (n = read(c, req + got, sizeof req - 1 - got)) > 0) {
			got += (size_t)n;
			req[got] = '\0';
			if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
				break;
		}
		if (got > 0 && write(c, answer, sizeof answer - 1) < 0) {
			/* the client went away: nothing to do */
		}
		close(c);
		wl_say("cull-low-http", "request %lu answered", ++served);
	}
	return 0;
}
