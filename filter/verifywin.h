/* verifywin.h - filter -verify over a time window (-since/-until), and
 * the time ranges every document finding names.
 *
 * A link's from_ns..to_ns are WRITE times (when its batch was flushed),
 * not event times. A window check, in passes over the store:
 *   1. every link's header (verify_link): sequence, digests, times;
 *   2. verifywin_plan: per run, the window's links are those from the
 *      first one not wholly before the window to the last one not wholly
 *      after it (by sequence, so a link whose times were moved still
 *      counts); verifywin_link_entries keeps only their entries;
 *   3. verify_doc for every document: one named by a window link, or
 *      whose own times overlap the window (verifywin_doc_times), or that
 *      has no time at all, is judged; the others are counted and left;
 *   4. when a judged document matched none of its window entries
 *      (verifywin_needs_look: a runs or gaps document upserted again
 *      after the window, a task's :final written just after it), its
 *      entries in the other links (verifywin_second_look): a match there
 *      verifies it, and that link joins the checked sequence.
 * verify_finish then checks, per run, the sequence from the link just
 * before the window's first to the one just after its last (and through
 * every link used in pass 4): deleting the last link before the window,
 * or links in it, breaks the sequence; a run with links before and after
 * the window and none in it is checked across the window the same way.
 * A window without any link fails (verify_failed). Tamper only outside
 * the window (a document no window link names, whose times are outside)
 * is not seen: the summary says only the window was checked.
 *
 * Memory: every link's header (verify.h), the window's entries and the
 * window's documents; pass 4 allocates nothing. */
#ifndef GODO_VERIFYWIN_H
#define GODO_VERIFYWIN_H

#include <bson/bson.h>
#include <stdbool.h>
#include <stdint.h>

#include "esc.h"
#include "verify.h"

struct slot;
struct link;

/* After every verify_link: sorts the links, picks the window's. */
int verifywin_plan(struct verify *v);
/* A link again: its entries when it is one of the window's. */
int verifywin_link_entries(struct verify *v, const bson_t *link);
/* After every verify_doc: does any judged document need pass 4? */
bool verifywin_needs_look(struct verify *v);
/* A link again: its entries that match a judged document. */
int verifywin_second_look(struct verify *v, const bson_t *link);
/* verify_finish's link checks for a window. */
void verifywin_check_links(struct verify *v);

/* The document's times: every top-level "ns" or "*_ns" integer and date,
 * and those of the documents in its execve and docs arrays, into *lo and
 * *hi (widened; untouched when it has none). A pids document without an
 * exit time (a task still running when written) reaches to INT64_MAX. */
void verifywin_doc_times(const char *coll, const bson_t *doc, int64_t *lo,
                         int64_t *hi);
/* Does the document fall in the window (or have no time at all)? */
bool verifywin_doc_in(const struct verify *v, const char *coll,
                      const bson_t *doc);

/* Index of a collection name, or of a slot key "coll id": 0..4, else 5
 * (VERIFY_NCOLL - 1). */
int verifywin_coll_index(const char *key);
const char *verifywin_coll_name(int i);
/* A finding of kind k (VK_*) counted into r->range: the document's times,
 * or (none) the link's write times. */
void verifywin_count(struct verify_result *r, int k, const struct slot *s,
                     const struct link *l);
/* " [FROM .. TO]" of a seen document (" [no time]" without one). */
void verifywin_say_range(struct buf *b, const struct slot *s,
                         const struct link *l);
/* "2026-11-25T19:40:30.123Z" (UTC, ISO 8601); "open" for INT64_MIN and
 * INT64_MAX. */
void verifywin_fmt_time(int64_t ns, char *out, size_t n);
/* "; changed: pids 2 (FROM .. TO), ...; deleted: ..." per kind and
 * collection, nothing when no document finding. */
void verifywin_ranges(struct buf *b, const struct verify_result *r);

#endif
