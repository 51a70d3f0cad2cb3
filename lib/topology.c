/* Host CPU topology from libvirt's capabilities XML
 * (<host><topology><cells><cell><cpus><cpu id socket_id die_id core_id siblings>),
 * parsed with libxml2, with a fallback to virNodeGetInfo's counts for
 * drivers and hosts whose capabilities carry no <topology>. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "log.h"
#include "parse.h"
#include "topology.h"

/* Free what @t holds and zero it; a zeroed @t is a no-op. */
void vcn_topology_clear(struct vcn_topology *t)
{
	if (!t)
		return;
	free(t->cpus);
	free(t->cores);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

/* The CPU with host number @id, or NULL when it is not online in @t. */
const struct vcn_topo_cpu *vcn_topology_cpu(const struct vcn_topology *t, int id)
{
	unsigned lo = 0, hi = t->ncpus;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (t->cpus[mid].id == id)
			return &t->cpus[mid];
		if (t->cpus[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int cmp_cpu_id(const void *a, const void *b)
{
	const struct vcn_topo_cpu *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* Physical-core order: cell, socket, die, core_id. */
static int cmp_cpu_core(const struct vcn_topo_cpu *x, const struct vcn_topo_cpu *y)
{
	if (x->cell != y->cell)
		return x->cell < y->cell ? -1 : 1;
	if (x->socket != y->socket)
		return x->socket < y->socket ? -1 : 1;
	if (x->die != y->die)
		return x->die < y->die ? -1 : 1;
	if (x->core_id != y->core_id)
		return x->core_id < y->core_id ? -1 : 1;
	return 0;
}

static int cmp_cpu_core_then_id(const void *a, const void *b)
{
	const struct vcn_topo_cpu *x = *(const struct vcn_topo_cpu *const *)a;
	const struct vcn_topo_cpu *y = *(const struct vcn_topo_cpu *const *)b;
	int c = cmp_cpu_core(x, y);

	return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* Derive cores, cells and counts from t->cpus (ncpus entries, any order). */
static int finish(struct vcn_topology *t)
{
	const struct vcn_topo_cpu **order = NULL;
	unsigned i, j, threads;
	int rc = -ENOMEM;

	qsort(t->cpus, t->ncpus, sizeof(*t->cpus), cmp_cpu_id);
	for (i = 1; i < t->ncpus; i++) {
		if (t->cpus[i].id == t->cpus[i - 1].id) {
			vcn_err("capabilities list CPU %d twice", t->cpus[i].id);
			return -EINVAL;
		}
	}
	order = calloc(t->ncpus, sizeof(*order));
	t->cores = calloc(t->ncpus, sizeof(*t->cores));
	t->cells = calloc(t->ncpus, sizeof(*t->cells));
	if (!order || !t->cores || !t->cells)
		goto cleanup;
	for (i = 0; i < t->ncpus; i++) {
		order[i] = &t->cpus[i];
		vcn_cpuset_add(&t->all, t->cpus[i].id);
	}
	qsort(order, t->ncpus, sizeof(*order), cmp_cpu_core_then_id);
	t->ncores = 0;
	for (i = 0; i < t->ncpus; i++) {
		struct vcn_topo_cpu *c = (struct vcn_topo_cpu *)order[i];

		if (i == 0 || cmp_cpu_core(order[i - 1], c) != 0) {
			t->cores[t->ncores].cell = c->cell;
			t->cores[t->ncores].socket = c->socket;
			t->ncores++;
		}
		c->core = (int)t->ncores - 1;
		vcn_cpuset_add(&t->cores[c->core].cpus, c->id);
	}
	t->max_threads = 0;
	for (i = 0; i < t->ncores; i++) {
		threads = vcn_cpuset_count(&t->cores[i].cpus);
		if (threads > t->max_threads)
			t->max_threads = threads;
	}
	/* cells and sockets, in ascending id order (cores are sorted by cell) */
	t->ncells = 0;
	for (i = 0; i < t->ncores; i++) {
		if (t->ncells == 0 || t->cells[t->ncells - 1].id != t->cores[i].cell)
			t->cells[t->ncells++].id = t->cores[i].cell;
		vcn_cpuset_or(&t->cells[t->ncells - 1].cpus, &t->cores[i].cpus);
	}
	t->nsockets = 0;
	for (i = 0; i < t->ncores; i++) {
		for (j = 0; j < i; j++)
			if (t->cores[j].socket == t->cores[i].socket)
				break;
		if (j == i)
			t->nsockets++;
	}
	rc = 0;
cleanup:
	free(order);
	return rc;
}

static int int_prop(xmlNodePtr n, const char *name, int dflt, bool *present, int *out)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	unsigned u;
	int rc = 0;

	if (present)
		*present = v != NULL;
	if (!v) {
		*out = dflt;
		return 0;
	}
	rc = vcn_parse_uint((const char *)v, 0, 1000000, &u);
	if (rc == 0)
		*out = (int)u;
	else
		vcn_err("capabilities: %s='%s' is not a number", name, (const char *)v);
	xmlFree(v);
	return rc < 0 ? -EINVAL : 0;
}

/* Parse libvirt capabilities XML @caps_xml (virConnectGetCapabilities) into
 * @t (zeroed first; vcn_topology_clear frees it). Offline CPUs (listed
 * without socket_id) are left out. Returns 0; -EINVAL for XML that does not
 * parse or has malformed attributes; -ENODATA when there is no <topology>
 * with online CPUs (use vcn_topology_from_counts); -ENOMEM. */
int vcn_topology_parse(const char *caps_xml, struct vcn_topology *t)
{
	xmlDocPtr doc = NULL;
	xmlXPathContextPtr ctx = NULL;
	xmlXPathObjectPtr cells = NULL;
	xmlNodePtr cpus, c;
	unsigned i, cap = 0;
	int rc = -EINVAL, cell_id;
	bool present;

	memset(t, 0, sizeof(*t));
	if (!caps_xml) {
		vcn_err("capabilities: no XML given");
		return -EINVAL;
	}
	doc = xmlReadMemory(caps_xml, (int)strlen(caps_xml), "capabilities.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		vcn_err("capabilities: XML does not parse");
		goto cleanup;
	}
	rc = -ENOMEM;
	ctx = xmlXPathNewContext(doc);
	if (!ctx)
		goto cleanup;
	cells = xmlXPathEvalExpression(BAD_CAST "/capabilities/host/topology/cells/cell", ctx);
	if (!cells)
		goto cleanup;
	for (i = 0; cells->nodesetval && i < (unsigned)cells->nodesetval->nodeNr; i++) {
		xmlNodePtr cell = cells->nodesetval->nodeTab[i];

		rc = int_prop(cell, "id", 0, NULL, &cell_id);
		if (rc < 0)
			goto cleanup;
		for (cpus = cell->children; cpus; cpus = cpus->next) {
			if (cpus->type != XML_ELEMENT_NODE || xmlStrcmp(cpus->name, BAD_CAST "cpus") != 0)
				continue;
			for (c = cpus->children; c; c = c->next) {
				struct vcn_topo_cpu *cpu;

				if (c->type != XML_ELEMENT_NODE || xmlStrcmp(c->name, BAD_CAST "cpu") != 0)
					continue;
				if (t->ncpus == cap) {
					struct vcn_topo_cpu *n;

					cap = cap ? cap * 2 : 64;
					n = realloc(t->cpus, cap * sizeof(*n));
					rc = -ENOMEM;
					if (!n)
						goto cleanup;
					t->cpus = n;
				}
				cpu = &t->cpus[t->ncpus];
				memset(cpu, 0, sizeof(*cpu));
				cpu->cell = cell_id;
				rc = int_prop(c, "id", -1, &present, &cpu->id);
				if (rc == 0 && !present)
					rc = -EINVAL;
				if (rc == 0)
					rc = int_prop(c, "socket_id", 0, &present, &cpu->socket);
				if (rc == 0 && !present)
					continue; /* offline: libvirt gives it no topology */
				if (rc == 0)
					rc = int_prop(c, "die_id", 0, NULL, &cpu->die);
				if (rc == 0)
					rc = int_prop(c, "core_id", 0, &present, &cpu->core_id);
				if (rc == 0 && !present)
					rc = -EINVAL;
				if (rc < 0) {
					vcn_err("capabilities: <cpu> in cell %d lacks a valid id or core_id", cell_id);
					goto cleanup;
				}
				if (cpu->id >= VCN_CPUSET_MAX) {
					vcn_err("capabilities: CPU %d beyond the %d we handle", cpu->id, VCN_CPUSET_MAX);
					rc = -ERANGE;
					goto cleanup;
				}
				t->ncpus++;
			}
		}
	}
	if (t->ncpus == 0) {
		rc = -ENODATA;
		vcn_debug("capabilities: no <topology> with online CPUs");
		goto cleanup;
	}
	rc = finish(t);
cleanup:
	xmlXPathFreeObject(cells);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	if (rc < 0)
		vcn_topology_clear(t);
	return rc;
}

/* Build @t from counts alone (virNodeGetInfo: cells, sockets per cell,
 * cores per socket, threads per core), for capabilities without
 * <topology>. CPU ids are assumed contiguous per cell and socket; which ids
 * are SMT siblings cannot be known from counts, so every logical CPU is
 * treated as its own core (t->guessed is set, max_threads is 1). Returns 0,
 * -EINVAL for a zero count, -ERANGE beyond VCN_CPUSET_MAX CPUs, -ENOMEM. */
int vcn_topology_from_counts(unsigned cells, unsigned sockets_per_cell, unsigned cores_per_socket,
			     unsigned threads_per_core, struct vcn_topology *t)
{
	unsigned long long n = (unsigned long long)cells * sockets_per_cell * cores_per_socket * threads_per_core;
	unsigned i, per_cell, per_socket;
	int rc;

	memset(t, 0, sizeof(*t));
	if (n == 0) {
		vcn_err("node info: zero count (cells %u, sockets %u, cores %u, threads %u)",
			cells, sockets_per_cell, cores_per_socket, threads_per_core);
		return -EINVAL;
	}
	if (n > VCN_CPUSET_MAX) {
		vcn_err("node info: %llu CPUs, beyond the %d we handle", n, VCN_CPUSET_MAX);
		return -ERANGE;
	}
	t->ncpus = (unsigned)n;
	t->cpus = calloc(t->ncpus, sizeof(*t->cpus));
	if (!t->cpus)
		return -ENOMEM;
	per_cell = t->ncpus / cells;
	per_socket = per_cell / sockets_per_cell;
	for (i = 0; i < t->ncpus; i++) {
		t->cpus[i].id = (int)i;
		t->cpus[i].cell = (int)(i / per_cell);
		t->cpus[i].socket = (int)(i / per_socket);
		t->cpus[i].core_id = (int)(i % per_socket);
	}
	rc = finish(t);
	if (rc < 0)
		vcn_topology_clear(t);
	else
		t->guessed = true;
	return rc;
}

/* Topology of the host behind @conn: its capabilities' <topology>, else
 * (-ENODATA from the parse) virNodeGetInfo's counts, said once as a
 * warning. Returns 0 or -errno (one message, with libvirt's). */
int vcn_topology_from_conn(struct _virConnect *conn, struct vcn_topology *t)
{
	virNodeInfo info;
	char *caps = NULL;
	int rc;

	memset(t, 0, sizeof(*t));
	caps = virConnectGetCapabilities(conn);
	if (!caps) {
		virErrorPtr e = virGetLastError();

		vcn_err("cannot get host capabilities: %s", e && e->message ? e->message : "unknown error");
		return -EIO;
	}
	rc = vcn_topology_parse(caps, t);
	if (rc != -ENODATA)
		goto cleanup;
	if (virNodeGetInfo(conn, &info) < 0) {
		virErrorPtr e = virGetLastError();

		vcn_err("capabilities have no <topology> and node info fails: %s",
			e && e->message ? e->message : "unknown error");
		rc = -EIO;
		goto cleanup;
	}
	vcn_warn("capabilities have no <topology>: using node info (%u cells, %u sockets, %u cores, %u threads); SMT siblings unknown",
		 info.nodes, info.sockets, info.cores, info.threads);
	rc = vcn_topology_from_counts(info.nodes, info.sockets, info.cores, info.threads, t);
cleanup:
	free(caps);
	return rc;
}

/* A plain-text summary of @t (one line per cell and per core) into *@out,
 * malloc'd; for logs, `vcnctl pin` and golden tests. Returns 0 or -ENOMEM. */
int vcn_topology_format(const struct vcn_topology *t, char **out)
{
	char set[VCN_CPUSET_STRLEN];
	char *buf = NULL;
	size_t len = 0;
	unsigned i;
	FILE *f;

	*out = NULL;
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	fprintf(f, "cpus %u cores %u sockets %u cells %u threads/core %u%s\n", t->ncpus, t->ncores,
		t->nsockets, t->ncells, t->max_threads, t->guessed ? " (guessed from counts)" : "");
	for (i = 0; i < t->ncells; i++) {
		vcn_cpuset_format(&t->cells[i].cpus, set, sizeof(set));
		fprintf(f, "cell %d: cpus %s\n", t->cells[i].id, set);
	}
	for (i = 0; i < t->ncores; i++) {
		vcn_cpuset_format(&t->cores[i].cpus, set, sizeof(set));
		fprintf(f, "core %u: cell %d socket %d cpus %s\n", i, t->cores[i].cell, t->cores[i].socket, set);
	}
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	return 0;
}
