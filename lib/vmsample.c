/* Helpers beside struct vcn_vmsample: reset and the enum name tables. */
#include <config.h>

#include <string.h>

#include "vmsample.h"

static const char *const vm_state_names[VCN_VM_STATE_LAST] = {
	[VCN_VM_STATE_NOSTATE] = "nostate",
	[VCN_VM_STATE_RUNNING] = "running",
	[VCN_VM_STATE_BLOCKED] = "blocked",
	[VCN_VM_STATE_PAUSED] = "paused",
	[VCN_VM_STATE_SHUTDOWN] = "shutdown",
	[VCN_VM_STATE_SHUTOFF] = "shutoff",
	[VCN_VM_STATE_CRASHED] = "crashed",
	[VCN_VM_STATE_PMSUSPENDED] = "pmsuspended",
};

static const char *const source_names[VCN_VMSAMPLE_SRC_LAST] = {
	[VCN_VMSAMPLE_SRC_LIBVIRT] = "libvirt",
	[VCN_VMSAMPLE_SRC_CGROUP] = "cgroup",
};

/* Zero @s: no field present, id -1 (not running), state nostate. */
void vcn_vmsample_reset(struct vcn_vmsample *s)
{
	memset(s, 0, sizeof(*s));
	s->id = -1;
	s->state = VCN_VM_STATE_NOSTATE;
}

/* Name of @state as virsh prints it (lower case), "unknown" if out of range. */
const char *vcn_vm_state_name(enum vcn_vm_state state)
{
	if ((unsigned)state >= VCN_VM_STATE_LAST)
		return "unknown";
	return vm_state_names[state];
}

/* Name of @src ("libvirt", "cgroup"), "unknown" if out of range. */
const char *vcn_vmsample_source_name(enum vcn_vmsample_source src)
{
	if ((unsigned)src >= VCN_VMSAMPLE_SRC_LAST)
		return "unknown";
	return source_names[src];
}
