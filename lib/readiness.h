/* vcn: a VCN is ready when its console prints "VCN-READY <name> ...". */
#ifndef VCN_READINESS_H
#define VCN_READINESS_H

#include <stdbool.h>
#include <sys/types.h>

struct vcn_ready_scan {
	off_t offset;      /* bytes of the console already looked at */
	char tail[160];    /* an incomplete last line carried over */
	bool ready;
	bool skipping;     /* inside a line too long to be ours: ignore to its end */
	char line[160];    /* the readiness line, once seen */
};

void vcn_ready_scan_init(struct vcn_ready_scan *s);
int vcn_ready_scan(struct vcn_ready_scan *s, const char *console, const char *name);

#endif
