/* vcn: ganglia-web overlay events (its events.json), appended by vcnd for
 * what it does, so launches, migrations, scale actions and reloads show as
 * lines on the graphs. */
#ifndef VCN_WEBEVENTS_H
#define VCN_WEBEVENTS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define VCN_WEBEVENTS_MAX_DEFAULT 500

struct vcn_webevents {
	char *path;             /* events.json; NULL: disabled */
	size_t max_events;      /* oldest dropped beyond this */
	unsigned long seq;      /* for unique event ids */
	pthread_mutex_t lock;   /* vcnd appends from its loop and launch threads */
};

int vcn_webevents_init(struct vcn_webevents *w, const char *path, size_t max_events);
void vcn_webevents_free(struct vcn_webevents *w);
int vcn_webevents_set(struct vcn_webevents *w, const char *path, size_t max_events);
bool vcn_webevents_wanted(const char *action);
int vcn_webevents_append(struct vcn_webevents *w, time_t when, const char *action, const char *vcn,
			 const char *host, const char *detail);
int vcn_webevents_split(const char *text, size_t len, size_t **starts, size_t **ends, size_t *n);

#endif
