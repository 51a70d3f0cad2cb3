/* vcn: the append-only audit log of everything vcnd does (JSON lines). */
#ifndef VCN_AUDIT_H
#define VCN_AUDIT_H

#include <time.h>

/* Called after each record is appended (e.g. to mirror it as a web event). */
typedef void (*vcn_audit_hook)(void *opaque, time_t when, const char *action, const char *vcn,
			       const char *host, const char *detail);

struct vcn_audit {
	int fd;
	vcn_audit_hook hook;        /* NULL: none */
	void *hook_opaque;
};

int vcn_audit_open(struct vcn_audit *a, const char *path);
int vcn_audit_log(struct vcn_audit *a, const char *action, const char *vcn, const char *host,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void vcn_audit_close(struct vcn_audit *a);
int vcn_audit_tail(const char *path, unsigned n, char **out);

#endif
