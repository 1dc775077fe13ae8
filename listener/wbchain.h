/* wbchain.h - writeback's writes through the tamper-evident chain
 * (chain.h): every document but fds gets its digest (dg) and an entry in
 * the open link; a link is sealed at every flush (or when full) and queued
 * after what it covers; the head is saved and logged at intervals. Part of
 * writeback (its struct and stats), kept apart for size; only writeback.c
 * calls it. Without a chain (wb->chain NULL) the calls are the store's. */
#ifndef GODO_WBCHAIN_H
#define GODO_WBCHAIN_H

#include "writeback.h"

/* The one insert path: doc, with its digest when chained. The store's
 * result (a refusal is the store's to log). */
int wbchain_insert(struct writeback *wb, enum store_coll c, const bson_t *doc);
/* The update in wb->sel / wb->upd; a chained one must be a single $set of
 * the whole document (gaps, runs): dg joins it. */
int wbchain_upsert(struct writeback *wb, enum store_coll c);
/* At writeback_flush (chained only): seals the open link; saves the head
 * every WRITEBACK_HEAD_SAVE_MS, logs it every WRITEBACK_HEAD_LOG_MS. */
void wbchain_flush(struct writeback *wb, uint64_t now_ms);
/* At writeback_fini (chained only): the last link, the head saved and
 * logged. */
void wbchain_fini(struct writeback *wb);

#endif
