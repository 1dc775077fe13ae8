/* localstore.h - find the executable of a MongoDB server godo writes to on
 * this host, so that its syscalls are excluded from auditing: recording
 * the store's own writes would feed back into the store, and an audited
 * store can stall on a full audit backlog while godo waits for it. */
#ifndef GODO_LOCALSTORE_H
#define GODO_LOCALSTORE_H

#include <stddef.h>

/* target: "host:port" or a mongodb:// URI. When its first host is a
 * loopback address, finds the process listening on that TCP port and puts
 * its executable's path in exe. Returns 1 found, 0 not local or not found. */
int localstore_exe(const char *target, char *exe, size_t size);

#endif
