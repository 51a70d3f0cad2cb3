/* The collector. Design, because the gmond main loop must never block:
 * - libvirt is only ever called from a worker thread; tick() posts a request
 *   and waits at most libvirt_timeout for the answer. A libvirtd that is
 *   stopped (SIGSTOP) or wedged keeps the worker waiting, not the caller:
 *   no new request is posted while one is outstanding, and ticks meanwhile
 *   read the VMs they already know from cgroups and tap counters.
 * - A lost connection is reopened by the worker with exponential back-off
 *   (1 s doubling to 30 s), one attempt per tick at most.
 * - VMs are keyed by UUID; a VM's Ganglia host key is derived from it, so a
 *   VM has one host wherever it runs. Only running VMs are published: the
 *   paused copy on a live-migration destination (or source) is not, so
 *   there are never two writers of one host.
 * - Counters from different sources do not mix: when the source changes the
 *   VM is re-baselined (one interval without rates). */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "collector.h"
#include "log.h"
#include "uuid.h"

#define BACKOFF_MIN_MS 1000u
#define BACKOFF_MAX_MS 30000u

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t vcn_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* libvirt prints its errors to stderr unless told otherwise; ours go to the
 * injected logger, once, where they happen. */
static void quiet_libvirt(void *opaque, virErrorPtr err)
{
	(void)opaque;
	(void)err;
}

static void worker_disconnect(struct vcn_collector *c)
{
	if (c->conn) {
		virConnectClose(c->conn);
		c->conn = NULL;
	}
}

static bool needs_meta(const struct vcn_collector_conf *conf)
{
	return conf->hostname == VCN_HOSTNAME_METADATA || conf->address == VCN_ADDRESS_METADATA;
}

/* Grow *@p (elements of @size) to hold @n; returns 0 or -ENOMEM. */
static int reserve(void **p, size_t *cap, size_t n, size_t size)
{
	void *q;

	if (n <= *cap)
		return 0;
	q = realloc(*p, n * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

/* Worker: the vcn metadata of each sampled domain, fetched once per domain
 * (at most 32 new ones per pass, so a host full of new VMs cannot stall a
 * pass), forgotten when the domain is gone; result aligned with ds.vms. */
static void worker_fetch_meta(struct vcn_collector *c)
{
	unsigned fetched = 0;
	uint64_t pass = ++c->meta_pass;
	size_t i, j;

	if (reserve((void **)&c->ds_meta, &c->ds_meta_cap, c->ds.n, sizeof(*c->ds_meta)) < 0)
		return;
	for (i = 0; i < c->ds.n; i++) {
		const uint8_t *u = c->ds.vms[i].uuid;

		for (j = 0; j < c->meta_n; j++)
			if (memcmp(c->meta_cache[j].uuid, u, VCN_UUID_LEN) == 0)
				break;
		if (j == c->meta_n) {
			if (fetched >= 32 ||
			    reserve((void **)&c->meta_cache, &c->meta_cap, c->meta_n + 1, sizeof(*c->meta_cache)) < 0) {
				memset(&c->ds_meta[i], 0, sizeof(c->ds_meta[i]));
				continue;
			}
			memcpy(c->meta_cache[j].uuid, u, VCN_UUID_LEN);
			/* absent metadata is normal (a VM vcn did not launch): leave it empty */
			vcn_dommeta_fetch(c->conn, u, &c->meta_cache[j].meta);
			c->meta_n++;
			fetched++;
		}
		c->meta_cache[j].pass = pass;
		c->ds_meta[i] = c->meta_cache[j].meta;
	}
	for (j = 0; j < c->meta_n;) {
		if (c->meta_cache[j].pass == pass)
			j++;
		else
			c->meta_cache[j] = c->meta_cache[--c->meta_n];
	}
}

/* One sampling pass in the worker: (re)connect if needed, then bulk stats. */
static int worker_sample(struct vcn_collector *c)
{
	struct vcn_hostinfo hi;
	uint64_t now = vcn_now_ns();
	int rc;

	if (!c->conn) {
		if (now < c->retry_at_ns)
			return -EAGAIN;
		c->conn = virConnectOpenReadOnly(c->conf->uri);
		if (!c->conn) {
			virErrorPtr e = virGetLastError();

			c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : BACKOFF_MIN_MS;
			if (c->backoff_ms > BACKOFF_MAX_MS)
				c->backoff_ms = BACKOFF_MAX_MS;
			c->retry_at_ns = now + (uint64_t)c->backoff_ms * 1000000u;
			if (c->backoff_ms == BACKOFF_MIN_MS)
				vcn_err("cannot connect to '%s': %s (retrying with back-off)", c->conf->uri,
					e && e->message ? e->message : "unknown error");
			return -ENOTCONN;
		}
		virConnSetErrorFunc(c->conn, NULL, quiet_libvirt);
		if (c->backoff_ms)
			vcn_info("connected to '%s' again", c->conf->uri);
		c->backoff_ms = 0;
		if (vcn_domstats_hostinfo(c->conn, &hi) == 0) {
			pthread_mutex_lock(&c->lock);
			c->pcpus = hi.pcpus;
			pthread_mutex_unlock(&c->lock);
		}
	}
	rc = vcn_domstats_sample(c->conn, &c->ds);
	if (rc >= 0 && needs_meta(c->conf))
		worker_fetch_meta(c);
	if (rc == -ENOTCONN || (rc < 0 && virConnectIsAlive(c->conn) != 1)) {
		worker_disconnect(c);
		c->retry_at_ns = 0; /* first reconnect right away, then back off */
		rc = -ENOTCONN;
	}
	return rc;
}

static void *worker_main(void *arg)
{
	struct vcn_collector *c = arg;
	int rc;

	pthread_mutex_lock(&c->lock);
	while (!c->stopping) {
		if (!c->requested) {
			pthread_cond_wait(&c->cond, &c->lock);
			continue;
		}
		c->requested = false;
		c->busy = true;
		pthread_mutex_unlock(&c->lock);
		rc = worker_sample(c);
		pthread_mutex_lock(&c->lock);
		c->busy = false;
		c->result_rc = rc;
		c->ready = true;
		pthread_cond_broadcast(&c->cond);
	}
	pthread_mutex_unlock(&c->lock);
	worker_disconnect(c);
	return NULL;
}

/* Start collecting with @conf (borrowed; must outlive the collector).
 * Returns 0 or -errno (thread creation failed). */
int vcn_collector_start(struct vcn_collector *c, const struct vcn_collector_conf *conf)
{
	pthread_condattr_t ca;
	long n;
	int rc;

	memset(c, 0, sizeof(*c));
	c->conf = conf;
	c->source = VCN_VMSAMPLE_SRC_LIBVIRT;
	vcn_contention_rules_default(&c->rules);
	vcn_domstats_init(&c->ds);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	c->pcpus = n > 0 ? (unsigned)n : 1;
	pthread_mutex_init(&c->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cond, &ca);
	pthread_condattr_destroy(&ca);
	rc = pthread_create(&c->worker, NULL, worker_main, c);
	if (rc != 0) {
		vcn_err("cannot start the libvirt worker thread: %s", strerror(rc));
		return -rc;
	}
	c->worker_started = true;
	return 0;
}

/* Stop the worker and free everything. A worker stuck in a hung libvirtd
 * is detached rather than waited for (it exits when libvirt returns), and
 * then the collector's memory is deliberately not freed, since it still
 * uses it: this only happens at process exit. */
void vcn_collector_stop(struct vcn_collector *c)
{
	bool stuck;

	if (!c->worker_started)
		return;
	pthread_mutex_lock(&c->lock);
	c->stopping = true;
	stuck = c->busy;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	c->worker_started = false;
	if (stuck) {
		vcn_warn("libvirt call still in progress at stop; leaving it behind");
		pthread_detach(c->worker);
		return;
	}
	pthread_join(c->worker, NULL);
	vcn_domstats_free(&c->ds);
	free(c->vms);
	free(c->scratch);
	free(c->meta_cache);
	free(c->ds_meta);
	free(c->scratch_meta);
	c->vms = NULL;
	c->scratch = NULL;
	c->meta_cache = NULL;
	c->ds_meta = c->scratch_meta = NULL;
	c->n = c->cap = c->scratch_cap = 0;
}

/* Ask the worker for fresh stats and wait up to libvirt_timeout. Returns
 * the number of samples copied to c->scratch, or -errno (-ETIMEDOUT when
 * the worker is still waiting on libvirt). */
static int fetch_libvirt(struct vcn_collector *c)
{
	struct timespec until;
	uint64_t deadline;
	int rc = 0;

	pthread_mutex_lock(&c->lock);
	if (c->busy) {
		/* the previous call has not come back: don't queue behind it */
		pthread_mutex_unlock(&c->lock);
		return -ETIMEDOUT;
	}
	c->ready = false;
	c->requested = true;
	pthread_cond_broadcast(&c->cond);
	deadline = vcn_now_ns() + c->conf->libvirt_timeout_ms * 1000000u;
	until.tv_sec = (time_t)(deadline / 1000000000u);
	until.tv_nsec = (long)(deadline % 1000000000u);
	while (!c->ready && rc == 0)
		rc = pthread_cond_timedwait(&c->cond, &c->lock, &until);
	if (!c->ready) {
		pthread_mutex_unlock(&c->lock);
		return -ETIMEDOUT;
	}
	rc = c->result_rc;
	if (rc >= 0) {
		if (reserve((void **)&c->scratch, &c->scratch_cap, c->ds.n, sizeof(*c->scratch)) < 0) {
			pthread_mutex_unlock(&c->lock);
			return -ENOMEM;
		}
		if (c->ds.n)
			memcpy(c->scratch, c->ds.vms, c->ds.n * sizeof(*c->scratch));
		if (needs_meta(c->conf) && c->ds.n) {
			if (reserve((void **)&c->scratch_meta, &c->scratch_meta_cap, c->ds.n,
				    sizeof(*c->scratch_meta)) < 0 || c->ds_meta_cap < c->ds.n) {
				pthread_mutex_unlock(&c->lock);
				return -ENOMEM;
			}
			memcpy(c->scratch_meta, c->ds_meta, c->ds.n * sizeof(*c->scratch_meta));
		}
		rc = (int)c->ds.n;
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

static struct vcn_collected_vm *find_vm(struct vcn_collector *c, const uint8_t *uuid)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (memcmp(c->vms[i].uuid, uuid, VCN_UUID_LEN) == 0)
			return &c->vms[i];
	return NULL;
}

static bool ip_taken(const struct vcn_collector *c, const struct vcn_collected_vm *self)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (&c->vms[i] != self && strcmp(c->vms[i].ip, self->ip) == 0)
			return true;
	return false;
}

/* Ganglia identity of a new VM: host name by the configured mode, spoof
 * address from its metadata or its UUID; a (rare) clash of derived
 * addresses on this host moves the newcomer to the next one, with a
 * warning. @meta may be NULL. Fixed for the VM's life in the collector. */
static void name_vm(struct vcn_collector *c, struct vcn_collected_vm *vm, const struct vcn_dommeta *meta)
{
	char u[VCN_UUID_STRLEN];

	if (c->conf->hostname == VCN_HOSTNAME_UUID) {
		vcn_uuid_format(vm->uuid, u);
		memcpy(vm->host, u, sizeof(u));
	} else if (c->conf->hostname == VCN_HOSTNAME_METADATA && meta && meta->hostname[0]) {
		memcpy(vm->host, meta->hostname, sizeof(meta->hostname));
	} else {
		memcpy(vm->host, vm->name, sizeof(vm->host));
	}
	/* the VM's own address, if usable (not 0.0.0.0, broadcast, multicast) */
	if (c->conf->address == VCN_ADDRESS_METADATA && meta && meta->address[0] &&
	    vcn_spoof_ip_pick(meta->address, &c->conf->spoof_range, vm->uuid, vm->ip) == 0) {
		if (ip_taken(c, vm))
			vcn_warn("VM '%s': its address %s is already another VM's Ganglia key", vm->name, vm->ip);
		return;
	}
	for (vm->ip_attempt = 0; vm->ip_attempt < 16; vm->ip_attempt++) {
		vcn_ip4_format(vcn_spoof_ip_derive(&c->conf->spoof_range, vm->uuid, vm->ip_attempt), vm->ip);
		if (!ip_taken(c, vm))
			break;
		vcn_warn("VM '%s': spoof address %s already used by another VM; trying the next", vm->name, vm->ip);
	}
}

static struct vcn_collected_vm *add_vm(struct vcn_collector *c, const struct vcn_vmsample *s,
				       const struct vcn_dommeta *meta)
{
	struct vcn_collected_vm *vm;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct vcn_collected_vm *p = realloc(c->vms, cap * sizeof(*p));

		if (!p) {
			vcn_err("out of memory for %zu VMs", cap);
			return NULL;
		}
		c->vms = p;
		c->cap = cap;
	}
	vm = &c->vms[c->n++];
	memset(vm, 0, sizeof(*vm));
	memcpy(vm->name, s->name, sizeof(vm->name));
	memcpy(vm->uuid, s->uuid, VCN_UUID_LEN);
	vm->id = s->id;
	vm->cg_id = -1;
	name_vm(c, vm, meta);
	vcn_info("VM '%s' appears as Ganglia host %s:%s", vm->name, vm->ip, vm->host);
	return vm;
}

/* Turn @s into @vm's metrics, against its previous sample of the same source. */
static void update_vm(struct vcn_collector *c, struct vcn_collected_vm *vm, const struct vcn_vmsample *s)
{
	const struct vcn_vmsample *prev = vm->have_prev && vm->prev.source == s->source ? &vm->prev : NULL;
	unsigned i;

	vcn_vmmetrics_compute(prev, s, &vm->m);
	vm->prev = *s;
	vm->have_prev = true;
	vm->id = s->id;
	vm->seen_tick = c->ticks;
	vm->publish = s->state == VCN_VM_STATE_RUNNING || s->state == VCN_VM_STATE_BLOCKED;
	if (s->source == VCN_VMSAMPLE_SRC_LIBVIRT) {
		vm->ntaps = s->nnics;
		for (i = 0; i < s->nnics; i++)
			memcpy(vm->taps[i], s->nic[i].name, sizeof(vm->taps[i]));
	}
}

/* Drop the VMs this tick did not see (destroyed, migrated away, filtered). */
static void forget_unseen(struct vcn_collector *c)
{
	size_t i = 0;

	while (i < c->n) {
		if (c->vms[i].seen_tick == c->ticks) {
			i++;
			continue;
		}
		vcn_info("VM '%s' is gone", c->vms[i].name);
		c->vms[i] = c->vms[--c->n];
	}
}

static void merge_libvirt(struct vcn_collector *c, size_t n)
{
	struct vcn_collected_vm *vm;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct vcn_vmsample *s = &c->scratch[i];

		if (!vcn_collector_conf_wants(c->conf, s->name))
			continue;
		vm = find_vm(c, s->uuid);
		if (!vm)
			vm = add_vm(c, s, needs_meta(c->conf) ? &c->scratch_meta[i] : NULL);
		if (vm)
			update_vm(c, vm, s);
	}
}

/* Read the VMs we know from cgroups and taps. A VM whose cgroup is gone has
 * stopped. Returns how many were read. */
static size_t merge_cgroup(struct vcn_collector *c)
{
	struct vcn_vmsample s;
	size_t i, got = 0;
	unsigned t;
	int rc;

	for (i = 0; i < c->n; i++) {
		struct vcn_collected_vm *vm = &c->vms[i];

		if (vm->cg_id != vm->id) {
			rc = vcn_cgroup_locate(c->conf->cgroup_root, NULL, vm->id, vm->name, &vm->cg);
			if (rc < 0)
				continue;
			vm->cg_id = vm->id;
		}
		vcn_vmsample_reset(&s);
		memcpy(s.name, vm->name, sizeof(s.name));
		memcpy(s.uuid, vm->uuid, VCN_UUID_LEN);
		s.id = vm->id;
		s.have |= VCN_VMS_HAVE_ID;
		if (vcn_cgroup_read(&vm->cg, c->conf->proc_root, &s) < 0) {
			vm->cg_id = -1; /* gone, or moved: locate again next time */
			continue;
		}
		/* the cgroup holds a live qemu; whether its guest is paused is unknowable here */
		s.state = VCN_VM_STATE_RUNNING;
		s.have |= VCN_VMS_HAVE_STATE;
		for (t = 0; t < vm->ntaps && s.nnics < VCN_VMSAMPLE_MAX_NICS; t++) {
			struct vcn_vmsample_nic *nic = &s.nic[s.nnics];

			if (vcn_cgroup_read_tap(c->conf->net_root, vm->taps[t], nic) == 0)
				s.nnics++;
		}
		update_vm(c, vm, &s);
		got++;
	}
	return got;
}

/* One collection round: libvirt if it answers in time, else cgroups; then
 * metrics per VM and host aggregates. Call from one thread only (the
 * module's sampler). Returns the number of VMs known, or -errno when
 * neither source gave anything. */
int vcn_collector_tick(struct vcn_collector *c)
{
	struct vcn_vmmetrics *ms = NULL;
	uint64_t cpu0 = thread_cpu_ns();
	size_t i, npub = 0;
	unsigned pcpus;
	int rc;

	c->ticks++;
	rc = fetch_libvirt(c);
	if (rc >= 0) {
		c->libvirt_ok++;
		c->source = VCN_VMSAMPLE_SRC_LIBVIRT;
		c->source_ok = true;
		merge_libvirt(c, (size_t)rc);
	} else {
		c->fallback_ticks++;
		c->source = VCN_VMSAMPLE_SRC_CGROUP;
		c->source_ok = merge_cgroup(c) > 0 || c->n == 0;
	}
	forget_unseen(c);

	pthread_mutex_lock(&c->lock);
	pcpus = c->pcpus;
	pthread_mutex_unlock(&c->lock);
	if (c->n) {
		ms = malloc(c->n * sizeof(*ms));
		if (!ms) {
			vcn_err("out of memory for %zu VM metrics", c->n);
			return -ENOMEM;
		}
		for (i = 0; i < c->n; i++)
			if (c->vms[i].publish)
				ms[npub++] = c->vms[i].m;
	}
	vcn_hostmetrics_compute(ms, npub, pcpus, &c->rules, &c->host);
	free(ms);
	c->last_tick_cpu_ns = thread_cpu_ns() - cpu0;
	return c->source_ok ? (int)c->n : -EHOSTUNREACH;
}
