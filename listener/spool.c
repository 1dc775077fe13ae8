/* spool.c - see spool.h. */
#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "log.h"

int
spool_append(const char *path, const void *buf, size_t len)
{
	const char *p = buf;
	size_t off = 0;
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_warn("spool %s", path);
		return -1;
	}
	while (off < len) {
		ssize_t w = write(fd, p + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			log_warn("spool write %s", path);
			rc = -1;
			break;
		}
		off += (size_t)w;
	}
	if (fdatasync(fd) != 0)
		log_warn("spool fdatasync %s", path);
	if (close(fd) != 0 && rc == 0)
		log_warn("spool close %s", path);
	return rc;
}

int
spool_empty(const char *path)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		log_warn("spool: empty %s", path);
		return -1;
	}
	if (close(fd) != 0) {
		log_warn("spool: empty %s: close", path);
		return -1;
	}
	return 0;
}
