/*
 * psi.h - memory pressure from /proc/pressure/memory (PSI, Linux 4.20+ with
 * CONFIG_PSI and not booted psi=0):
 *   some avg10=1.23 avg60=0.50 avg300=0.10 total=12345
 *   full avg10=0.00 avg60=0.00 avg300=0.00 total=678
 * "some": the share of time at least one task stalled on memory, "full":
 * all non-idle tasks at once, averaged over 10 and 60 s (percent).
 */
#ifndef CULL_READER_PSI_H
#define CULL_READER_PSI_H

struct psi {
	double some10, some60, full10, full60;
};

/* The file, kept open and read again from its start each time: fd -1 when
 * the kernel has none (then no snapshot carries pressure). */
struct psi_src {
	int fd;
};

void psi_open(struct psi_src *p, const char *proc_root);
/* 1 and *out filled, or 0: no pressure this time (no file, unreadable). */
int psi_read(struct psi_src *p, struct psi *out);
void psi_close(struct psi_src *p);

/* The file's text: 0, or -1 when a line or field is missing or malformed. */
int psi_parse(const char *buf, struct psi *out);

#endif
