/* vcn: a host's CPU topology (NUMA cells, sockets, physical cores, SMT
 * threads) as libvirt's capabilities describe it. */
#ifndef VCN_TOPOLOGY_H
#define VCN_TOPOLOGY_H

#include <stdbool.h>

#include "cpuset.h"

struct _virConnect; /* virConnectPtr, without making every user include libvirt */

/* One online logical CPU. */
struct vcn_topo_cpu {
	int id;       /* host CPU number (what vcpupin takes) */
	int cell;     /* NUMA cell id */
	int socket;   /* socket_id */
	int die;      /* die_id (0 when not reported) */
	int core_id;  /* core_id as reported (unique only within a socket/die) */
	int core;     /* index into vcn_topology.cores: the physical core */
};

/* One physical core: the logical CPUs (SMT threads) that share it. */
struct vcn_topo_core {
	int cell;
	int socket;
	struct vcn_cpuset cpus;
};

struct vcn_topo_cell {
	int id;
	struct vcn_cpuset cpus; /* online CPUs */
};

struct vcn_topology {
	unsigned ncpus, ncores, ncells, nsockets;
	unsigned max_threads;       /* most SMT threads on one core */
	struct vcn_topo_cpu *cpus;  /* ncpus, sorted by id */
	struct vcn_topo_core *cores; /* ncores, ordered by (cell, socket, die, core_id) */
	struct vcn_topo_cell *cells; /* ncells, sorted by id */
	struct vcn_cpuset all;      /* every online CPU */
	bool guessed;               /* built from counts (virNodeGetInfo), not from <topology> */
};

int vcn_topology_parse(const char *caps_xml, struct vcn_topology *t);
int vcn_topology_from_counts(unsigned cells, unsigned sockets_per_cell, unsigned cores_per_socket,
			     unsigned threads_per_core, struct vcn_topology *t);
int vcn_topology_from_conn(struct _virConnect *conn, struct vcn_topology *t);
const struct vcn_topo_cpu *vcn_topology_cpu(const struct vcn_topology *t, int id);
int vcn_topology_format(const struct vcn_topology *t, char **out);
void vcn_topology_clear(struct vcn_topology *t);

#endif
