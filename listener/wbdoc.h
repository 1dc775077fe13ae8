/* wbdoc.h - what the write-back keeps in memory, charged in bytes to a
 * budget (writeback_set_budget; main gives it -mem-limit's share for
 * documents and batches, membudget.h): a task's document kept until it is
 * written (struct task_doc; on an insert-only store until the final
 * document) and the closed-file documents held in the ring. A refused
 * charge never loses silently: a pending task's document is written at
 * once; a held file's document is written at once instead of held; only
 * changes to a task already written on an insert-only store (kept for its
 * final document), or to a task not recorded, are let go: counted in
 * st.mem_drops and written as a "mem_docs" gap at the next flush. Without
 * a budget (NULL) every charge succeeds. */
#ifndef GODO_WBDOC_H
#define GODO_WBDOC_H

#include <stdbool.h>

#include "writeback.h"

/* k's document, created when missing; NULL when out of memory (logged). */
struct task_doc *wbdoc_get(struct writeback *wb, struct task *k);
/* k's document changed: its growth is charged, or, refused, written or let
 * go as above (k->wb.doc may be NULL after). */
void wbdoc_charge(struct writeback *wb, struct task *k);
/* Frees k's document (may be NULL) and gives its bytes back. */
void wbdoc_free(struct writeback *wb, struct task *k);
/* Takes the bytes of held file h (its doc and path set); false, nothing
 * taken, when refused: the caller writes the document now. */
bool wbdoc_hold_take(struct writeback *wb, struct held_file *h);
/* h's bytes back (its document written or merged). */
void wbdoc_hold_give(struct writeback *wb, struct held_file *h);

#endif
