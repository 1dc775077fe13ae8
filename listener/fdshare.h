/* fdshare.h - fdtab's accounting by container: which container (a task's
 * docker_id, "" for the host) holds how many entries and bytes, and its
 * entries by age, directory/O_PATH entries and written files apart, so the
 * table can make one container pay for its own flood (fdtab.h). A
 * container's record exists while it holds entries; records are allocated
 * here (their bytes reported to the caller, who charges them). */
#ifndef GODO_FDSHARE_H
#define GODO_FDSHARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fdent;
struct openfile;

struct fdcont {
	char id[65];
	uint32_t n;                          /* entries */
	size_t bytes;                        /* their bytes */
	struct fdent *newest[2], *oldest[2]; /* [0] directories, [1] files */
	struct fdcont *next;
	struct fdshare *share; /* the set it belongs to */
};

struct fdshare {
	struct fdcont *list;
	uint32_t count; /* containers holding entries */
	void *owner;    /* the table (fdtab.c) */
};

#define FDSHARE_CONT_BYTES sizeof(struct fdcont)

/* The record of docker_id, made when missing. NULL when out of memory
 * (logged). */
struct fdcont *fdshare_get(struct fdshare *s, const char *docker_id);
/* The record of docker_id, or NULL when it holds nothing. */
struct fdcont *fdshare_find(const struct fdshare *s, const char *docker_id);
/* e (e->cont set, e->bytes final) joins its container's list by kind
 * (e->file != NULL: files), newest. */
void fdshare_link(struct fdent *e);
/* e (linked) now refers to open file f, more bytes charged for it: it
 * moves to its container's files. */
void fdshare_set_file(struct fdent *e, struct openfile *f, size_t more);
/* e leaves its list; a record left empty is freed (returns true then:
 * the caller gives back FDSHARE_CONT_BYTES). */
bool fdshare_unlink(struct fdshare *s, struct fdent *e);
/* The oldest entry of kind (0 directories, 1 files) of c that is not a
 * shadow, or NULL. */
struct fdent *fdshare_oldest(const struct fdcont *c, int kind);
/* The container holding the most bytes other than but (NULL: any), or
 * NULL: a container below its share takes room from others, never from
 * itself. */
struct fdcont *fdshare_largest(const struct fdshare *s,
                               const struct fdcont *but);
/* Frees every record (entries are the caller's). */
void fdshare_free(struct fdshare *s);

#endif
