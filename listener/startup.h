/* startup.h - godo's setup steps that open the store, the chain and
 * kernel audit, in main.c's order. Each either succeeds or ends godo with
 * fatal()/fatalx() (one line saying why): there is nothing to record
 * without them. */
#ifndef GODO_STARTUP_H
#define GODO_STARTUP_H

#include <stddef.h>

#include "godo.h"

/* The writer process (-privsep) gets the -mongo URI; g->store is its
 * link. The recorder keeps the URI redacted and wipes argv's copy. err
 * gets why when g->store is NULL. */
void startup_privsep(struct godo *g, char *err, size_t errlen);
/* The state directory and the spool in it. */
void startup_spool(struct godo *g);
/* The chain of this run, after the head the previous run saved
 * (startup_spool made the state directory); nothing with -no-chain. */
void startup_chain(struct godo *g);
/* The audit sockets, godo's rules (or beside a daemon, its copy of them),
 * -lock. */
void startup_audit(struct godo *g);
/* A `restart` gap: nothing recorded between the previous run's last
 * heartbeat (or clean stop) and now. */
void startup_restart_gap(struct godo *g);

#endif
