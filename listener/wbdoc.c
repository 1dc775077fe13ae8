/* wbdoc.c - see wbdoc.h. */
#include "wbdoc.h"

#include "log.h"
#include "membudget.h"

struct task_doc *
wbdoc_get(struct writeback *wb, struct task *k)
{
	(void)wb;
	if (k->wb.doc == NULL)
		k->wb.doc = docbuild_doc_new();
	return k->wb.doc;
}

void
wbdoc_free(struct writeback *wb, struct task *k)
{
	if (k->wb.doc == NULL)
		return;
	membudget_give(wb->budget, k->wb.doc->charged);
	docbuild_doc_free(k->wb.doc);
	k->wb.doc = NULL;
}

void
wbdoc_charge(struct writeback *wb, struct task *k)
{
	struct task_doc *d = k->wb.doc;
	size_t now = docbuild_doc_bytes(d);

	if (d == NULL || now <= d->charged)
		return; /* libbson never shrinks a buffer: nothing to give */
	if (membudget_take(wb->budget, now - d->charged)) {
		d->charged = now;
		return;
	}
	if (k->wb.pending && !k->wb.written) {
		/* everything it holds goes into the store now */
		writeback_task_write(wb, k);
		if (k->wb.written) {
			wb->st.mem_early++;
			wbdoc_free(wb, k); /* insert-only: kept no longer */
			return;
		}
	}
	/* changes not in any written document: lost, and said so */
	wb->st.mem_drops++;
	writeback_tally(&wb->mem_gap, wb->wall_ns, 1);
	wbdoc_free(wb, k);
}

bool
wbdoc_hold_take(struct writeback *wb, struct held_file *h)
{
	size_t n = docbuild_bson_bytes(h->doc) + h->pathlen + 1;

	if (!membudget_take(wb->budget, n))
		return false;
	h->charged = n;
	return true;
}

void
wbdoc_hold_give(struct writeback *wb, struct held_file *h)
{
	membudget_give(wb->budget, h->charged);
	h->charged = 0;
}
