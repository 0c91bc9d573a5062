/* reaper-parts.c - the reaper's parts that need no engine: finding its own
 * container, the policy on an inspect answer, kill lines, signal names, the
 * --log-url queue, --exec's environment. */
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reaper.h"
#include "tap.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define ID_UC "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"

static void
test_self(void)
{
	char id[65];

	ok(self_from_cgroup("12:memory:/docker/" ID "\n0::/docker/" ID "\n", id) == 0 &&
	   strcmp(id, ID) == 0, "cgroupfs driver: /docker/<id>");
	ok(self_from_cgroup("0::/system.slice/docker-" ID ".scope\n", id) == 0 &&
	   strcmp(id, ID) == 0, "systemd driver: docker-<id>.scope");
	ok(self_from_cgroup("0::/kubepods/besteffort/pod1234/" ID "\n", id) == 0, "kubepods/<id>");
	ok(self_from_cgroup("0::/system.slice/cri-containerd-" ID ".scope\n", id) == 0, "cri-containerd-<id>.scope");
	ok(self_from_cgroup("0::/machine.slice/libpod-" ID ".scope/container\n", id) == 0 &&
	   strcmp(id, ID) == 0, "libpod-<id>.scope/container");
	ok(self_from_cgroup("12:memory:/\n0::/\n", id) < 0, "the host: no id");
	ok(self_from_cgroup("0::/user.slice/user-0.slice/session-1.scope\n", id) < 0, "a login session: no id");
	ok(self_from_cgroup("0::/docker/" ID "0\n", id) < 0, "65 hex digits: not an id");
	ok(self_from_cgroup("0::/x" ID "\n", id) < 0, "id glued to other text: not an id");
	ok(self_from_cgroup("0::/docker/" ID "\n1:cpu:/docker/" ID2 "\n", id) == 0 &&
	   strcmp(id, ID2) == 0, "several lines: the last id");
	ok(self_from_cgroup("", id) < 0 && self_from_cgroup("garbage", id) < 0, "empty and garbage");
	ok(self_from_cgroup("0::/libpod_parent/libpod-" ID "\n", id) == 0 && strcmp(id, ID) == 0,
	   "podman cgroupfs: libpod_parent/libpod-<id> (lib/cgid.h)");
	ok(self_from_cgroup("0::/../" ID "\n", id) == 0 && strcmp(id, ID) == 0,
	   "a private cgroup namespace below another's: /../<id>");
	ok(self_from_cgroup("0::/user.slice/" ID "\n", id) < 0, "<id> under no runtime's parent: not a container");

	ok(self_from_mountinfo("1 2 254:0 / / rw - ext4 /dev/vda rw\n"
			       "812 790 254:0 /var/lib/docker/containers/" ID "/hostname /etc/hostname rw,relatime - ext4 /dev/vda rw\n",
			       id) == 0 && strcmp(id, ID) == 0, "mountinfo: /etc/hostname bind mount");
	ok(self_from_mountinfo("812 790 254:0 /data/docker/containers/" ID "/resolv.conf /etc/resolv.conf rw - ext4 /dev/vda rw\n",
			       id) == 0, "mountinfo: another data root, /etc/resolv.conf");
	ok(self_from_mountinfo("99 30 0:50 / /var/lib/docker/containers/" ID "/mounts/shm rw - tmpfs shm rw\n",
			       id) < 0, "mountinfo on the host: another container's shm is not us");
	ok(self_from_mountinfo("812 790 254:0 /var/lib/docker/containers/" ID "/hostname /srv/hostname rw - ext4 x rw\n",
			       id) < 0, "mountinfo: only the three files docker mounts count");
	ok(self_from_mountinfo("812 790 254:0 /var/lib/docker/containers/xyz/hostname /etc/hostname rw - ext4 x rw\n",
			       id) < 0, "mountinfo: no id in the path");
	ok(self_from_mountinfo("812 790 254:0 /srv/containers/docker/containers/" ID "/hostname /etc/hostname rw - ext4 x rw\n",
			       id) == 0 && strcmp(id, ID) == 0, "mountinfo: a data root with /containers/ in its path");
	ok(self_from_mountinfo("812 790 254:0 /containers/" ID2 "/x/containers/" ID "/hosts /etc/hosts rw - ext4 x rw\n",
			       id) == 0 && strcmp(id, ID) == 0, "mountinfo: the last /containers/<id>/ of the path");
	ok(self_from_mountinfo("812 790 254:0 /my\\040docker/containers/" ID "/hosts /etc/hosts rw - ext4 x rw\n",
			       id) == 0 && strcmp(id, ID) == 0, "mountinfo: a data root with a space (\\040)");
}

/* /proc/self/mountinfo as docker 20.10 (overlay2, cgroup v1) makes it,
 * abridged: the root, then the three files from a container's directory. */
#define UPPER "/var/lib/docker/overlay2/419835c56e13c05c68963170ebf4a784ce5e939e9161b29c28599d468dcedb55/diff"
#define UPPER_X "/var/lib/docker/overlay2/4fa8cde6b20ee5731d8298b9c53270185e3d3ae89b9c14e2b071fc6446c49acb/diff"
#define MI_ROOT "108 60 0:38 / / rw,relatime master:3 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/GGV4:" \
	"/var/lib/docker/overlay2/l/V2W6,upperdir=" UPPER ",workdir=/var/lib/docker/overlay2/4198/work\n" \
	"109 108 0:52 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n" \
	"124 110 0:56 / /dev/shm rw,nosuid,nodev,noexec,relatime - tmpfs shm rw,size=65536k\n"
#define MI_FILES(x) \
	"125 108 254:0 /var/lib/docker/containers/" x "/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda rw\n" \
	"126 108 254:0 /var/lib/docker/containers/" x "/hostname /etc/hostname rw,relatime - ext4 /dev/vda rw\n" \
	"127 108 254:0 /var/lib/docker/containers/" x "/hosts /etc/hosts rw,relatime - ext4 /dev/vda rw\n"
#define CG_V1(x) "9:name=systemd:/docker/" x "\n4:memory:/docker/" x "\n0::/docker/" x "\n"
#define CG_PRIVATE "9:name=systemd:/\n4:memory:/\n0::/\n"

#define INSPECT_UP(id, upper) \
	"{\"Id\":\"" id "\",\"Name\":\"/c\",\"State\":{\"Running\":true}," \
	"\"Config\":{\"Labels\":{\"cull.managed\":\"true\"}}," \
	"\"GraphDriver\":{\"Name\":\"overlay2\",\"Data\":{\"UpperDir\":\"" upper "\"}}}"
#define SELF_REFUSED "refused: it is the container cull-reaper runs in"

static const char *refuse(const char *body, const char *ref, struct policy *p);

/* The reaper is ID; X (ID2) is a decoy whose files docker mounts when the
 * reaper runs with --network container:X. */
static void
test_self_decide(void)
{
	struct policy p;
	char up[1024];

	memset(&p, 0, sizeof p);
	ok(self_upperdir(MI_ROOT MI_FILES(ID), up, sizeof up) == 0 && strcmp(up, UPPER) == 0,
	   "the overlay upperdir of /");
	ok(self_upperdir("1 0 254:0 / / rw - ext4 /dev/vda rw\n", up, sizeof up) < 0, "no upperdir on the host");
	ok(self_upperdir("1 0 0:38 / / rw - overlay overlay rw,lowerdir=/a,upperdir=/my\\040root\\054x/diff,workdir=/w\n",
			 up, sizeof up) == 0 && strcmp(up, "/my root,x/diff") == 0, "upperdir: mountinfo escapes undone");
	ok(self_upperdir("1 0 0:38 / / rw - overlay overlay rw,upperdir=/old,workdir=/w\n"
			 "2 1 0:39 / / rw - overlay overlay rw,upperdir=/new,workdir=/w\n", up, sizeof up) == 0 &&
	   strcmp(up, "/new") == 0, "upperdir: the last mount on / is the one seen");

	/* cgroup v1 (and v2) name the container: the strongest evidence */
	is_int(self_decide(CG_V1(ID), MI_ROOT MI_FILES(ID), &p), SELF_CGROUP, "v1 cgroup: by the cgroup");
	is_str(p.self, ID, "v1 cgroup: self");
	is_int(self_decide("0::/docker/" ID "\n", MI_ROOT MI_FILES(ID), &p), SELF_CGROUP, "v2 cgroup: by the cgroup");
	is_str(p.self, ID, "v2 cgroup: self");
	is_int(self_decide("0::/system.slice/docker-" ID ".scope\n", "", &p), SELF_CGROUP, "systemd scope: by the cgroup");
	is_str(p.self, ID, "systemd scope: self");

	/* --network container:X: the files are X's, the cgroup is ours */
	is_int(self_decide(CG_V1(ID), MI_ROOT MI_FILES(ID2), &p), SELF_CGROUP, "--network container:X: by the cgroup");
	is_str(p.self, ID, "--network container:X: self is ours, not X");
	is_str(p.guess, "", "--network container:X: X is not even a guess");
	ok(refuse(INSPECT_UP(ID2, UPPER_X), ID2, &p) == NULL, "--network container:X: X may be killed");
	is_str(refuse(INSPECT_UP(ID, UPPER), ID, &p), SELF_REFUSED, "--network container:X: self refused");

	/* --cgroupns private: "0::/"; the files are ours */
	is_int(self_decide(CG_PRIVATE, MI_ROOT MI_FILES(ID), &p), SELF_UPPER, "private cgroupns: by the upperdir");
	is_str(p.self, "", "private cgroupns: no id for sure yet");
	is_str(p.guess, ID, "private cgroupns: the files' id is a guess");
	is_str(p.upper, UPPER, "private cgroupns: the upperdir kept");
	is_str(refuse(INSPECT_UP(ID, UPPER), ID, &p), SELF_REFUSED, "private cgroupns: self refused");
	ok(refuse(INSPECT_UP(ID2, UPPER_X), ID2, &p) == NULL, "private cgroupns: another container may be killed");

	/* both: nothing names us but the upperdir, the files name X */
	is_int(self_decide(CG_PRIVATE, MI_ROOT MI_FILES(ID2), &p), SELF_UPPER, "both: by the upperdir");
	is_str(p.guess, ID2, "both: X is only a guess");
	is_str(refuse(INSPECT_UP(ID, UPPER), ID, &p), SELF_REFUSED, "both: self refused (same upperdir)");
	ok(refuse(INSPECT_UP(ID2, UPPER_X), ID2, &p) == NULL, "both: X may be killed (another upperdir)");

	/* X's files mounted before or after the reaper's own: the last one on
	 * each mount point is what the container sees */
	is_int(self_decide(CG_PRIVATE, MI_ROOT MI_FILES(ID2) MI_FILES(ID), &p), SELF_UPPER, "X's files then ours");
	is_str(p.guess, ID, "X's files then ours: ours (mounted last)");
	is_int(self_decide(CG_PRIVATE, MI_ROOT MI_FILES(ID) MI_FILES(ID2), &p), SELF_UPPER, "ours then X's");
	is_str(p.guess, ID2, "ours then X's: X's (mounted last), a guess only");
	is_str(refuse(INSPECT_UP(ID, UPPER), ID, &p), SELF_REFUSED, "ours then X's: self still refused by upperdir");

	/* another storage driver (no upperdir): the files are all there is */
	is_int(self_decide(CG_PRIVATE, "1 0 0:38 / / rw - btrfs /dev/x rw\n" MI_FILES(ID2), &p), SELF_GUESS,
	       "no cgroup id, no upperdir: a guess");
	is_str(refuse(INSPECT_UP(ID2, UPPER_X), ID2, &p), SELF_REFUSED,
	       "a guess that cannot be checked is protected (the lesser harm)");

	/* the host: nothing */
	is_int(self_decide("0::/user.slice/user-0.slice/session-1.scope\n",
			   "1 0 254:0 / / rw - ext4 /dev/vda rw\n"
			   "99 30 0:50 / /var/lib/docker/containers/" ID "/mounts/shm rw - tmpfs shm rw\n", &p),
	       SELF_NONE, "the host: no evidence");
	ok(!p.self[0] && !p.guess[0] && !p.upper[0], "the host: nothing protected as self");
	ok(refuse(INSPECT_UP(ID, UPPER), ID, &p) == NULL, "the host: any managed container may be killed");
}

static const char *
refuse(const char *body, const char *ref, struct policy *p)
{
	static struct target t;
	char err[128];

	if (target_parse(body, &t, err, sizeof err) < 0)
		return "parse error";
	return target_refuse(&t, ref, p);
}

#define INSPECT(name, labels, running) \
	"{\"Id\":\"" ID "\",\"Name\":\"/" name "\",\"State\":{\"Running\":" running "}," \
	"\"Config\":{\"Labels\":" labels "}}"

static void
test_policy(void)
{
	struct policy p = {0};
	char *prot[] = { "db", ID2, "0123456789ab" };
	struct target t;
	char err[128];

	ok(refuse(INSPECT("web", "{\"cull.managed\":\"true\"}", "true"), ID, &p) == NULL, "managed: allowed");
	is_str(refuse(INSPECT("web", "{}", "true"), ID, &p), "refused: not labelled cull.managed=true", "no label: refused");
	is_str(refuse(INSPECT("web", "null", "true"), ID, &p), "refused: not labelled cull.managed=true", "Labels null: refused");
	is_str(refuse(INSPECT("web", "{\"cull.managed\":\"yes\"}", "true"), ID, &p), "refused: not labelled cull.managed=true", "managed=yes: refused");
	is_str(refuse(INSPECT("web", "{\"cull.managed\":true}", "true"), ID, &p), "refused: not labelled cull.managed=true", "managed=true as a JSON boolean: refused");
	p.any = 1;
	ok(refuse(INSPECT("web", "{}", "true"), ID, &p) == NULL, "--any: no label needed");
	p.any = 0;
	ok(refuse(INSPECT("web", "{\"cull.managed\":\"true\"}", "true"), "web", &p) == NULL, "asked by name: allowed");
	ok(refuse(INSPECT("web", "{\"cull.managed\":\"true\"}", "true"), "0123456789", &p) == NULL, "asked by id prefix: allowed");
	is_str(refuse(INSPECT("web", "{\"cull.managed\":\"true\"}", "true"), "other", &p),
	       "the engine answered for another container", "answer about something else: refused");
	p.protect = prot;
	p.nprotect = 1;
	is_str(refuse(INSPECT("db", "{\"cull.managed\":\"true\"}", "true"), ID, &p), "refused: protected (--protect)", "--protect name");
	ok(refuse(INSPECT("dbx", "{\"cull.managed\":\"true\"}", "true"), ID, &p) == NULL, "--protect db does not cover dbx");
	p.nprotect = 3;
	is_str(refuse(INSPECT("web", "{\"cull.managed\":\"true\"}", "true"), ID, &p), "refused: protected (--protect)", "--protect short id");
	/* ids compare case-insensitively; names exactly, as docker keeps them */
	{
		char *uc[] = { "0123456789AB", ID_UC, "DB" };

		p.protect = uc;
		p.nprotect = 1;
		is_str(refuse(INSPECT("web", "{\"cull.managed\":\"true\"}", "true"), ID, &p),
		       "refused: protected (--protect)", "--protect SHORT ID in capitals");
		p.protect = uc + 1;
		is_str(refuse(INSPECT("web", "{\"cull.managed\":\"true\"}", "true"), ID, &p),
		       "refused: protected (--protect)", "--protect FULL ID in capitals");
		p.protect = uc + 2;
		ok(refuse(INSPECT("db", "{\"cull.managed\":\"true\"}", "true"), ID, &p) == NULL,
		   "--protect DB does not cover a container named db (names are exact)");
		p.protect = prot;
	}
	ok(refuse(INSPECT("web", "{\"cull.managed\":\"true\"}", "true"), ID_UC, &p) == NULL,
	   "asked by the full id in capitals: the answer is about it");
	p.nprotect = 0;
	memcpy(p.self, ID, 65);
	is_str(refuse(INSPECT("web", "{\"cull.managed\":\"true\"}", "true"), ID, &p),
	       "refused: it is the container cull-reaper runs in", "its own container: refused");
	p.any = 1;
	is_str(refuse(INSPECT("web", "{}", "true"), ID, &p),
	       "refused: it is the container cull-reaper runs in", "its own container: refused even with --any");

	ok(target_parse("{\"Id\":\"" ID "\",\"State\":{\"Running\":false}}", &t, err, sizeof err) == 0 &&
	   !t.running && !t.managed && t.name[0] == 0, "minimal answer parses");
	ok(target_parse("{\"Id\":\"" ID_UC "\",\"State\":{\"Running\":true}}", &t, err, sizeof err) == 0 &&
	   strcmp(t.id, ID) == 0, "an Id in capitals is read in lower case");
	ok(target_parse("{\"Id\":\"abc\",\"State\":{\"Running\":true}}", &t, err, sizeof err) < 0, "short Id rejected");
	ok(target_parse("{\"Id\":\"" ID "\"}", &t, err, sizeof err) < 0, "no State rejected");
	ok(target_parse("[]", &t, err, sizeof err) < 0 && target_parse("", &t, err, sizeof err) < 0 &&
	   target_parse(NULL, &t, err, sizeof err) < 0, "not an object rejected");
}

/* target_parse (its fast path where it decides) against json-c's alone */
static int
same_target(const char *body, int *fast)
{
	struct target a, b;
	char ea[128], eb[128];
	int ra, rb, rf;

	*fast = target_fast(body, &a, ea, sizeof ea, &rf);
	ra = target_parse(body, &a, ea, sizeof ea);
	rb = target_parse_jsonc(body, &b, eb, sizeof eb);
	if (ra != rb)
		return 0;
	if (ra < 0)
		return strcmp(ea, eb) == 0;
	return strcmp(a.id, b.id) == 0 && strcmp(a.name, b.name) == 0 && a.managed == b.managed &&
	       a.running == b.running && strcmp(a.upper, b.upper) == 0;
}

static void
test_target_fast(void)
{
	static const char *const cases[] = {
		INSPECT("web", "{\"cull.managed\":\"true\"}", "true"),
		INSPECT("web", "{\"cull.managed\":\"tru\\u0065\"}", "true"),	/* escaped: json-c */
		INSPECT("a\\u002fb", "{\"cull.managed\":\"true\"}", "false"),
		INSPECT("web", "{\"cull.managed\":\"true\",\"cull.managed\":\"no\"}", "true"),
		INSPECT("web", "{\"cull.manage\\u0064\":\"true\"}", "true"),	/* escaped name */
		INSPECT("web", "{\"cull.managed\\u0000x\":\"true\"}", "true"),
		INSPECT("web", "null", "1"),
		INSPECT("web", "[]", "null"),
		INSPECT("", "{}", "true"),
		"{\"Id\":\"" ID "\",\"State\":{\"Running\":true},\"State\":{\"Running\":false}}",
		"{\"Id\":\"" ID "\",\"Id\":\"abc\",\"State\":{\"Running\":true}}",
		"{\"Id\":\"" ID_UC "\",\"State\":{\"Running\":true}}",
		"{\"I\\u0064\":\"" ID "\",\"State\":{\"Running\":true}}",
		"{\"Id\":\"" ID "\",\"State\":null}",
		"{\"Id\":\"" ID "\",\"Name\":7,\"State\":{\"Running\":true}}",
		"{\"Id\":\"" ID "\",\"State\":{\"Running\":true},\"GraphDriver\":{\"Data\":{\"UpperDir\":\"/u\"}}}",
		"{\"Id\":\"" ID "\",\"State\":{\"Running\":true},\"GraphDriver\":{\"Data\":{\"UpperDir\":\"/\\u0075\"}}}",
		"{\"Id\":\"" ID "\",\"State\":{\"Running\":true},\"GraphDriver\":{\"Data\":null}}",
		" \n{\"Id\":\"" ID "\",\"State\":{\"Running\":true}} ",
		"{\"Id\":\"" ID "\",\"State\":{\"Running\":true}} x",
		"{\"Id\":\"" ID "\",\"State\":{\"Running\":NaN}}",
		"{'Id':1}", "[]", "", "{", "{}", "\"x\"",
	};
	char *fix, *m;
	size_t i, n, pos, bad = 0, taken = 0, runs = 0;
	int fast;
	int fd = open("tests/data/inspect-docker-20.10.json", O_RDONLY);
	static const char subst[] = "\"\\{}:,x";

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		if (!same_target(cases[i], &fast))
			printf("#   differs: %s\n", cases[i]), bad++;
		taken += (size_t)fast;
	}
	ok(bad == 0, "target_parse and json-c agree on %zu written cases (%zu by the fast path)",
	   sizeof cases / sizeof *cases, taken);
	if (fd < 0) {
		ok(0, "tests/data/inspect-docker-20.10.json opens");
		return;
	}
	fix = calloc(1, 1 << 16);
	n = fix ? (size_t)read(fd, fix, (1 << 16) - 1) : 0;
	close(fd);
	ok(n > 1000 && same_target(fix, &fast) && fast,
	   "a real inspect answer (docker 20.10, %zu bytes): the fast path reads it, as json-c does", n);
	m = malloc(n + 1);
	bad = taken = 0;
	for (pos = 0; m && pos < n; pos += 3) {	/* every third byte replaced, and deleted */
		for (i = 0; i <= sizeof subst - 1; i++) {
			memcpy(m, fix, n + 1);
			if (i < sizeof subst - 1)
				m[pos] = subst[i];
			else
				memmove(m + pos, m + pos + 1, n - pos);
			if (!same_target(m, &fast) && bad++ < 5)
				printf("#   differs at %zu (%s)\n", pos, i < sizeof subst - 1 ? "replaced" : "deleted");
			taken += (size_t)fast;
			runs++;
		}
	}
	ok(bad == 0 && runs > 0, "and on %zu mutations of it (%zu decided by the fast path)", runs, taken);
	free(m);
	free(fix);
}

static void
test_request(void)
{
	struct jv v;
	struct kill_req k;
	json_object *o;
	char sig[16];
	static const char line[] = "{\"type\":\"kill\",\"seq\":7,\"id\":\"web-1\",\"name\":\"n\",\"class\":\"low\","
		"\"rss_kb\":10,\"vsz_kb\":20.0,\"mem_pct\":1.50,\"cpu_pct\":0}";

	jv_init(&v);
	o = jv_parse(&v, line, strlen(line));
	ok(o && kill_req_parse(&v, o, &k) == 0, "a full kill line parses");
	is_str(k.ref, "web-1", "id");
	ok(k.has_seq && k.seq == 7, "seq");
	is_str(k.class, "low", "class");
	is_str(k.rss_kb, "10", "rss_kb copied as written");
	is_str(k.mem_pct, "1.50", "mem_pct copied as written (1.50 stays 1.50)");
	is_str(k.cpu_pct, "0", "cpu_pct 0");
	kill_req_free(&k);
	json_object_put(o);
	{
		static const char uc[] = "{\"type\":\"kill\",\"id\":\"" ID_UC "\"}";
		static const char name[] = "{\"type\":\"kill\",\"id\":\"ABCDEF012345\"}";

		o = jv_parse(&v, uc, strlen(uc));
		ok(o && kill_req_parse(&v, o, &k) == 0, "a kill line with a full id in capitals parses");
		is_str(k.ref, ID, "a full id in capitals is asked in lower case (the engine's form)");
		kill_req_free(&k);
		json_object_put(o);
		o = jv_parse(&v, name, strlen(name));
		ok(o && kill_req_parse(&v, o, &k) == 0, "a short all-hex ref parses");
		is_str(k.ref, "ABCDEF012345", "a short ref may be a name: asked as written");
		kill_req_free(&k);
		json_object_put(o);
	}
	jv_fini(&v);

	ok(reaper_ref_ok("web-1") && reaper_ref_ok(ID) && reaper_ref_ok("a.b_c"), "good refs");
	ok(!reaper_ref_ok("") && !reaper_ref_ok("-x") && !reaper_ref_ok("a/b") && !reaper_ref_ok("a b") &&
	   !reaper_ref_ok("a?b") && !reaper_ref_ok("a%2fb") && !reaper_ref_ok("caf\xc3\xa9") &&
	   !reaper_ref_ok("..") && !reaper_ref_ok(".x"), "bad refs");

	ok(reaper_signal("KILL", sig, sizeof sig) == 0 && strcmp(sig, "SIGKILL") == 0, "KILL");
	ok(reaper_signal("sigterm", sig, sizeof sig) == 0 && strcmp(sig, "SIGTERM") == 0, "sigterm");
	ok(reaper_signal("9", sig, sizeof sig) == 0 && strcmp(sig, "9") == 0, "9");
	ok(reaper_signal("0", sig, sizeof sig) < 0 && reaper_signal("65", sig, sizeof sig) < 0 &&
	   reaper_signal("09", sig, sizeof sig) < 0 && reaper_signal("SIG", sig, sizeof sig) < 0 &&
	   reaper_signal("KILL&x=1", sig, sizeof sig) < 0 && reaper_signal("", sig, sizeof sig) < 0,
	   "bad signals");
}

static void
test_logq(void)
{
	struct logq q;
	char *buf;
	size_t lines, len;

	logq_init(&q, 2, 1000);
	ok(logq_push(&q, "a", 1) == 0 && logq_push(&q, "bb", 2) == 0, "two lines fit");
	ok(logq_push(&q, "c", 1) < 0 && q.dropped == 1, "the third is dropped and counted");
	len = logq_take(&q, &buf, &lines);
	ok(len == 5 && lines == 2 && memcmp(buf, "a\nbb\n", 5) == 0, "taken as NDJSON");
	free(buf);
	ok(logq_push(&q, "d", 1) == 0 && q.b.count == 1, "room again after take");
	logq_free(&q);
	logq_init(&q, 100, 10);
	ok(logq_push(&q, "0123456789", 10) < 0, "byte bound holds");
	logq_free(&q);
}

static void
test_spawn(void)
{
	char path[] = "/tmp/reaper-unit-XXXXXX";
	const char *vars[] = { "CULL_NAME=$(echo pwned)'\"", "CULL_X=", NULL };
	char buf[256] = "";
	int fd = mkstemp(path), st;
	pid_t pid;
	ssize_t n;

	setenv("OUT_FILE", path, 1);
	setenv("CULL_NAME", "inherited", 1);
	pid = spawn_exec("printf '%s|%s|%s' \"$CULL_NAME\" \"${CULL_X-unset}\" \"$(ls /proc/self/fd | wc -l)\" >\"$OUT_FILE\"", vars);
	ok(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "--exec command ran");
	n = read(fd, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = '\0';
	/* fds seen by ls: 0 1 (the pipe to wc) 2 and its own dir fd; our mkstemp fd is gone */
	is_str(buf, "$(echo pwned)'\"||4", "data stays data, ours replace inherited, no fd leaks");

	/* the reaper ignores SIGPIPE; its commands must not inherit that */
	signal(SIGPIPE, SIG_IGN);
	ok(ftruncate(fd, 0) == 0, "output file emptied");
	lseek(fd, 0, SEEK_SET);
	pid = spawn_exec("awk '/^SigIgn/ {print $2}' /proc/self/status >\"$OUT_FILE\"", vars);
	ok(pid > 0 && waitpid(pid, &st, 0) == pid, "second command ran");
	n = read(fd, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = '\0';
	ok(n > 0 && (strtoull(buf, NULL, 16) & (1ULL << (SIGPIPE - 1))) == 0,
	   "SIGPIPE is not ignored in the command (SigIgn %s)", strtok(buf, "\n"));
	close(fd);
	unlink(path);
}

int
main(void)
{
	test_self();
	test_self_decide();
	test_policy();
	test_target_fast();
	test_request();
	test_logq();
	test_spawn();
	return tap_done();
}
