/* vcn: libvirt domain XML for a VCN, built with libxml2's tree API. */
#ifndef VCN_DOMXML_H
#define VCN_DOMXML_H

#include <stdint.h>
#include <time.h>

#define VCN_XMLNS "https://vcn.invalid/xmlns/vcn/1"

enum vcn_virt_type {
	VCN_VIRT_KVM,
	VCN_VIRT_QEMU, /* TCG */
	VCN_VIRT_TEST, /* libvirt's test:/// driver */
	VCN_VIRT_LAST
};

const char *vcn_virt_type_name(enum vcn_virt_type t);
int vcn_virt_type_parse(const char *s, enum vcn_virt_type *out);

/* Everything a VCN domain needs. Strings are borrowed; NULL means "absent". */
struct vcn_domspec {
	const char *name;       /* required, vcn_name_valid() */
	const char *uuid;       /* NULL: libvirt generates one */
	enum vcn_virt_type type;
	unsigned vcpus;         /* >= 1 */
	unsigned memory_mib;    /* >= 16 */
	const char *kernel;     /* direct kernel boot (the test/demo guest) */
	const char *initrd;
	const char *cmdline;
	const char *disk;       /* qcow2 overlay, attached as virtio vda */
	const char *disk_cache; /* NULL: libvirt's default; "none" for migration */
	const char *network;    /* libvirt network name for one virtio NIC */
	const char *mac;        /* NULL: derived from the name */
	const char *console;    /* serial console written to this file */
	const char *partition;  /* <resource><partition>, e.g. "/machine/vo-physics" */
	const char *vo;         /* recorded in <metadata> */
	const char *hostname;   /* the guest's hostname, recorded in <metadata> */
	const char *address;    /* the guest's IPv4, recorded in <metadata> (Ganglia host key) */
	time_t created;         /* recorded in <metadata>; 0: omitted */
};

int vcn_domxml_build(const struct vcn_domspec *spec, char **xml_out);

#endif
