/* fileio.c - see fileio.h. */
#include "fileio.h"

#include <sys/mman.h>

#include "fdtab.h"

/* The open-file session of ev->fd when godo knows it as written. */
static struct openfile *
session_of(struct tracker *tr, const struct task *k, const struct sysevent *ev)
{
	struct fdent *e;

	if (ev->fd < 0)
		return NULL;
	e = fdtab_route(tr->ft, k->tgid, ev->fd, ev->serial);
	return e != NULL ? e->file : NULL;
}

void
fileio_xwrite(struct tracker *tr, struct task *k, const struct sysevent *ev)
{
	struct openfile *f;

	if (!ev->has_exit || ev->exit <= 0)
		return; /* nothing moved */
	f = session_of(tr, k, ev);
	if (f != NULL) {
		fdtab_count_write(f, ev->time_ns, (uint64_t)ev->exit);
		fdtab_note_writer(f, k);
	}
}

void
fileio_mmap(struct tracker *tr, struct task *k, const struct sysevent *ev)
{
	struct openfile *f;

	/* MAP_SHARED_VALIDATE (3) has MAP_SHARED's bit */
	if (!ev->has_mmap || (ev->a[2] & PROT_WRITE) == 0 ||
	    (ev->mmap_flags & MAP_SHARED) == 0)
		return;
	f = session_of(tr, k, ev);
	if (f != NULL)
		fdtab_mark_mapped(f, ev->time_ns);
}
