/* pathop.h - paths of audit events: a PATH item resolved against the cwd
 * or a dirfd and cleaned, and the operations on paths that are not open
 * files (rename, unlink, truncate by name, metadata changes, links,
 * directories, nodes), handed to the write-back. */
#ifndef GODO_PATHOP_H
#define GODO_PATHOP_H

#include "pathres.h"
#include "sysevent.h"
#include "tracker.h"

/* The path of ev's first PATH item of nametype want (or any non-PARENT
 * one when want < 0), resolved against dirfd (SYSEV_AT_FDCWD: the cwd)
 * and cleaned into out (PATH_MAX_BYTES + 1). Length, or -1 when there is
 * none or it does not fit. */
long pathop_resolve(struct tracker *tr, const struct task *k,
                    const struct sysevent *ev, int want, int dirfd, char *out);
/* The same item resolved for a document (pathres.h, the one door): the
 * path as the kernel resolved it under k's root, confirmed against the
 * record's inode, into out; the name as given (joined, cleaned) into raw
 * (both PATH_MAX_BYTES + 1). -1 when there is no item or no path. */
int pathop_resolve_doc(struct tracker *tr, const struct task *k,
                       const struct sysevent *ev, int want, int dirfd,
                       char *out, char *raw, struct pathres_ans *ans);
void pathop_rename(struct tracker *tr, struct task *k,
                   const struct sysevent *ev);
void pathop_unlink(struct tracker *tr, struct task *k,
                   const struct sysevent *ev);
/* truncate(path) is an operation; ftruncate(fd) a write to the open
 * file. */
void pathop_truncate(struct tracker *tr, struct task *k,
                     const struct sysevent *ev);
/* A rename logged with two CREATE items (RENAME_EXCHANGE) is one files
 * document with both names and exchange: true. */
/* The metadata and namespace operations (SYSEV_CHMOD ... SYSEV_MKNOD,
 * SYSEV_FALLOCATE (only the modes that change content: punch-hole,
 * collapse, zero, insert, unshare, write-zeroes, named), SYSEV_MOUNT
 * (target; a bind's source; flags), SYSEV_UMOUNT, SYSEV_OPEN_BY_HANDLE
 * (no name: the new fd, flags, inode and dev)):
 * one files document each, op named by the kind. The path is the PATH
 * item's, resolved as pathop_resolve does; for the f* variants (no named
 * item) the open-file session of the fd in godo's fd table, else the op is
 * recorded with its fd and no filename. A link, symlink or mknod's new
 * name ends the holding of a closed file of that path
 * (writeback_path_reused). Other kinds are ignored. */
void pathop_meta(struct tracker *tr, struct task *k, const struct sysevent *ev);

#endif
