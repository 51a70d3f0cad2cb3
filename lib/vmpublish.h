/* vcn: the named Ganglia values of one VM (stock names where ganglia-web's
 * reports expect them, vcn_* otherwise) and of the physical host. */
#ifndef VCN_VMPUBLISH_H
#define VCN_VMPUBLISH_H

#include <stdbool.h>
#include <stddef.h>

#include "vmmetrics.h"

enum vcn_mval_type {
	VCN_MVAL_FLOAT,
	VCN_MVAL_UINT,
	VCN_MVAL_STRING,
	VCN_MVAL_TYPE_LAST
};

struct vcn_mval {
	char name[64];
	enum vcn_mval_type type;
	char value[64];
	const char *units;  /* static strings */
	const char *group;
	const char *title;
};

/* A growable list, reused across ticks (no allocation in steady state). */
struct vcn_mvals {
	struct vcn_mval *v;
	size_t n, cap;
};

const char *vcn_mval_type_name(enum vcn_mval_type t);
void vcn_mvals_clear(struct vcn_mvals *l);
void vcn_mvals_free(struct vcn_mvals *l);
int vcn_mvals_add_float(struct vcn_mvals *l, double x, const char *units, const char *group,
			const char *title, const char *namefmt, ...) __attribute__((format(printf, 6, 7)));
int vcn_vmpublish(const struct vcn_vmmetrics *m, const char *phys_host, bool per_device,
		  struct vcn_mvals *out);
int vcn_mvals_format(const struct vcn_mvals *l, char *buf, size_t size);

#endif
