/* prov.h - the provenance every report opens with: which database of
 * which store (never its credentials), which host(s), the window (the
 * flags' or the data's first and last time), when and by which filter
 * version it was made, and the zone of its times. Built from the finished
 * model and the options by each renderer; owns its arrays (prov_free),
 * borrows strings from the model and the options, which must outlive it. */
#ifndef GODO_PROV_H
#define GODO_PROV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "opts.h"

struct prov {
	const char *db;     /* -db; NULL when unknown */
	char store[1024];   /* -mongo, passwords as *** (util_uri_redact);
	                     * "sqlite:DIR" with -store-dir */
	const char **hosts; /* -host, else the shown processes' hosts, sorted */
	size_t nhosts;
	int64_t from, to;    /* the window; NS_NONE: nothing to show */
	bool from_data;      /* from is the data's first time, not -since */
	bool to_data;        /* to is the data's last time, not -until */
	int64_t generated;   /* o->now */
	const char *version; /* the filter's (VERSION) */
	struct model_verify verify;
};

/* "intact", "FAILED", "not chained" or "not checked". */
const char *prov_verify_word(enum model_verify_state s);

void prov_build(struct prov *p, const struct model *m, const struct opts *o);
void prov_free(struct prov *p);

#endif
