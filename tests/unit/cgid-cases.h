/*
 * cgid-cases.h - the cases of lib/cgid.h's rule (the container id in a
 * cgroup path), one table for both sides: tests/unit/lib-cgid.c runs it in
 * user space, kmod/cull_cgid_test.c in the kernel the module runs in.
 * Header only, no includes and no libc, like lib/cgid.h, which the includer
 * includes first (with size_t).
 *
 * A case is an input, the id it names ("" for none) and a description.
 * cgid_path_cases go through cull_cgroup_id (a path, as the module's
 * cgroup_path() gives it), cgid_file_cases through cull_cgroup_file_id (the
 * text of a /proc/<pid>/cgroup file, v1 and v2 lines, as the reader reads
 * it). cut bytes at the end of the input are not passed: the rule reads
 * only the length it is given.
 */
#ifndef CULL_CGID_CASES_H
#define CULL_CGID_CASES_H

/* the id: distinct digits, so an id taken a byte off would show */
#define CGID_ID "0123456789abcdef1032547698badcfe2301674589efabcd3210765498fedcba"
#define CGID_ID2 "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define CGID_UP "0123456789ABCDEF1032547698BADCFE2301674589EFABCD3210765498FEDCBA"
#define CGID_63 "0123456789abcdef1032547698badcfe2301674589efabcd3210765498fedcb"
#define CGID_POD "pod0f1e2d3c-aaaa-bbbb-cccc-123456789abc"
#define CGID_KSLICE "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0f1e2d3c_aaaa.slice"

struct cgid_case {
	const char *in;
	const char *want;	/* the id, or "" when the input names none */
	unsigned int cut;	/* bytes at the end of in not passed */
	const char *what;
};

static const struct cgid_case cgid_path_cases[] = {
	/* every runtime's form */
	{ "/docker/" CGID_ID, CGID_ID, 0, "docker, cgroupfs: /docker/<id>" },
	{ "/docker/" CGID_ID "/sub", CGID_ID, 0, "a container's own sub-cgroup is its own" },
	{ "/docker/" CGID_ID "/", CGID_ID, 0, "a trailing slash" },
	{ "/system.slice/docker-" CGID_ID ".scope", CGID_ID, 0, "docker, systemd: docker-<id>.scope" },
	{ "/system.slice/docker-" CGID_ID ".scope/init", CGID_ID, 0, "docker-<id>.scope/init" },
	{ "/libpod_parent/libpod-" CGID_ID, CGID_ID, 0, "podman, cgroupfs: /libpod_parent/libpod-<id>" },
	{ "/libpod_parent/libpod-" CGID_ID "/ctr", CGID_ID, 0, "podman, cgroupfs, a sub-cgroup" },
	{ "/machine.slice/libpod-" CGID_ID ".scope", CGID_ID, 0, "podman, systemd: libpod-<id>.scope" },
	{ "/machine.slice/libpod-" CGID_ID ".scope/container", CGID_ID, 0,
	  "podman, systemd: libpod-<id>.scope/container" },
	{ CGID_KSLICE "/cri-containerd-" CGID_ID ".scope", CGID_ID, 0,
	  "kubepods.slice: cri-containerd-<id>.scope" },
	{ CGID_KSLICE "/crio-" CGID_ID ".scope", CGID_ID, 0, "kubepods.slice: crio-<id>.scope" },
	{ CGID_KSLICE "/docker-" CGID_ID ".scope", CGID_ID, 0, "kubepods.slice: docker-<id>.scope" },
	{ "/system.slice/cri-containerd-" CGID_ID ".scope", CGID_ID, 0,
	  "cri-containerd-<id>.scope outside kubepods" },
	{ "/kubepods/besteffort/" CGID_POD "/" CGID_ID, CGID_ID, 0,
	  "kubelet, cgroupfs: kubepods/besteffort/pod<uid>/<id>" },
	{ "/kubepods/" CGID_POD "/" CGID_ID, CGID_ID, 0, "kubelet, cgroupfs, guaranteed: kubepods/pod<uid>/<id>" },
	{ "/kubepods.slice/" CGID_POD "/" CGID_ID, CGID_ID, 0, "kubepods.slice/pod<uid>/<id>" },
	{ "/kubepods/burstable/" CGID_POD "/" CGID_ID "/sub", CGID_ID, 0, "kubepods/.../pod<uid>/<id>/sub" },
	/* seen from a private cgroup namespace: paths start above its root */
	{ "/../" CGID_ID, CGID_ID, 0, "private cgroupns: /../<id>" },
	{ "/../../docker/" CGID_ID, CGID_ID, 0, "private cgroupns: /../../docker/<id>" },
	{ "/../" CGID_ID "/sub", CGID_ID, 0, "private cgroupns: /../<id>/sub" },
	{ "/../../system.slice/docker-" CGID_ID ".scope", CGID_ID, 0, "private cgroupns: docker-<id>.scope" },
	{ "/..", "", 0, "private cgroupns: /.. alone" },
	{ "/../", "", 0, "private cgroupns: /../" },
	{ "/../" CGID_63, "", 0, "private cgroupns: 63 digits" },
	{ "/../user.slice/" CGID_ID, "", 0, "private cgroupns: an id under something else" },
	/* the first form from the root wins */
	{ "/docker/" CGID_ID "/docker/" CGID_ID2, CGID_ID, 0, "docker in docker: the outer id" },
	{ "/system.slice/docker-" CGID_ID ".scope/docker/" CGID_ID2, CGID_ID, 0,
	  "docker in a systemd-driven docker: the outer id" },
	{ "/user.slice/x/docker/" CGID_ID, CGID_ID, 0, "docker/<id> under something else" },
	{ "//docker//" CGID_ID, CGID_ID, 0, "doubled slashes are one" },
	/* nothing */
	{ "", "", 0, "an empty path" },
	{ "/", "", 0, "the root" },
	{ "/docker", "", 0, "docker's parent cgroup" },
	{ "/docker/", "", 0, "docker's parent cgroup, trailing slash" },
	{ "/system.slice", "", 0, "a host service" },
	{ "/" CGID_ID, "", 0, "an id at the root" },
	{ "/user.slice/" CGID_ID, "", 0, "an id under something else" },
	{ "/docker/" CGID_UP, "", 0, "upper-case hex" },
	{ "/system.slice/docker-" CGID_UP ".scope", "", 0, "upper-case hex in a scope" },
	{ "/docker/" CGID_63, "", 0, "63 hex digits" },
	{ "/docker/" CGID_ID "0", "", 0, "65 hex digits" },
	{ "/docker/" CGID_63 "g", "", 0, "64 characters, one not hex" },
	{ "/docker/x" CGID_ID, "", 0, "an id after other characters" },
	{ "/docker/" CGID_ID "x", "", 0, "an id before other characters" },
	{ "/docker/" CGID_ID ".scope", "", 0, "docker/<id>.scope" },
	{ "/dockerx/" CGID_ID, "", 0, "dockerx/<id>" },
	{ "/xdocker/" CGID_ID, "", 0, "xdocker/<id>" },
	{ "/system.slice/xdocker-" CGID_ID ".scope", "", 0, "docker-<id>.scope in the middle of a component" },
	{ "/system.slice/docker-" CGID_ID ".scopex", "", 0, "docker-<id>.scopex" },
	{ "/system.slice/docker-" CGID_ID, "", 0, "docker-<id> without .scope" },
	{ "/system.slice/docker-" CGID_63 ".scope", "", 0, "docker-<63 digits>.scope" },
	{ "/system.slice/docker-" CGID_ID "0.scope", "", 0, "docker-<65 digits>.scope" },
	{ "/machine.slice/libpod-" CGID_ID, "", 0, "libpod-<id> outside libpod_parent" },
	{ "/libpod_parent/libpod-" CGID_ID "x", "", 0, "libpod_parent/libpod-<id>x" },
	{ "/libpod_parent/" CGID_ID, "", 0, "libpod_parent/<id>" },
	{ "/machine.slice/libpod-conmon-" CGID_ID ".scope", "", 0, "podman's conmon scope" },
	{ "/kubepods.slice/crio-conmon-" CGID_ID ".scope", "", 0, "CRI-O's conmon scope" },
	{ "/kubepods/besteffort/" CGID_ID, "", 0, "kubepods, an id not under a pod" },
	{ "/besteffort/" CGID_POD "/" CGID_ID, "", 0, "pod<uid>/<id> outside kubepods" },
	{ "/kubepods/besteffort/pod/" CGID_ID, "", 0, "kubepods, a pod without a uid" },
	/* only the length given is read */
	{ "/docker/" CGID_ID "0", CGID_ID, 1, "a path cut after the id" },
	{ "/docker/" CGID_ID, "", 1, "a path cut inside the id" },
	{ "/docker/" CGID_ID, "", 70, "a path cut to /d" },
};

static const struct cgid_case cgid_file_cases[] = {
	{ "0::/docker/" CGID_ID "\n", CGID_ID, 0, "v2: 0::/docker/<id>" },
	{ "12:memory:/docker/" CGID_ID "\n", CGID_ID, 0, "v1: 12:memory:/docker/<id>" },
	{ "1:name=systemd:/system.slice/docker-" CGID_ID ".scope\n", CGID_ID, 0,
	  "v1 named hierarchy: docker-<id>.scope" },
	{ "12:pids:/\n11:memory:/\n0::/docker/" CGID_ID "\n", CGID_ID, 0, "v1 and v2: a later line names it" },
	{ "12:cpu,cpuacct:/docker/" CGID_ID "\n0::/\n", CGID_ID, 0, "v1 and v2: an earlier line names it" },
	{ "0::/docker/" CGID_ID, CGID_ID, 0, "no newline at the end" },
	{ "12:memory:/docker/x:y\n0::/docker/" CGID_ID "\n", CGID_ID, 0, "a path with ':' in it" },
	{ "0::/../" CGID_ID "\n", CGID_ID, 0, "private cgroupns: 0::/../<id>" },
	{ "0::/libpod_parent/libpod-" CGID_ID "\n", CGID_ID, 0, "v2: podman, cgroupfs" },
	{ "0::/kubepods/burstable/" CGID_POD "/" CGID_ID "\n", CGID_ID, 0, "v2: kubelet, cgroupfs" },
	{ "", "", 0, "an empty file" },
	{ "\n", "", 0, "an empty line" },
	{ "0::/\n", "", 0, "v2: the root" },
	{ "12:memory:/\n0::/user.slice\n", "", 0, "v1 and v2: host cgroups" },
	{ "/docker/" CGID_ID "\n", "", 0, "a path without hierarchy and controllers" },
	{ "0:/docker/" CGID_ID "\n", "", 0, "a line with one colon" },
	{ "0::/docker/" CGID_UP "\n", "", 0, "v2: upper-case hex" },
	{ "0::/docker/" CGID_ID "0\n", "", 0, "v2: 65 hex digits" },
	{ "0::/docker/" CGID_ID "\n", "", 2, "a file cut inside the id" },
};

#define CGID_NCASES(t) (sizeof(t) / sizeof((t)[0]))

/*
 * Run case c through the path rule (file 0) or the file rule (file 1); got
 * (65 bytes) receives the id found. 1 when the rule found what c wants.
 */
static inline int
cgid_case_ok(const struct cgid_case *c, int file, char *got)
{
	size_t n = 0, i;
	int found;

	while (c->in[n])
		n++;
	n = n > c->cut ? n - c->cut : 0;
	got[0] = 'X';	/* the rule must write "" when it finds none */
	got[1] = '\0';
	found = file ? cull_cgroup_file_id(c->in, n, got) : cull_cgroup_id(c->in, n, got);
	for (i = 0; got[i] && got[i] == c->want[i]; i++)
		;
	return got[i] == c->want[i] && found == (c->want[0] != '\0');
}

#endif
