/* localstore.h - find the executable of a MongoDB server godo writes to on
 * this host, so that its syscalls are excluded from auditing: recording
 * the store's own writes would feed back into the store, and an audited
 * store can stall on a full audit backlog while godo waits for it. */
#ifndef GODO_LOCALSTORE_H
#define GODO_LOCALSTORE_H

#include <stddef.h>

/* target: "host:port" or a mongodb:// URI (mongodb+srv:// is never
 * local). When its first host is a loopback address (localhost, 127.x,
 * ::1), finds the process listening on that TCP port (/proc/net/tcp, tcp6)
 * by its fd links (/proc/PID/fd/N -> socket:[inode]) and puts its
 * executable's path, NUL-terminated, in exe[0..size). Returns 1 found, 0
 * not local or not found; nothing is logged (not finding it is normal:
 * a remote store, or a process godo may not read). */
int localstore_exe(const char *target, char *exe, size_t size);
/* The same with proc_root in place of /proc (tests use a fake tree). */
int localstore_exe_at(const char *proc_root, const char *target, char *exe,
                      size_t size);

#endif
