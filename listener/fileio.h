/* fileio.h - changes to open files that are not write(2): data moved into
 * a file by copy_file_range, sendfile or splice (counted as writes of the
 * syscall's byte count on the destination's open-file session), and
 * writable shared mappings (the session is marked mapped: stores through
 * the mapping are not syscalls and cannot be counted). Only sessions in
 * godo's fd table count (files opened for writing); a destination that is
 * a pipe or socket, or a descriptor godo never saw opened, is ignored. */
#ifndef GODO_FILEIO_H
#define GODO_FILEIO_H

#include "sysevent.h"
#include "tracker.h"

/* SYSEV_XWRITE: ev->exit bytes written to ev->fd. */
void fileio_xwrite(struct tracker *tr, struct task *k,
                   const struct sysevent *ev);
/* SYSEV_MMAP: a mapping of ev->fd; marks the session when the mapping is
 * writable (a2 PROT_WRITE) and shared (MMAP flags MAP_SHARED or
 * MAP_SHARED_VALIDATE), whatever the kernel's rule let through. */
void fileio_mmap(struct tracker *tr, struct task *k, const struct sysevent *ev);

#endif
