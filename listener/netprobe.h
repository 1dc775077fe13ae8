/* netprobe.h - is anything listening at host:port? One non-blocking TCP
 * connect with a short deadline, so a loop that must not stall can ask
 * whether a dead server is back (store.c, while spooling). */
#ifndef GODO_NETPROBE_H
#define GODO_NETPROBE_H

#include <stdbool.h>
#include <stdint.h>

/* true when a connect to any address of host (numeric or a name) on port
 * succeeds within timeout_ms; false otherwise (nothing is logged: a dead
 * server is the expected answer). */
bool netprobe_tcp(const char *host, uint16_t port, int timeout_ms);

#endif
