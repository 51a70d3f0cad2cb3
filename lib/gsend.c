/* Sending through libganglia exactly as gmetric does (Ganglia_metric_set,
 * SPOOF_HOST metadata, Ganglia_*_send), from any thread that owns the
 * struct. Each message is built in a sub-pool destroyed right after it is
 * sent: libganglia allocates per send, so a long-lived pool would grow. */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "gsend.h"
#include "log.h"

/* Open send channels from an already parsed gmond config (a module's
 * config_file), in a sub-pool of @parent (NULL: a root pool). A module
 * passes gmond's pool: APR then destroys ours with it, and the module must
 * stop sending before that (a pre-cleanup on the parent). @tmax/@dmax apply
 * to every metric sent. Returns 0 or -EIO. */
int vcn_gsend_open(struct vcn_gsend *g, Ganglia_pool parent, Ganglia_gmond_config config, unsigned tmax,
		   unsigned dmax)
{
	memset(g, 0, sizeof(*g));
	g->tmax = tmax;
	g->dmax = dmax;
	g->pool = Ganglia_pool_create(parent);
	if (!g->pool) {
		vcn_err("cannot create an APR pool for sending metrics");
		return -ENOMEM;
	}
	g->channels = Ganglia_udp_send_channels_create(g->pool, config);
	if (!g->channels) {
		vcn_err("gmond config has no usable udp_send_channel");
		Ganglia_pool_destroy(g->pool);
		g->pool = NULL;
		return -EIO;
	}
	return 0;
}

static Ganglia_pool apr_root;

static void apr_init_once(void)
{
	/* libganglia initializes APR in its first root pool; its config parser
	 * allocates from APR and crashes without that (gmond and gmetric make a
	 * pool first). One pool for the process, never destroyed. */
	apr_root = Ganglia_pool_create(NULL);
}

/* Same, reading gmond.conf from @gmond_conf (for programs other than gmond).
 * The parsed config is not freed: libganglia has no call for it. */
int vcn_gsend_open_file(struct vcn_gsend *g, const char *gmond_conf, unsigned tmax, unsigned dmax)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	Ganglia_gmond_config cfg;

	pthread_once(&once, apr_init_once);
	if (!apr_root) {
		vcn_err("cannot initialize APR for sending metrics");
		return -ENOMEM;
	}
	cfg = Ganglia_gmond_config_create((char *)gmond_conf, 0);

	if (!cfg) {
		vcn_err("cannot read gmond config '%s'", gmond_conf);
		return -EINVAL;
	}
	return vcn_gsend_open(g, NULL, cfg, tmax, dmax);
}

static int send_one(struct vcn_gsend *g, const char *spoof, const struct vcn_mval *v, bool heartbeat,
		    bool metadata)
{
	Ganglia_metric gm = Ganglia_metric_create(g->pool);
	int rc;

	if (!gm)
		return -ENOMEM;
	if (heartbeat)
		rc = Ganglia_metric_set(gm, (char *)"heartbeat", (char *)"0", (char *)"uint32", (char *)"", 0, 0, 0);
	else
		rc = Ganglia_metric_set(gm, (char *)v->name, (char *)v->value,
					(char *)vcn_mval_type_name(v->type), (char *)v->units,
					v->type == VCN_MVAL_STRING ? 0 : 3 /* both */, g->tmax, g->dmax);
	if (rc != 0) {
		vcn_warn("metric '%s' refused by libganglia (code %d)", heartbeat ? "heartbeat" : v->name, rc);
		Ganglia_metric_destroy(gm);
		return -EINVAL;
	}
	Ganglia_metadata_add(gm, (char *)SPOOF_HOST, (char *)spoof);
	if (heartbeat) {
		Ganglia_metadata_add(gm, (char *)SPOOF_HEARTBEAT, (char *)"yes");
	} else {
		Ganglia_metadata_add(gm, (char *)"GROUP", (char *)v->group);
		Ganglia_metadata_add(gm, (char *)"TITLE", (char *)v->title);
	}
	rc = metadata ? Ganglia_metric_send(gm, g->channels) : Ganglia_value_send(gm, g->channels);
	Ganglia_metric_destroy(gm);
	return rc ? -EIO : 0;
}

/* Send a heartbeat and every value of @vals as host @spoof ("ip:name");
 * with @metadata, each value's metadata too (gmond needs it once, and again
 * after it restarts). Returns 0, or -EIO if some sends failed (counted). */
int vcn_gsend_host(struct vcn_gsend *g, const char *spoof, const struct vcn_mvals *vals, bool metadata)
{
	size_t i;
	int bad = 0;

	if (send_one(g, spoof, NULL, true, true) < 0)
		bad++;
	for (i = 0; i < vals->n; i++)
		if (send_one(g, spoof, &vals->v[i], false, metadata) < 0)
			bad++;
	g->sent += vals->n + 1 - (unsigned long)bad;
	g->failed += (unsigned long)bad;
	return bad ? -EIO : 0;
}

/* Close the channels; NULL-safe and idempotent. libganglia 3.7 declares
 * Ganglia_udp_send_channels_destroy but does not define it: the channels'
 * sockets live in our pool, and destroying the pool closes them. */
void vcn_gsend_close(struct vcn_gsend *g)
{
	if (!g || !g->pool)
		return;
	Ganglia_pool_destroy(g->pool);
	g->pool = NULL;
	g->channels = NULL;
}
