/* pathres.h - the path of a file document as the kernel resolved it in the
 * task's root, confirmed against the PATH record's inode and device.
 *
 * The name as given (a PATH item's name joined to the cwd or a dirfd's
 * path) may pass through symlinks, "..", or a dirfd godo never saw
 * opened. pathres opens the directory part under the task's root with
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) from an fd on
 * <proc_root>/<tgid>/root - a symlink or ".." inside the container can
 * never lead out of its root - and compares what it opened with the record:
 *  - a CREATE or DELETE item paired with a PARENT item: the directory must
 *    be the PARENT's (inode, dev); the last component is the name the
 *    kernel used as is (a CREATE item must also still be that inode, or a
 *    symlink whose target is);
 *  - any other item (NORMAL: the kernel followed the name to its end):
 *    the object itself, opened O_PATH|O_NOFOLLOW, then followed when it is
 *    a symlink, must be the item's inode.
 * The confirmed path is the opened object's path as the kernel prints it
 * (readlink of /proc/self/fd/N) made relative to the task's root. Anything
 * else - the file or directory gone or replaced, a swap between the
 * syscall and now, the task gone, no inode in the record, a base that is
 * not a path (a cwd the kernel printed as "<too_long>") - leaves the
 * lexical path (joined and cleaned, never followed) and marks the answer
 * unverified. Never fails otherwise: every outcome is an answer.
 * Syscalls only on the resolution path; nothing allocated; the task's
 * root may come from the caller's rootcache (rootcache.h). */
#ifndef GODO_PATHRES_H
#define GODO_PATHRES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rootcache.h"
#include "schema.h"
#include "sysevent.h"
#include "util.h"

/* What resolution found; path and raw point into the caller's buffers. */
struct pathres_ans {
	struct str path; /* the filename: resolved, else the lexical path;
	                  * p NULL when there is none */
	struct str raw;  /* the lexical path when it differs from path; p
	                  * NULL otherwise */
	bool unverified; /* path could not be confirmed */
	bool no_root;    /* no candidate task's root could be opened */
	bool no_base;    /* a relative name whose cwd / dirfd is no path
	                  * (the kernel's "<too_long>"): path is the name as
	                  * given, relative */
	bool has_inode;  /* the item's inode and device, from the record */
	uint64_t inode;
	uint32_t dev_major, dev_minor;
};

#define PATHRES_ALT 3

/* The question: item (one of ev's PATH items) named relative to base (the
 * cwd or a dirfd's path; ignored for an absolute name; p NULL or a base
 * not starting with '/' makes a relative name unresolvable), under the
 * root of task tgid (0: gone), else - a short-lived tool has often exited
 * before godo reads its events - under the root of the first of alt that
 * still lives (the caller's choice: tasks sharing that root, 0 ends). */
struct pathres_req {
	const char *proc_root;   /* "/proc", or a test's directory */
	struct rootcache *roots; /* roots held open (NULL: none) */
	pid_t tgid;
	const struct sysevent *ev;
	const struct sysev_path *item;
	struct str base;
	pid_t alt[PATHRES_ALT];
};

/* Resolves req into *ans, the path written to out (PATH_MAX_BYTES + 1)
 * and the lexical path to rawbuf (same size). -1 only when no path can be
 * formed (the name does not fit): then ans->path.p is NULL. */
int pathres_resolve(const struct pathres_req *req, char *out, char *rawbuf,
                    struct pathres_ans *ans);

/* ---- the pure parts (unit-tested without root) ---- */

/* The PATH item the kernel logged for the directory item was looked up
 * in: CREATE and DELETE items pair with PARENT items by order (rename:
 * PARENT old, PARENT new, DELETE old, CREATE new). NULL for other items,
 * or when there is no such PARENT. */
const struct sysev_path *pathres_parent_of(const struct sysevent *ev,
                                           const struct sysev_path *item);
/* base and name joined as the kernel would walk them (no cleaning:
 * ".." after a symlink is the symlink target's parent), into out (cap).
 * Length, or -1 when it does not fit or name is relative and base is not
 * an absolute path. */
long pathres_join(struct str base, struct str name, char *out, size_t cap);
/* Splits p (len n, absolute) into its directory part and last component,
 * trailing slashes ignored: "/a/b/" -> "/a" and "b"; "/x" -> "/" and "x";
 * "/" -> "/" and "" (no last component). */
void pathres_split(struct str p, struct str *dir, struct str *last);
/* p (an absolute path the kernel printed from godo's root) relative to the
 * task's root printed the same way: root "/" keeps p; root "/r" turns
 * "/r/x" into "/x" and "/r" into "/". Writes into out (cap); length, or
 * -1 when p is not under root or does not fit. */
long pathres_under_root(struct str root, struct str p, char *out, size_t cap);

#endif
