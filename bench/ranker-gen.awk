# ranker-gen.awk - made-up snapshot lines in the reader's format, for the
# ranker's benchmark and tests. Deterministic for a given seed.
#
#   awk -v n=100000 -v procs=20 -v ctrs=6 -v seed=1 -f bench/ranker-gen.awk
BEGIN {
	if (!n) n = 1000; if (!procs) procs = 20; if (!ctrs) ctrs = 6; if (!seed) seed = 1
	srand(seed)
	split("high low", cls, " ")
	for (c = 1; c <= ctrs; c++) {
		id[c] = ""
		for (k = 0; k < 64; k++) id[c] = id[c] substr("0123456789abcdef", int(rand() * 16) + 1, 1)
		klass[c] = cls[c % 2 + 1]
		cj = cj (c > 1 ? "," : "") sprintf("\"%s\":{\"name\":\"cull-%s-%s\",\"image\":\"cull-%s-%s\",\"created\":%d,\"labels\":{\"cull.managed\":\"true\",\"cull.class\":\"%s\",\"com.example.team\":\"ops\"}}", \
			id[c], klass[c], substr(id[c], 1, 4), klass[c], c % 2 ? "idle" : "cpu", 1700000000 + c, klass[c])
	}
	total = 24000000
	for (i = 1; i <= n; i++) {
		used = 8000000 + int(rand() * 8000000)
		printf "{\"type\":\"snapshot\",\"v\":1,\"seq\":%d,\"ts\":%.3f,\"source\":\"kmod\",\"interval_s\":1.0,", i, 1700000000 + i + rand() / 10
		printf "\"mem\":{\"total_kb\":%d,\"free_kb\":%d,\"available_kb\":%d,\"used_kb\":%d,\"used_pct\":%.2f},\"procs\":[", total, total - used, total - used + 100000, used, used * 100 / total
		for (p = 1; p <= procs; p++) {
			c = (p - 1) % ctrs + 1
			rss = 1000 + int(rand() * 400000); vsz = rss * 3 + int(rand() * 100000)
			printf "%s{\"pid\":%d,\"ppid\":%d,\"comm\":\"worker-%d\",\"cmdline\":\"/bin/worker --id %d --mode %s\",\"container\":\"%s\",\"state\":\"%s\",\"vsz_kb\":%d,\"rss_kb\":%d,\"mem_pct\":%.2f,\"cpu_pct\":%.2f,\"cpu_ns\":%d,\"start_ns\":%d}", \
				(p > 1 ? "," : ""), 1000 + p, (p == 1 ? 1 : 1000 + c), p, p, klass[c], id[c], (rand() < 0.3 ? "R" : "S"), vsz, rss, rss * 100 / total, \
				(klass[c] == "high" ? rand() * 100 : rand() * 5), i * 1000000 + p, 5000000000 + p * 1000
		}
		printf "],\"containers\":{%s}}\n", cj
	}
}
