/* reaper-kill.c - the state machine of one kill line (stages/reaper/kill.c),
 * driven without an engine: each step's request is checked, fake answers
 * (CURLcode, HTTP status, body) are fed at chosen times, and the decision
 * (send now, wait, done), the retry backoff and the killed line are checked.
 * No libcurl transfer happens; docker_new only names a socket. */
#include <stdlib.h>
#include <string.h>

#include "jv.h"
#include "jw.h"
#include "kill.h"
#include "tap.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define SOCK "/nonexistent/cull-test.sock"
#define LINE "{\"type\":\"kill\",\"seq\":7,\"id\":\"" ID "\",\"name\":\"web-1\",\"class\":\"high\",\"rss_kb\":123}"
#define INSPECT(running, managed) \
	"{\"Id\":\"" ID "\",\"Name\":\"/web-1\",\"State\":{\"Running\":" running "}," \
	"\"Config\":{\"Labels\":{\"cull.managed\":\"" managed "\"}}}"
#define RUNNING INSPECT("true", "true")
#define STOPPED INSPECT("false", "true")
#define T0 100.0	/* when the line was read (monotonic) */

static struct docker *d;
static struct policy pol;
static struct kill_conf conf;

static void
setup(double retry)
{
	memset(&pol, 0, sizeof pol);
	memset(&conf, 0, sizeof conf);
	conf.signal = "SIGKILL";
	conf.retry = retry;
	conf.pol = &pol;
	snprintf(d->api, sizeof d->api, "/v1.41");
}

/* A kill line read at T0, not started. */
static void
take(struct kill *k, const char *line)
{
	struct jv v;
	struct kill_req req;
	json_object *o;

	jv_init(&v);
	o = jv_parse(&v, line, strlen(line));
	if (!o || kill_req_parse(&v, o, &req) < 0) {
		printf("Bail out! cannot parse %s\n", line);
		exit(1);
	}
	json_object_put(o);
	jv_fini(&v);
	kill_init(k, &req, &conf, T0);
}

/* A kill line read at T0, started (first step chosen). */
static void
begin(struct kill *k, const char *line)
{
	take(k, line);
	kill_start(k, &conf, d, T0);
}

static enum kill_do
answer(struct kill *k, CURLcode rc, long status, const char *body, double now)
{
	struct kill_answer a = { .rc = rc, .status = status, .body = body, .now = now };

	return kill_answer(k, &conf, d, &a);
}

/* The request k sends next at now, as "METHOD PATH". */
static const char *
call(struct kill *k, double now, long *timeout_ms)
{
	static char buf[600];
	struct kill_call c;

	kill_call(k, &conf, now, &c);
	snprintf(buf, sizeof buf, "%s %s", c.method, c.path);
	if (timeout_ms)
		*timeout_ms = c.timeout_ms;
	return buf;
}

/* The killed line of k at wall time 1700000000.25, T0 + 0.5 s. */
static struct jw w;

static const char *
line_of(const struct kill *k)
{
	static char buf[2048];

	kill_line(&w, k, &conf, 1700000000.25, T0 + 0.5, 0);
	snprintf(buf, sizeof buf, "%.*s", (int)w.len, w.buf);
	return buf;
}

static void
test_success(void)
{
	struct kill k;
	long ms;

	setup(10);
	begin(&k, LINE);
	is_str(call(&k, T0, &ms), "GET /containers/" ID "/json", "success: inspect first");
	is_int(ms, KILL_REQUEST_MAX_MS, "  a request waits 10 s at most");
	is_int(answer(&k, CURLE_OK, 200, RUNNING, T0 + 0.01), KILL_SEND, "  managed and running: send on");
	is_str(call(&k, T0 + 0.01, NULL), "POST /containers/" ID "/kill?signal=SIGKILL", "  then the kill");
	is_int(answer(&k, CURLE_OK, 204, "", T0 + 0.02), KILL_SEND, "  204: send on");
	is_str(call(&k, T0 + 0.02, NULL), "GET /containers/" ID "/json", "  then look at it");
	is_int(answer(&k, CURLE_OK, 200, RUNNING, T0 + 0.03), KILL_WAIT, "  still running: look again later");
	ok(k.wake > T0 + 0.079 && k.wake < T0 + 0.081, "  50 ms later");
	is_int(answer(&k, CURLE_OK, 200, STOPPED, T0 + 0.1), KILL_DONE, "  stopped: done");
	is_str(line_of(&k), "{\"type\":\"killed\",\"ts\":1700000000.250,\"seq\":7,\"id\":\"" ID "\","
	       "\"name\":\"web-1\",\"class\":\"high\",\"ok\":true,\"status\":204,\"ms\":500.0,"
	       "\"running\":false,\"rss_kb\":123}", "  the killed line");
	kill_free(&k);

	setup(10);
	begin(&k, LINE);
	answer(&k, CURLE_OK, 200, RUNNING, T0);
	answer(&k, CURLE_OK, 204, "", T0);
	is_int(answer(&k, CURLE_OK, 404, "{\"message\":\"gone\"}", T0), KILL_DONE,
	       "gone (--rm) while looking: done");
	ok(k.out.ok && k.out.status == 204 && k.out.running == 0, "  ok, the kill's 204, not running");
	kill_free(&k);
}

static void
test_refusals(void)
{
	struct kill k;

	setup(10);
	begin(&k, LINE);
	is_int(answer(&k, CURLE_OK, 404, "{\"message\":\"No such container: x\"}", T0), KILL_DONE,
	       "404 at inspect: done");
	is_str(line_of(&k), "{\"type\":\"killed\",\"ts\":1700000000.250,\"seq\":7,\"id\":\"" ID "\","
	       "\"name\":\"web-1\",\"class\":\"high\",\"ok\":false,\"status\":404,\"ms\":500.0,"
	       "\"error\":\"no such container\",\"message\":\"No such container: x\",\"rss_kb\":123}",
	       "  the killed line says no such container, with the engine's words");
	kill_free(&k);

	setup(10);
	begin(&k, LINE);
	answer(&k, CURLE_OK, 200, RUNNING, T0);
	is_int(answer(&k, CURLE_OK, 409, "{\"message\":\"is not running\"}", T0), KILL_DONE,
	       "409 at the kill: done");
	ok(!k.out.ok && k.out.status == 409 && k.out.running == 0, "  ok:false, 409, not running");
	is_str(k.out.error, "not running", "  error: not running");
	is_str(k.out.message, "is not running", "  the engine's message");
	kill_free(&k);

	setup(10);
	begin(&k, LINE);
	is_int(answer(&k, CURLE_OK, 200, INSPECT("true", "false"), T0), KILL_DONE, "unmanaged: done");
	is_str(k.out.error, "refused: not labelled cull.managed=true", "  refused by the policy");
	ok(!k.out.ok && k.out.status == 200 && k.out.running == 1, "  ok:false, 200, running");
	kill_free(&k);

	setup(10);
	conf.dry_run = 1;
	begin(&k, LINE);
	is_int(answer(&k, CURLE_OK, 200, RUNNING, T0), KILL_DONE, "--dry-run: done after inspect");
	ok(k.out.ok && strcmp(k.out.message, "would kill") == 0, "  ok, would kill");
	ok(strstr(line_of(&k), "\"dry_run\":true") != NULL, "  the line says dry_run");
	kill_free(&k);

	setup(10);
	begin(&k, LINE);
	is_int(answer(&k, CURLE_WRITE_ERROR, 0, NULL, T0), KILL_DONE, "an answer too large: done at once");
	is_str(k.out.error, "the engine's answer is too large", "  and says so");
	kill_free(&k);
}

/* 5xx: the same request again after 50 ms, 100, 200, ... 1 s at most, never
 * past --retry; then the step decides on the last answer. */
static void
test_retry_5xx(void)
{
	static const double want[] = { 0.05, 0.1, 0.2, 0.4, 0.8, 1.0, 1.0 };
	struct kill k;
	double now = T0;
	size_t i;
	int steady = 1;

	setup(4);
	begin(&k, LINE);
	for (i = 0; i < sizeof want / sizeof *want; i++) {
		if (answer(&k, CURLE_OK, 503, "{\"message\":\"busy\"}", now) != KILL_WAIT ||
		    k.wake < now + want[i] - 1e-9 || k.wake > now + want[i] + 1e-9)
			steady = 0;
		now = k.wake;
	}
	ok(steady, "503: retried after 50, 100, 200, 400, 800 ms, then every second");
	is_str(k.last_err, "HTTP 503: busy", "  the last failure kept");
	is_str(call(&k, now, NULL), "GET /containers/" ID "/json", "  the same request again");
	is_int(answer(&k, CURLE_OK, 503, "{\"message\":\"busy\"}", T0 + 3.9), KILL_WAIT,
	       "  near the --retry end: one more wait ...");
	ok(k.wake <= T0 + 4 + 1e-9, "  ... that ends with --retry");
	is_int(answer(&k, CURLE_OK, 503, "{\"message\":\"busy\"}", T0 + 4), KILL_DONE,
	       "  --retry spent: done");
	is_str(k.out.error, "cannot inspect the container", "  with the step's own error");
	ok(k.out.status == 503 && strcmp(k.out.message, "busy") == 0, "  the 503 and the message");
	kill_free(&k);

	setup(10);
	begin(&k, LINE);
	answer(&k, CURLE_OK, 503, "", T0);
	is_int(answer(&k, CURLE_OK, 200, RUNNING, T0 + 0.05), KILL_SEND, "a 200 after a 503: on");
	ok(k.backoff == KILL_BACKOFF_MIN, "  the backoff starts over");
	kill_free(&k);

	setup(10);
	begin(&k, LINE);
	{
		struct kill_answer a = { .rc = CURLE_OK, .status = 500, .body = "", .now = T0, .stopping = 1 };

		is_int(kill_answer(&k, &conf, d, &a), KILL_DONE, "500 while stopping: no retry");
	}
	kill_free(&k);
}

static void
test_timeouts(void)
{
	struct kill k;
	long ms;

	setup(1);
	begin(&k, LINE);
	call(&k, T0, &ms);
	is_int(ms, KILL_REQUEST_MIN_MS, "--retry 1: the request still waits 1 s");
	is_int(answer(&k, CURLE_OPERATION_TIMEDOUT, 0, NULL, T0 + 0.5), KILL_WAIT, "a time-out: retried");
	is_str(k.last_err, SOCK ": no answer within 1000 ms", "  the failure named");
	is_int(answer(&k, CURLE_COULDNT_CONNECT, 0, NULL, T0 + 1), KILL_DONE,
	       "no answer when --retry is spent: done");
	is_str(line_of(&k), "{\"type\":\"killed\",\"ts\":1700000000.250,\"seq\":7,\"id\":\"" ID "\","
	       "\"name\":\"web-1\",\"class\":\"high\",\"ok\":false,\"status\":0,\"ms\":500.0,"
	       "\"error\":\"engine unreachable\",\"message\":\"" SOCK ": Couldn't connect to server\","
	       "\"rss_kb\":123}", "  the killed line: engine unreachable");
	kill_free(&k);

	setup(30);
	begin(&k, LINE);
	call(&k, T0 + 25, &ms);
	is_int(ms, 5000, "5 s of --retry left: the request waits 5 s");
	kill_free(&k);

	/* a line that waited its turn behind --parallel others: its --retry
	 * counts from its first request, not from its read */
	setup(10);
	take(&k, LINE);
	kill_start(&k, &conf, d, T0 + 20);
	call(&k, T0 + 20, &ms);
	is_int(ms, KILL_REQUEST_MAX_MS, "queued 20 s with --retry 10: its first request waits 10 s");
	is_int(answer(&k, CURLE_OPERATION_TIMEDOUT, 0, NULL, T0 + 21), KILL_WAIT,
	       "  a time-out then: retried, --retry is not spent");
	is_int(answer(&k, CURLE_COULDNT_CONNECT, 0, NULL, T0 + 30), KILL_DONE,
	       "  spent 10 s after its start: done");
	kill_free(&k);

	/* the kill may have landed before the connection dropped */
	setup(10);
	begin(&k, LINE);
	answer(&k, CURLE_OK, 200, RUNNING, T0);
	is_int(answer(&k, CURLE_RECV_ERROR, 0, NULL, T0), KILL_WAIT, "the kill got no answer: retried");
	is_str(call(&k, T0 + 0.05, NULL), "POST /containers/" ID "/kill?signal=SIGKILL", "  the kill again");
	is_int(answer(&k, CURLE_OK, 409, "", T0 + 0.05), KILL_SEND, "  409 to the resent kill: it landed");
	is_int(answer(&k, CURLE_OK, 200, STOPPED, T0 + 0.06), KILL_DONE, "  stopped: done");
	ok(k.out.ok && k.out.status == 409, "  ok, with the 409");
	kill_free(&k);
}

static void
test_steps(void)
{
	struct kill k;
	long ms;

	setup(10);
	d->api[0] = '\0';
	begin(&k, LINE);
	is_str(call(&k, T0, NULL), "GET /version", "no version pinned: ask it first");
	is_int(answer(&k, CURLE_OK, 200, "{\"ApiVersion\":\"1.45\"}", T0), KILL_SEND, "  answered: on");
	is_str(d->api, "/v" DOCKER_API_MAX, "  pinned, at most what we speak");
	kill_free(&k);

	setup(10);
	d->api[0] = '\0';
	begin(&k, LINE);
	is_int(answer(&k, CURLE_OK, 200, "{}", T0), KILL_DONE, "a version answer without ApiVersion: done");
	is_str(k.out.error, "cannot negotiate the API version", "  and says so");
	kill_free(&k);

	setup(10);
	conf.graceful = 1;
	conf.stop_timeout = 5;
	conf.remove = 1;
	begin(&k, LINE);
	answer(&k, CURLE_OK, 200, RUNNING, T0);
	is_str(call(&k, T0, &ms), "POST /containers/" ID "/stop?t=5", "--stop-timeout 5: stop");
	is_int(ms, KILL_REQUEST_MAX_MS + 5000, "  the request waits 5 s more");
	answer(&k, CURLE_OK, 204, "", T0);
	is_str(call(&k, T0, NULL), "DELETE /containers/" ID "?force=true", "--remove: then remove");
	is_int(answer(&k, CURLE_OK, 500, "{\"message\":\"busy\"}", T0 + 10), KILL_DONE,
	       "  remove fails after --retry: done");
	is_str(k.out.error, "killed but not removed", "  killed but not removed");
	kill_free(&k);

	setup(10);
	begin(&k, LINE);
	answer(&k, CURLE_OK, 200, RUNNING, T0);
	answer(&k, CURLE_OK, 204, "", T0);
	is_int(answer(&k, CURLE_OK, 200, RUNNING, T0 + KILL_VERIFY_WAIT), KILL_DONE,
	       "still running after the wait: done");
	ok(!k.out.ok && k.out.running == 1 && strcmp(k.out.error, "still running after the kill") == 0,
	   "  ok:false, running, says so");
	kill_free(&k);
}

static void
test_stop(void)
{
	struct kill k;

	setup(10);
	begin(&k, LINE);
	k.step = KILL_NEW;	/* as a queued line is */
	kill_stop(&k);
	is_str(k.out.error, "not attempted: cull-reaper is stopping", "stopping: a queued line not attempted");
	kill_free(&k);

	setup(10);
	begin(&k, LINE);
	answer(&k, CURLE_COULDNT_CONNECT, 0, NULL, T0);
	kill_stop(&k);
	ok(!k.out.ok && k.out.status == 0 && strcmp(k.out.error, "engine unreachable") == 0,
	   "stopping: a line waiting to retry is unreachable");
	is_str(k.out.message, SOCK ": Couldn't connect to server", "  with why");
	kill_free(&k);
}

int
main(void)
{
	d = docker_new("unix://" SOCK);
	if (!d) {
		printf("Bail out! docker_new\n");
		return 1;
	}
	test_success();
	test_refusals();
	test_retry_5xx();
	test_timeouts();
	test_steps();
	test_stop();
	jw_free(&w);
	docker_free(d);
	curl_global_cleanup();
	return tap_done();
}
