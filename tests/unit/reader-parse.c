/* reader-parse.c - the reader's parsers, apart from any I/O. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "events.h"
#include "kmod.h"
#include "memcg.h"
#include "procfs.h"
#include "snapshot.h"
#include "tap.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void
test_cgroup(void)
{
	char id[65];
	static const struct {
		const char *text;
		int found;
		const char *what;
	} cases[] = {
		{ "0::/docker/" ID "\n", 1, "cgroup v2, cgroupfs driver" },
		{ "12:memory:/docker/" ID "\n11:cpu:/docker/" ID "\n0::/\n", 1, "cgroup v1 lines" },
		{ "0::/system.slice/docker-" ID ".scope\n", 1, "systemd driver scope" },
		{ "0::/kubepods/burstable/pod1/cri-containerd-" ID ".scope\n", 1, "containerd scope" },
		{ "0::/machine.slice/libpod-" ID ".scope/container\n", 1, "podman scope, nested" },
		{ "0::/docker/" ID, 1, "no newline at the end" },
		{ "0::/user.slice/user-0.slice/session-1.scope\n", 0, "host session" },
		{ "0::/\n", 0, "root cgroup" },
		{ "0::/docker/" "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\n", 0, "upper-case hex" },
		{ "0::/docker/" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n", 0, "63 hex digits" },
		{ "0::/docker/" ID "0\n", 0, "65 hex digits" },
		{ "0::/system.slice/docker-" ID ".scopex\n", 0, "scope suffix with more after it" },
		{ "0::/system.slice/docker-" ID "\n", 0, "docker- without .scope" },
		{ "0::/system.slice/mydocker-" ID ".scope\n", 0, "docker- not at a component start" },
		/* podman's cgroupfs driver (cgroup v1 here), and its conmon */
		{ "10:memory:/libpod_parent/libpod-" ID "\n", 1, "podman cgroupfs: libpod_parent/libpod-<id>" },
		{ "10:memory:/libpod_parent/libpod-" ID "/sub\n", 1, "podman cgroupfs, nested" },
		{ "10:memory:/libpod_parent/conmon\n", 0, "podman's conmon" },
		{ "10:memory:/libpod-" ID "\n", 0, "libpod-<id> without libpod_parent or .scope" },
		/* a reader in a private cgroup namespace sees the others above its root */
		{ "12:memory:/../" ID "\n", 1, "private cgroupns: /../<id>" },
		{ "0::/../../docker/" ID "\n", 1, "private cgroupns: /../../docker/<id>" },
		{ "0::/../" ID "/sub\n", 1, "private cgroupns, nested" },
		{ "0::/\n", 0, "private cgroupns: the reader's own container" },
		{ "0::/" ID "\n", 0, "an id at the root of the hierarchy" },
		{ "0::/user.slice/" ID "\n", 0, "an id under something else" },
		{ "0::/../user.slice/" ID "\n", 0, "an id under something else, above the root" },
		/* other runtimes */
		{ "0::/kubepods.slice/kubepods-besteffort.slice/crio-" ID ".scope\n", 1, "CRI-O scope" },
		{ "0::/kubepods/besteffort/pod0f1e2d3c-aaaa-bbbb-cccc-123456789abc/" ID "\n", 1,
		  "kubelet cgroupfs: kubepods/.../pod<uid>/<id>" },
		{ "0::/besteffort/pod0f1e2d3c/" ID "\n", 0, "pod<uid>/<id> outside kubepods" },
		/* the first form from the root wins; other lines are tried in turn */
		{ "0::/docker/" ID "/docker/" "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" "\n", 1,
		  "docker in docker: the outer id" },
		{ "12:memory:/\n11:cpu:/docker/" ID "\n", 1, "a later line names it" },
		{ "12:memory:/docker/x:y\n0::/docker/" ID "\n", 1, "a path with ':' in it" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int got = cgroup_container_id(cases[i].text, strlen(cases[i].text), id);

		ok(got == cases[i].found && (!got || strcmp(id, ID) == 0), "cgroup: %s", cases[i].what);
	}
}

static void
test_stat(void)
{
	struct proc p;
	static const char st[] =
		"4242 (a) Z 1 2 (x) R 7 4242 4242 0 -1 4194560 100 0 0 0 250 150 0 0 20 0 1 0 "
		"1234 10485760 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
	static const char kthread[] =
		"2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 3 0 0 20 0 1 0 1 0 0 "
		"18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 17 0 0 0 0 0 0\n";

	memset(&p, 0, sizeof p);
	ok(parse_stat(st, sizeof st - 1, 100, 4, &p) == 0, "stat with ') R ' inside comm parses");
	is_str(p.comm, "a) Z 1 2 (x", "comm runs to the last ')'");
	ok(p.state == 'R' && p.ppid == 7, "state and ppid after the real ')'");
	is_int((long long)p.cpu_ns, 4000000000LL, "cpu_ns = (utime+stime) ticks");
	is_int((long long)p.start_ns, 12340000000LL, "start_ns from starttime ticks");
	is_int((long long)p.vsz_kb, 10240, "vsz_kb from bytes");
	is_int((long long)p.rss_kb, 1200, "rss_kb from pages");
	memset(&p, 0, sizeof p);
	ok(parse_stat(kthread, sizeof kthread - 1, 100, 4, &p) == 0 && p.vsz_kb == 0 &&
	   p.rss_kb == 0, "kernel thread: no memory");
	ok(p.exec_sig == 0, "a stat without fields 25..49 (before 3.5): exec_sig unknown");
	{	/* 52 fields: code 26-27, stack 28, arguments 48-49 */
		static const char a[] =
			"9 (sh) S 1 9 9 0 -1 4194560 100 0 0 0 1 1 0 0 20 0 3 0 1234 10485760 300 "
			"18446744073709551615 94000000000000 94000000100000 140700000000000 0 0 0 0 0 0 0 0 0 "
			"17 1 0 0 0 0 0 94000000200000 94000000300000 94000000400000 140700000001000 "
			"140700000001100 140700000001100 140700000002000 0\n";
		char b[sizeof a];
		uint64_t sig;

		memset(&p, 0, sizeof p);
		ok(parse_stat(a, sizeof a - 1, 100, 4, &p) == 0 && p.exec_sig != 0 && p.threads == 3,
		   "a whole stat: exec_sig known, threads (field 20)");
		sig = p.exec_sig;
		memcpy(b, a, sizeof a);
		b[strstr(b, " 140700000001000 ") - b + 15] = '9';	/* arg_start moves */
		ok(parse_stat(b, sizeof b - 1, 100, 4, &p) == 0 && p.exec_sig != sig,
		   "  the arguments moved (an exec): another exec_sig");
	}
	ok(parse_stat("12 (x) S 1 2 3", 14, 100, 4, &p) < 0, "truncated stat rejected");
	ok(parse_stat("12 x S 1", 8, 100, 4, &p) < 0, "stat without parentheses rejected");
	ok(parse_stat("", 0, 100, 4, &p) < 0, "empty stat rejected");
	{	/* a real-time process: priority -100, nice -20 */
		static const char rt[] =
			"77 (rt) S 1 77 77 0 -1 4194560 0 0 0 0 7 3 0 0 -100 -20 1 0 500 4096 2\n";
		static const char big[] =
			"77 (x) S 1 77 77 0 -1 4194560 0 0 0 0 18446744073709551616 3 0 0 20 0 1 0 500 4096 2\n";
		static const char plus[] =
			"77 (x) S 1 77 77 0 -1 4194560 0 0 0 0 +7 3 0 0 20 0 1 0 500 4096 2\n";

		memset(&p, 0, sizeof p);
		ok(parse_stat(rt, sizeof rt - 1, 100, 4, &p) == 0 && p.cpu_ns == 100000000 &&
		   p.start_ns == 5000000000ULL && p.rss_kb == 8, "negative priority and nice read past");
		ok(parse_stat(big, sizeof big - 1, 100, 4, &p) < 0, "a field over 64 bits rejected");
		ok(parse_stat(plus, sizeof plus - 1, 100, 4, &p) < 0,
		   "a field that is not a number rejected");
	}
}

static void
test_host_files(void)
{
	struct mem m;
	uint64_t ns;
	char cmd[] = "sleep\0" "10\0" "a b\0\0";

	ok(parse_meminfo("MemTotal:       1000 kB\nMemFree:  200 kB\nMemAvailable: 600 kB\n"
			 "Buffers: 5 kB\nCached: 9 kB\nShmem: 7 kB\n", &m) == 0 &&
	   m.total_kb == 1000 && m.free_kb == 200 && m.available_kb == 600 &&
	   m.buffers_kb == 5 && m.shared_kb == 7, "meminfo fields");
	ok(parse_meminfo("MemTotal: 1000 kB\nMemFree: 200 kB\n", &m) == 0 && m.available_kb == 200,
	   "no MemAvailable: free is used");
	ok(parse_meminfo("SwapTotal: 5 kB\nMemFree: 1 kB\n", &m) < 0, "no MemTotal rejected");
	ok(parse_meminfo("XMemTotal: 5 kB\nMemFree: 1 kB\n", &m) < 0, "key must start a line");
	ok(parse_uptime("123.45 99.00\n", &ns) == 0 && ns == 123450000000ULL, "uptime");
	ok(parse_uptime("7\n", &ns) == 0 && ns == 7000000000ULL, "uptime without fraction");
	ok(parse_uptime("x", &ns) < 0, "bad uptime rejected");
	is_int((long long)cmdline_tidy(cmd, sizeof cmd - 1), 12, "cmdline length");
	is_str(cmd, "sleep 10 a b", "NULs become spaces, trailing ones dropped");
}

static void
test_kmod(void)
{
	struct jv v;
	struct sample s = {0};
	static const char good[] =
		"{\"v\":1,\"uptime_ns\":5000000000,\"cpus\":2,\"hz\":250,"
		"\"mem\":{\"total_kb\":1000,\"free_kb\":100,\"available_kb\":400,\"shared_kb\":1,\"buffers_kb\":2},"
		"\"procs\":[{\"pid\":9,\"ppid\":1,\"comm\":\"q\\\"b\\\\\\n\",\"cmdline\":\"a \\u0001 b\","
		"\"container\":\"" ID "\",\"state\":\"S\",\"vsz_kb\":10,\"rss_kb\":5,\"cpu_ns\":1000000000,"
		"\"start_ns\":1000000000},"
		"{\"pid\":1,\"ppid\":0,\"comm\":\"init\",\"cmdline\":\"/sbin/init\",\"container\":\"\","
		"\"state\":\"S\",\"vsz_kb\":10,\"rss_kb\":5,\"cpu_ns\":0,\"start_ns\":0}]}";
	static const struct {
		const char *doc, *err;
	} bad[] = {
		{ "{\"v\":4}", "report version 4 is not one this reader knows (1, 2, 3)" },
		{ "{\"v\":0}", "report version 0 is not one this reader knows (1, 2, 3)" },
		{ "{\"v\":1,\"uptime_ns\":1,\"mem\":{\"total_kb\":0,\"free_kb\":0,\"available_kb\":0},\"procs\":[]}",
		  "\"mem.total_kb\" is too small (0, the least allowed is 1)" },
		{ "{\"v\":1,\"uptime_ns\":1,\"mem\":{\"total_kb\":5,\"free_kb\":0,\"available_kb\":0},\"procs\":[1]}",
		  "\"procs[0]\" is a number, not an object" },
		{ "{\"v\":1,\"uptime_ns\":1,\"mem\":{\"total_kb\":5,\"free_kb\":0,\"available_kb\":0},"
		  "\"procs\":[{\"pid\":1,\"ppid\":0,\"comm\":\"x\",\"cmdline\":\"\",\"container\":\"abc\","
		  "\"state\":\"S\",\"vsz_kb\":1,\"rss_kb\":1,\"cpu_ns\":0,\"start_ns\":0}]}",
		  "\"procs[0].container\" is not a 64-hex id" },
		{ "{\"v\":1,\"uptime_ns\":1,\"mem\":{\"total_kb\":5,\"free_kb\":0,\"available_kb\":0},"
		  "\"procs\":[{\"pid\":1,\"ppid\":0,\"comm\":\"x\",\"cmdline\":\"\",\"container\":\"\","
		  "\"state\":\"S\",\"vsz_kb\":1,\"rss_kb\":-1,\"cpu_ns\":0,\"start_ns\":0}]}",
		  "\"procs[0].rss_kb\" is negative (-1, the least allowed is 0)" },
		{ "{\"v\":1,", "not JSON: the line ends inside a value" },
		{ "[1]", "not a JSON object but an array" },
	};
	size_t i;

	jv_init(&v);
	ok(kmod_parse(&v, good, sizeof good - 1, 0, &s) == 0, "module report parses (%s)", v.err);
	ok(s.nprocs == 1 && s.procs[0].pid == 9, "host process dropped without all");
	is_str(s.nprocs ? s.procs[0].comm : "", "q\"b\\\n", "escaped comm decoded");
	is_str(s.nprocs ? s.procs[0].cmdline : "", "a \x01 b", "escaped cmdline decoded");
	ok(s.uptime_ns == 5000000000ULL && s.mem.total_kb == 1000 && s.mem.available_kb == 400,
	   "uptime and memory");
	ok(kmod_parse(&v, good, sizeof good - 1, 1, &s) == 0 && s.nprocs == 2, "all keeps host processes");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = kmod_parse(&v, bad[i].doc, strlen(bad[i].doc), 0, &s);

		ok(rc < 0 && s.nprocs == 0, "bad report %zu rejected", i);
		is_str(v.err, bad[i].err, "bad report %zu: message", i);
	}
	sample_free(&s);
	jv_fini(&v);
}

#define V_BODY ",\"uptime_ns\":1,\"mem\":{\"total_kb\":5,\"free_kb\":0,\"available_kb\":0}," \
	"\"procs\":[{\"pid\":1,\"ppid\":0,\"comm\":\"x\",\"cmdline\":\"\",\"container\":\"" ID "\"," \
	"\"state\":\"S\",\"vsz_kb\":1,\"rss_kb\":1,\"cpu_ns\":0,\"start_ns\":0}]"
#define V3_HEAD "{\"v\":3" V_BODY
#define ID2 "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff02"
#define ID3 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa03"

/* Version 3: each container's memory cgroup, "cgroups", parsed strictly. */
static void
test_kmod_v3(void)
{
	struct jv v;
	struct sample s = {0};
	const struct sample_cg *c;
	static const char good[] = V3_HEAD ",\"cgroups\":{"
		"\"" ID2 "\":{\"usage_kb\":300},"
		"\"" ID "\":{\"usage_kb\":8400,\"limit_kb\":65536},"
		"\"" ID3 "\":{\"usage_kb\":0,\"limit_kb\":9007199254740991,\"later\":1}},"
		"\"procs_omitted\":2}";
	static const char v2[] = "{\"v\":2" V_BODY ",\"cgroups\":{\"x\":1}}";
	static const struct {
		const char *doc, *err;
	} bad[] = {
		{ V3_HEAD ",\"cgroups\":[]}", "\"cgroups\" is an array, not an object" },
		{ V3_HEAD ",\"cgroups\":{\"abc\":{\"usage_kb\":1}}}",
		  "\"cgroups\" has a key \"abc\" that is not a 64-hex id" },
		{ V3_HEAD ",\"cgroups\":{\"" ID "0\":{\"usage_kb\":1}}}",
		  "\"cgroups\" has a key \"" ID "0\" that is not a 64-hex id" },
		{ V3_HEAD ",\"cgroups\":{\"" ID "\":5}}", "\"cgroups." ID "\" is a number, not an object" },
		{ V3_HEAD ",\"cgroups\":{\"" ID "\":{}}}", "\"cgroups." ID ".usage_kb\" is missing" },
		{ V3_HEAD ",\"cgroups\":{\"" ID "\":{\"usage_kb\":-1}}}",
		  "\"cgroups." ID ".usage_kb\" is negative (-1, the least allowed is 0)" },
		{ V3_HEAD ",\"cgroups\":{\"" ID "\":{\"usage_kb\":1,\"limit_kb\":\"max\"}}}",
		  "\"cgroups." ID ".limit_kb\" is a string, not a number" },
	};
	size_t i;

	jv_init(&v);
	ok(kmod_parse(&v, good, sizeof good - 1, 0, &s) == 0, "v3 report parses (%s)", v.err);
	is_int((long long)s.ncgs, 3, "v3: three cgroups entries");
	c = sample_cg_find(&s, ID);
	ok(c && c->usage_kb == 8400 && c->limit_kb == 65536, "v3: usage_kb and limit_kb");
	c = sample_cg_find(&s, ID2);
	ok(c && c->usage_kb == 300 && c->limit_kb == 0, "v3: no limit_kb is no limit (0)");
	c = sample_cg_find(&s, ID3);
	ok(c && c->usage_kb == 0 && c->limit_kb == 0,
	   "v3: a limit of 2^62 bytes or more is no limit, as memcg.c reads v1; unknown members ignored");
	ok(s.ncgs == 3 && strcmp(s.cgs[0].id, s.cgs[1].id) < 0 && strcmp(s.cgs[1].id, s.cgs[2].id) < 0,
	   "v3: entries sorted by id");
	ok(s.nprocs == 1 && s.omitted == 2, "v3: procs and procs_omitted as in v2");
	ok(kmod_parse(&v, V3_HEAD "}", sizeof V3_HEAD, 0, &s) == 0 && s.ncgs == 0,
	   "v3 without cgroups (a kernel without CONFIG_MEMCG): none (%s)", v.err);
	ok(kmod_parse(&v, v2, sizeof v2 - 1, 0, &s) == 0 && s.ncgs == 0,
	   "v2: a cgroups member is not v2's, ignored as any unknown member (%s)", v.err);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = kmod_parse(&v, bad[i].doc, strlen(bad[i].doc), 0, &s);

		ok(rc < 0 && s.nprocs == 0 && s.ncgs == 0, "bad v3 report %zu rejected", i);
		is_str(v.err, bad[i].err, "bad v3 report %zu: message", i);
	}
	sample_free(&s);
	jv_fini(&v);
}

static struct proc *
add(struct sample *s, int pid, uint64_t start, uint64_t cpu)
{
	struct proc *p = sample_add(s);

	p->pid = pid;
	p->start_ns = start;
	p->cpu_ns = cpu;
	p->cmdline = strdup("");
	return p;
}

static void
test_cpu(void)
{
	struct sample s = {0};
	struct cpu_prev prev = {0};

	/* first snapshot at t=10 s: lifetime averages */
	s.uptime_ns = 10000000000ULL;
	add(&s, 20, 5000000000ULL, 1000000000ULL);	/* 1 s of CPU over 5 s: 20% */
	add(&s, 10, 0, 10000000000ULL);			/* 10 s over 10 s: 100% */
	snapshot_cpu(&s, &prev);
	ok(s.procs[0].pid == 10 && s.procs[1].pid == 20, "sorted by pid");
	ok(s.procs[0].cpu_pct > 99.99 && s.procs[0].cpu_pct < 100.01, "lifetime average 100%%");
	ok(s.procs[1].cpu_pct > 19.99 && s.procs[1].cpu_pct < 20.01, "lifetime average 20%%");

	/* second at t=12 s: pid 10 used 0.5 s (25%); pid 20 is a new process
	 * (other start time) that used 0.1 s since it started at 11 s (10%) */
	sample_clear(&s);
	s.uptime_ns = 12000000000ULL;
	add(&s, 10, 0, 10500000000ULL);
	add(&s, 20, 11000000000ULL, 100000000ULL);
	snapshot_cpu(&s, &prev);
	ok(s.procs[0].cpu_pct > 24.99 && s.procs[0].cpu_pct < 25.01, "delta since previous: 25%%");
	ok(s.procs[1].cpu_pct > 9.99 && s.procs[1].cpu_pct < 10.01,
	   "reused pid: its own average, not a delta against the old process (%.2f)", s.procs[1].cpu_pct);
	sample_free(&s);
	cpu_prev_free(&prev);
}

/* the memory cgroup of a /proc/<pid>/cgroup file, and its files' numbers */
static void
test_memcg(void)
{
	static const struct {
		const char *in, *path;	/* path NULL: none */
		int v2;
		const char *what;
	} cases[] = {
		{ "12:memory:/docker/" ID "\n0::/docker/" ID "\n", "docker/" ID, 0, "v1 memory line first" },
		{ "0::/docker/" ID "\n12:memory:/docker/x\n", "docker/x", 0, "v1 memory line wherever it is" },
		{ "5:cpu,memory,blkio:/k/a\n", "k/a", 0, "memory among joined controllers" },
		{ "5:memoryx:/k/a\n0::/u/a\n", "u/a", 1, "memoryx is not memory" },
		{ "0::/system.slice/docker-" ID ".scope\n", "system.slice/docker-" ID ".scope", 1, "v2 unified line" },
		{ "1:name=systemd:/x\n", NULL, 0, "neither line" },
		{ "0::/../" ID "\n", NULL, 0, "a .. component (private cgroup namespace)" },
		{ "0::/a/..\n", NULL, 0, "a trailing .." },
		{ "0::/a/..b/c\n", "a/..b/c", 1, "..b is a name, not .." },
		{ "0::docker/x\n", NULL, 0, "a path not starting with /" },
		{ "10::/x\n", NULL, 0, "10:: is not the unified line" },
		{ "12:memory:\n0::/u\n", "u", 1, "an empty memory path falls to the unified one" },
		{ "", NULL, 0, "empty file" },
	};
	static const struct {
		const char *in, *out, *what;
	} cut[] = {
		{ "docker/" ID, "docker/" ID, "the container's own" },
		{ "machine.slice/libpod-" ID ".scope/container", "machine.slice/libpod-" ID ".scope",
		  "a sub-cgroup of it: cut to it" },
		{ "docker/" ID "/a/b", "docker/" ID, "two levels below it" },
		{ "docker/" ID "/docker/" ID, "docker/" ID, "the id again below: the first wins" },
		{ "kubepods-besteffort.slice", "kubepods-besteffort.slice", "names no id: kept" },
		{ "docker/" ID "x", "docker/" ID "x", "names no id (65 characters): kept" },
		{ "docker/ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff/s",
		  "docker/ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff/s",
		  "names another id: kept" },
		{ "", "", "the root" },
	};
	char path[MEMCG_PATH_MAX + 1], big[MEMCG_PATH_MAX + 16];
	uint64_t v;
	size_t i;
	int v2;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		int rc = memcg_path(cases[i].in, strlen(cases[i].in), path, &v2);

		if (cases[i].path)
			ok(rc == 0 && strcmp(path, cases[i].path) == 0 && v2 == cases[i].v2,
			   "memcg path: %s (%s)", cases[i].what, rc ? "none" : path);
		else
			ok(rc < 0, "memcg path: %s: none", cases[i].what);
	}
	memset(big, 'a', sizeof big);
	memcpy(big, "0::/", 4);
	ok(memcg_path(big, sizeof big, path, &v2) < 0, "memcg path longer than MEMCG_PATH_MAX: none");
	for (i = 0; i < sizeof cut / sizeof *cut; i++) {
		snprintf(path, sizeof path, "%s", cut[i].in);
		memcg_container_path(path, ID);
		is_str(path, cut[i].out, "container cgroup: %s", cut[i].what);
	}

	ok(memcg_parse_num("83886080\n", &v) == 0 && v == 83886080, "a number");
	ok(memcg_parse_num("max\n", &v) == 0 && v == UINT64_MAX, "v2 max: no limit");
	ok(memcg_parse_num("9223372036854771712\n", &v) == 0 && v == UINT64_MAX, "v1 no limit");
	ok(memcg_parse_num("12345678901234567890123\n", &v) < 0, "overflow rejected");
	ok(memcg_parse_num("-1\n", &v) < 0 && memcg_parse_num("", &v) < 0 &&
	   memcg_parse_num("12x\n", &v) < 0 && memcg_parse_num("maxi", &v) < 0, "junk rejected");
	ok(memcg_parse_stat("cache 1\ntotal_inactive_file 4096\n", "total_inactive_file", &v) == 0 &&
	   v == 4096, "v1 total_inactive_file");
	ok(memcg_parse_stat("total_inactive_file 4096\ninactive_file 8\n", "inactive_file", &v) == 0 &&
	   v == 8, "v2 inactive_file, not total_inactive_file");
	ok(memcg_parse_stat("inactive_file_x 5\n", "inactive_file", &v) < 0, "a longer key is not the key");
	ok(memcg_parse_stat("inactive_file -5\n", "inactive_file", &v) < 0 &&
	   memcg_parse_stat("inactive_file 5x\n", "inactive_file", &v) < 0 &&
	   memcg_parse_stat("", "inactive_file", &v) < 0, "bad or absent value rejected");
}

/* one event line at a time against a cache of one container */
static int
apply(json_object *cache, json_tokener *tok, const char *line, char id[65])
{
	return events_apply(cache, tok, line, strlen(line), id);
}

#define OTHER "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define EV(action, cid, attrs) "{\"Type\":\"container\",\"Action\":\"" action "\"," \
	"\"Actor\":{\"ID\":\"" cid "\",\"Attributes\":{" attrs "}},\"time\":1}"

static void
test_events(void)
{
	/* the cache holds each container rendered as a snapshot writes it (events.c) */
	json_object *cache = json_object_new_object();
	json_tokener *tok = json_tokener_new();
	json_object *c;
	char id[65] = "";

	json_object_object_add(cache, ID, json_object_new_string(
		"{\"name\":\"web\",\"image\":\"img:1\",\"created\":5,\"labels\":{\"a\":\"b\\u0001\"}}"));

	ok(apply(cache, tok, EV("start", OTHER, ""), id) == (EV_START | EV_FETCH) &&
	   strcmp(id, OTHER) == 0, "start of an unknown container: fetch it, and wake");
	ok(apply(cache, tok, EV("start", ID, ""), id) == EV_START && strcmp(id, ID) == 0,
	   "start of a known one: wake only (its id said, for procfs_add)");
	ok(apply(cache, tok, EV("rename", ID, "\"name\":\"w\\\"2\",\"oldName\":\"/web\""), id) == 0 &&
	   json_object_object_get_ex(cache, ID, &c) && strcmp(json_object_get_string(c),
		"{\"name\":\"w\\\"2\",\"image\":\"img:1\",\"created\":5,\"labels\":{\"a\":\"b\\u0001\"}}") == 0,
	   "rename: the new name, quote and all; image, created and labels kept");
	ok(apply(cache, tok, EV("rename", OTHER, "\"name\":\"x\""), id) == 0 &&
	   !json_object_object_get_ex(cache, OTHER, NULL), "rename of an unknown one: nothing added");
	ok(apply(cache, tok, EV("die", ID, ""), id) == 0 && !json_object_object_get_ex(cache, ID, NULL),
	   "die: out of the cache");
	ok(apply(cache, tok, EV("destroy", ID, ""), id) == 0, "destroy of an unknown one: nothing");
	ok(apply(cache, tok, "{\"Type\":\"network\",\"Action\":\"start\",\"Actor\":{\"ID\":\"" ID "\"}}", id) == 0,
	   "another type: ignored");
	ok(apply(cache, tok, EV("start", "../../x", ""), id) == 0, "an id that is not one: ignored");
	ok(apply(cache, tok, "{\"Type\":\"container\",\"Actor\":{\"ID\":\"" ID "\"}}", id) < 0,
	   "no Action: not an event");
	ok(apply(cache, tok, "[1]", id) < 0 && apply(cache, tok, "{\"a\":", id) < 0 &&
	   apply(cache, tok, "{} {}", id) < 0, "not one JSON object: not an event");
	ok(apply(cache, tok, EV("start", ID, "") " x", id) < 0, "an event and more: not an event");
	json_object_put(cache);
	json_tokener_free(tok);
}

static void
put(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		abort();
}

/* memory.stat is read again only when usage moved or it is old */
static void
test_memcg_cache(void)
{
	char root[] = "/tmp/cull-memcg-XXXXXX", dir[256], proc[256], sys[256];
	struct sample s = {0};
	struct proc *p;
	struct memcg m;

	if (!mkdtemp(root))
		abort();
	snprintf(proc, sizeof proc, "%s/proc", root);
	snprintf(sys, sizeof sys, "%s/sys", root);
	snprintf(dir, sizeof dir, "%s/proc/7", root);
	if (mkdir(proc, 0700) || mkdir(dir, 0700) || mkdir(sys, 0700))
		abort();
	put(dir, "cgroup", "0::/c1\n");
	snprintf(dir, sizeof dir, "%s/sys/c1", root);
	if (mkdir(dir, 0700))
		abort();
	put(dir, "memory.current", "104857600\n");		/* 100 MiB */
	put(dir, "memory.stat", "inactive_file 4194304\n");	/* 4 MiB */
	put(dir, "memory.max", "max\n");
	p = sample_add(&s);
	p->pid = 7;
	memcpy(p->container, ID, sizeof p->container);
	memcg_open(&m, sys, proc);
	ok(memcg_read(&m, &s, 100.0) == 1 && m.v[0].figs.ws_kb == 96 * 1024, "first reading: ws 96 MiB");
	put(dir, "memory.stat", "inactive_file 52428800\n");	/* 50 MiB */
	put(dir, "memory.max", "209715200\n");
	ok(memcg_read(&m, &s, 105.0) == 1 && m.v[0].figs.ws_kb == 96 * 1024 && m.v[0].figs.limit_kb == 0,
	   "usage unchanged, 5 s later: memory.stat and the limit not read again");
	ok(memcg_read(&m, &s, 110.0) == 1 && m.v[0].figs.ws_kb == 50 * 1024 &&
	   m.v[0].figs.limit_kb == 200 * 1024, "10 s later: read again");
	put(dir, "memory.stat", "inactive_file 0\n");
	put(dir, "memory.current", "105906176\n");		/* +1 MiB: within the slack */
	ok(memcg_read(&m, &s, 111.0) == 1 && m.v[0].figs.ws_kb == 51 * 1024, "usage +1 MiB: not read again");
	put(dir, "memory.current", "115343360\n");		/* 110 MiB */
	ok(memcg_read(&m, &s, 112.0) == 1 && m.v[0].figs.ws_kb == 110 * 1024, "usage +10 MiB: read again");
	/* the module's figures (v3 "cgroups") come before the files' */
	{
		struct sample_cg *c = sample_cg_add(&s, ID);

		c->usage_kb = 200 * 1024;
		c->limit_kb = 300 * 1024;
	}
	put(dir, "memory.current", "not a number\n");
	ok(memcg_read(&m, &s, 113.0) == 1 && m.v[0].figs.usage_kb == 200 * 1024 &&
	   m.v[0].figs.ws_kb == 200 * 1024 && m.v[0].figs.limit_kb == 300 * 1024,
	   "the source's usage and limit: memory.current and memory.max not read, memory.stat is");
	s.ncgs = 0;
	ok(memcg_read(&m, &s, 114.0) == 0, "without them the files again (memory.current does not parse)");
	memcg_close(&m);
	sample_free(&s);
	snprintf(dir, sizeof dir, "rm -rf %s", root);
	if (system(dir) != 0)
		abort();
}

int
main(void)
{
	test_cgroup();
	test_stat();
	test_host_files();
	test_kmod();
	test_kmod_v3();
	test_cpu();
	test_memcg();
	test_events();
	test_memcg_cache();
	return tap_done();
}
