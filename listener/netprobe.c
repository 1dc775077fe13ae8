/* netprobe.c - see netprobe.h. */
#include "netprobe.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* One address: connected now, or within timeout_ms. */
static bool
connects(const struct addrinfo *p, int timeout_ms)
{
	int fd = socket(p->ai_family,
	                p->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct pollfd pfd;
	int err = 0;
	socklen_t len = sizeof(err);
	bool ok = false;

	if (fd < 0)
		return false;
	if (connect(fd, p->ai_addr, p->ai_addrlen) == 0) {
		ok = true;
	} else if (errno == EINPROGRESS) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		ok = poll(&pfd, 1, timeout_ms) == 1 &&
		     getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
		     err == 0;
	}
	close(fd);
	return ok;
}

bool
netprobe_tcp(const char *host, uint16_t port, int timeout_ms)
{
	struct addrinfo hints, *ai = NULL, *p;
	char sport[8];
	bool ok = false;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(sport, sizeof(sport), "%u", port);
	if (getaddrinfo(host, sport, &hints, &ai) != 0)
		return false;
	for (p = ai; p != NULL && !ok; p = p->ai_next)
		ok = connects(p, timeout_ms);
	freeaddrinfo(ai);
	return ok;
}
