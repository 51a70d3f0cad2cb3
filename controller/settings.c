/* vcnd.conf into vcnd's runtime model. Loading is all-or-nothing
 * (lib/vcnd_conf.c logs each problem as file:line); on a reload, hosts and
 * VOs are replaced only when the new file is valid. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "vcnd.h"
#include "vcnd_conf.h"

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

/* Load @path into @d (hosts, VOs, paths, interval). Returns 0, or -errno
 * with @d untouched. Hosts that stay are kept connected (matched by name
 * and URI); the caller reconnects the rest. */
int vcnd_settings_load(struct vcnd *d, const char *path)
{
	struct vcn_vcnd_conf *c = NULL;
	unsigned i;
	int rc;

	rc = vcn_vcnd_conf_load(path, &c);
	if (rc < 0)
		return rc;
	if (c->n_hosts > VCND_MAX_HOSTS || c->n_vos > VCND_MAX_VOS) {
		vcn_err("%s: at most %d hosts and %d VOs", path, VCND_MAX_HOSTS, VCND_MAX_VOS);
		vcn_vcnd_conf_free(c);
		return -E2BIG;
	}
	copy(d->conf_path, sizeof(d->conf_path), path);
	copy(d->state_dir, sizeof(d->state_dir), c->state_dir);
	copy(d->scratch_dir, sizeof(d->scratch_dir), c->scratch_dir);
	copy(d->socket_path, sizeof(d->socket_path), c->control_socket);
	copy(d->audit_path, sizeof(d->audit_path), c->audit_log);
	d->interval_ms = c->interval_ms;
	for (i = 0; i < c->n_hosts; i++) {
		struct vcnd_host *h = &d->hosts[i];
		const struct vcn_conf_host *ch = &c->hosts[i];

		if (i < d->nhosts && strcmp(h->name, ch->name) == 0 && strcmp(h->uri, ch->uri) == 0)
			continue; /* unchanged: keep its connection */
		if (h->conn) {
			virConnectClose(h->conn);
			h->conn = NULL;
		}
		memset(h, 0, sizeof(*h));
		copy(h->name, sizeof(h->name), ch->name);
		copy(h->uri, sizeof(h->uri), ch->uri);
		h->virt = VCN_VIRT_LAST; /* decided when connected: see hosts.c */
	}
	d->nhosts = (unsigned)c->n_hosts;
	for (i = 0; i < c->n_vos; i++) {
		struct vcnd_vo *v = &d->vos[i];
		const struct vcn_conf_vo *cv = &c->vos[i];

		memset(v, 0, sizeof(*v));
		copy(v->name, sizeof(v->name), cv->name);
		copy(v->image, sizeof(v->image), cv->image);
		copy(v->kernel, sizeof(v->kernel), cv->kernel);
		copy(v->initrd, sizeof(v->initrd), cv->initrd);
		copy(v->cmdline, sizeof(v->cmdline), cv->cmdline);
		copy(v->network, sizeof(v->network), cv->network);
		copy(v->partition, sizeof(v->partition), cv->partition);
		v->vcpus = cv->vcpus;
		v->memory_mib = (unsigned)(cv->memory >> 20);
		v->min = cv->min;
		v->max = cv->max;
	}
	d->nvos = (unsigned)c->n_vos;
	vcn_vcnd_conf_free(c);
	return 0;
}
