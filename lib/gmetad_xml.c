/* gmetad's XML dump, as served on its xml_port: parsed whole with libxml2
 * (a truncated or malformed document is an error, never a partial view),
 * then copied into plain structs so callers hold no libxml2 objects. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "gmetad_xml.h"
#include "log.h"
#include "parse.h"

/* gmetad itself calls a host down after 4 * TMAX of silence */
#define VCN_GM_STALE_DEFAULT 4.0
#define VCN_GM_MAX_XML (64u << 20)

static char *attr_dup(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	char *s;

	if (!v)
		return NULL;
	s = strdup((const char *)v);
	xmlFree(v);
	return s;
}

/* An unsigned attribute; missing -> @def, garbage -> -EINVAL. */
static int attr_uint(xmlNodePtr n, const char *name, unsigned def, unsigned *out)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	int rc;

	if (!v) {
		*out = def;
		return 0;
	}
	rc = vcn_parse_uint((const char *)v, 0, UINT32_MAX, out);
	if (rc < 0)
		vcn_err("gmetad XML: <%s %s='%s'>: %s", (const char *)n->name, name, (const char *)v,
			vcn_parse_strerror(rc));
	xmlFree(v);
	return rc;
}

static int attr_long(xmlNodePtr n, const char *name, long *out)
{
	unsigned v = 0;
	int rc = attr_uint(n, name, 0, &v);

	*out = (long)v;
	return rc;
}

static bool is_elem(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST name) == 0;
}

static size_t count_children(xmlNodePtr parent, const char *name)
{
	size_t n = 0;

	for (xmlNodePtr c = parent->children; c; c = c->next)
		if (is_elem(c, name))
			n++;
	return n;
}

static void metric_clear(struct vcn_gm_metric *m)
{
	free(m->name);
	free(m->val);
	free(m->type);
	free(m->units);
}

static void host_clear(struct vcn_gm_host *h)
{
	for (size_t i = 0; i < h->n_metrics; i++)
		metric_clear(&h->metrics[i]);
	free(h->metrics);
	free(h->name);
	free(h->ip);
}

static void cluster_clear(struct vcn_gm_cluster *c)
{
	for (size_t i = 0; i < c->n_hosts; i++)
		host_clear(&c->hosts[i]);
	free(c->hosts);
	free(c->name);
}

/* Free what vcn_gmetad_parse returned; NULL is a no-op. */
void vcn_gmetad_free(struct vcn_gmetad *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n_clusters; i++)
		cluster_clear(&g->clusters[i]);
	free(g->clusters);
	free(g);
}

static int parse_metric(xmlNodePtr n, double sf, struct vcn_gm_metric *m)
{
	m->name = attr_dup(n, "NAME");
	m->val = attr_dup(n, "VAL");
	m->type = attr_dup(n, "TYPE");
	m->units = attr_dup(n, "UNITS");
	if (!m->name || !m->val) {
		vcn_err("gmetad XML: <METRIC> without NAME or VAL");
		return -EINVAL;
	}
	if (attr_uint(n, "TN", 0, &m->tn) < 0 || attr_uint(n, "TMAX", 60, &m->tmax) < 0 ||
	    attr_uint(n, "DMAX", 0, &m->dmax) < 0)
		return -EINVAL;
	m->stale = (double)m->tn > sf * (double)(m->tmax ? m->tmax : 1);
	return 0;
}

static int parse_host(xmlNodePtr n, double sf, struct vcn_gm_host *h)
{
	size_t nm = count_children(n, "METRIC"), i = 0;

	h->name = attr_dup(n, "NAME");
	h->ip = attr_dup(n, "IP");
	if (!h->name) {
		vcn_err("gmetad XML: <HOST> without NAME");
		return -EINVAL;
	}
	if (attr_long(n, "REPORTED", &h->reported) < 0 || attr_uint(n, "TN", 0, &h->tn) < 0 ||
	    attr_uint(n, "TMAX", 20, &h->tmax) < 0)
		return -EINVAL;
	h->stale = (double)h->tn > sf * (double)(h->tmax ? h->tmax : 1);
	h->metrics = nm ? calloc(nm, sizeof(*h->metrics)) : NULL;
	if (nm && !h->metrics)
		return -ENOMEM;
	for (xmlNodePtr c = n->children; c; c = c->next) {
		if (!is_elem(c, "METRIC"))
			continue;
		h->n_metrics = i + 1;
		if (parse_metric(c, sf, &h->metrics[i++]) < 0)
			return -EINVAL;
	}
	return 0;
}

static int parse_cluster(xmlNodePtr n, double sf, struct vcn_gm_cluster *c)
{
	size_t nh = count_children(n, "HOST"), i = 0;

	c->name = attr_dup(n, "NAME");
	if (!c->name) {
		vcn_err("gmetad XML: <CLUSTER> without NAME");
		return -EINVAL;
	}
	if (attr_long(n, "LOCALTIME", &c->localtime) < 0)
		return -EINVAL;
	c->hosts = nh ? calloc(nh, sizeof(*c->hosts)) : NULL;
	if (nh && !c->hosts)
		return -ENOMEM;
	for (xmlNodePtr h = n->children; h; h = h->next) {
		if (!is_elem(h, "HOST"))
			continue;
		c->n_hosts = i + 1;
		if (parse_host(h, sf, &c->hosts[i++]) < 0)
			return -EINVAL;
	}
	return 0;
}

/* Clusters at any depth of GRIDs (a gmetad may aggregate other gmetads). */
static size_t count_clusters(xmlNodePtr n)
{
	size_t k = 0;

	for (xmlNodePtr c = n->children; c; c = c->next) {
		if (is_elem(c, "CLUSTER"))
			k++;
		else if (is_elem(c, "GRID"))
			k += count_clusters(c);
	}
	return k;
}

static int collect_clusters(xmlNodePtr n, double sf, struct vcn_gmetad *g)
{
	for (xmlNodePtr c = n->children; c; c = c->next) {
		int rc = 0;

		if (is_elem(c, "CLUSTER"))
			rc = parse_cluster(c, sf, &g->clusters[g->n_clusters++]);
		else if (is_elem(c, "GRID"))
			rc = collect_clusters(c, sf, g);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Parse gmetad's XML @xml (@len bytes). A host or metric whose TN exceeds
 * @stale_factor times its TMAX is marked stale (@stale_factor <= 0: 4, as
 * gmetad). Returns 0 and a new tree in *@out (vcn_gmetad_free), -EINVAL
 * for truncated, malformed or non-Ganglia XML (logged), -ENOMEM. */
int vcn_gmetad_parse(const char *xml, size_t len, double stale_factor, struct vcn_gmetad **out)
{
	struct vcn_gmetad *g = NULL;
	xmlDocPtr doc = NULL;
	xmlNodePtr root;
	size_t nc;
	int rc = -EINVAL;

	*out = NULL;
	if (!(stale_factor > 0) || !isfinite(stale_factor))
		stale_factor = VCN_GM_STALE_DEFAULT;
	if (!xml || len == 0 || len > INT32_MAX) {
		vcn_err("gmetad XML: empty or oversized document (%zu bytes)", len);
		goto cleanup;
	}
	/* no DTD loading, no network, no entity expansion: gmetad's internal
	 * DTD is only declarations */
	doc = xmlReadMemory(xml, (int)len, "gmetad.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS);
	root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (!root) {
		vcn_err("gmetad XML: does not parse (%zu bytes; truncated or malformed)", len);
		goto cleanup;
	}
	if (xmlStrcmp(root->name, BAD_CAST "GANGLIA_XML") != 0) {
		vcn_err("gmetad XML: root is <%s>, not <GANGLIA_XML>", (const char *)root->name);
		goto cleanup;
	}
	rc = -ENOMEM;
	g = calloc(1, sizeof(*g));
	if (!g)
		goto cleanup;
	nc = count_clusters(root);
	g->clusters = nc ? calloc(nc, sizeof(*g->clusters)) : NULL;
	if (nc && !g->clusters)
		goto cleanup;
	rc = collect_clusters(root, stale_factor, g);
	if (rc < 0)
		goto cleanup;
	*out = g;
	g = NULL;
	rc = 0;
cleanup:
	vcn_gmetad_free(g);
	xmlFreeDoc(doc);
	return rc;
}

/* The cluster named @cluster, or NULL. */
const struct vcn_gm_cluster *vcn_gmetad_cluster(const struct vcn_gmetad *g, const char *cluster)
{
	for (size_t i = 0; g && i < g->n_clusters; i++)
		if (strcmp(g->clusters[i].name, cluster) == 0)
			return &g->clusters[i];
	return NULL;
}

/* Host @host in @cluster (any cluster when @cluster is NULL), or NULL. */
const struct vcn_gm_host *vcn_gmetad_host(const struct vcn_gmetad *g, const char *cluster, const char *host)
{
	for (size_t i = 0; g && i < g->n_clusters; i++) {
		const struct vcn_gm_cluster *c = &g->clusters[i];

		if (cluster && strcmp(c->name, cluster) != 0)
			continue;
		for (size_t j = 0; j < c->n_hosts; j++)
			if (strcmp(c->hosts[j].name, host) == 0)
				return &c->hosts[j];
	}
	return NULL;
}

const struct vcn_gm_metric *vcn_gmetad_metric(const struct vcn_gm_host *h, const char *name)
{
	for (size_t i = 0; h && i < h->n_metrics; i++)
		if (strcmp(h->metrics[i].name, name) == 0)
			return &h->metrics[i];
	return NULL;
}

/* The numeric value of @metric on @host. Returns 0; -ENOENT (no such
 * host/metric), -ESTALE (host or metric stale: unknown, not zero), -EINVAL
 * (not a number). Nothing is logged: the caller decides what is worth it. */
int vcn_gmetad_value(const struct vcn_gmetad *g, const char *cluster, const char *host, const char *metric,
		     double *out)
{
	const struct vcn_gm_host *h = vcn_gmetad_host(g, cluster, host);
	const struct vcn_gm_metric *m = vcn_gmetad_metric(h, metric);

	if (!m)
		return -ENOENT;
	if (h->stale || m->stale)
		return -ESTALE;
	return vcn_parse_double(m->val, -INFINITY, INFINITY, out);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read gmetad's whole XML dump from @addr:@port (gmetad writes it and
 * closes), waiting at most @timeout_ms in all. Returns 0 and a malloc'ed
 * NUL-terminated buffer in *@xml (*@len bytes), or -errno (logged). */
int vcn_gmetad_fetch(const char *addr, unsigned port, unsigned timeout_ms, char **xml, size_t *len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	char portstr[16], *buf = NULL;
	size_t cap = 0, used = 0;
	int64_t deadline = now_ms() + timeout_ms;
	int fd = -1, rc, gai;

	*xml = NULL;
	*len = 0;
	snprintf(portstr, sizeof(portstr), "%u", port);
	gai = getaddrinfo(addr, portstr, &hints, &ai);
	if (gai != 0) {
		vcn_err("gmetad '%s:%u': %s", addr, port, gai_strerror(gai));
		rc = -EHOSTUNREACH;
		goto cleanup;
	}
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
	if (fd < 0 || (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS)) {
		rc = -errno;
		vcn_err("gmetad '%s:%u': cannot connect: %s", addr, port, strerror(-rc));
		goto cleanup;
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) == 0) {
			rc = -ETIMEDOUT;
			vcn_err("gmetad '%s:%u': no complete answer within %u ms", addr, port, timeout_ms);
			goto cleanup;
		}
		if (cap - used < 65536) {
			char *nb;

			if (cap >= VCN_GM_MAX_XML) {
				rc = -EFBIG;
				vcn_err("gmetad '%s:%u': answer larger than %u bytes", addr, port, VCN_GM_MAX_XML);
				goto cleanup;
			}
			nb = realloc(buf, cap ? cap * 2 : 262144);
			if (!nb) {
				rc = -ENOMEM;
				goto cleanup;
			}
			buf = nb;
			cap = cap ? cap * 2 : 262144;
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0) {
			rc = -errno;
			vcn_err("gmetad '%s:%u': read: %s", addr, port, strerror(-rc));
			goto cleanup;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (used == 0) {
		rc = -ENODATA;
		vcn_err("gmetad '%s:%u': empty answer", addr, port);
		goto cleanup;
	}
	buf[used] = '\0';
	*xml = buf;
	*len = used;
	buf = NULL;
	rc = 0;
cleanup:
	free(buf);
	if (fd >= 0)
		close(fd);
	if (ai)
		freeaddrinfo(ai);
	return rc;
}
