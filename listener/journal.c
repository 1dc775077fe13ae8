/* journal.c - see journal.h. */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "spool.h"

#define JOURNAL_READ_MAX (256u << 20) /* larger: not a batch of ours */

void
journal_init(struct journal *j)
{
	j->fd = -1;
	j->path = NULL;
	j->len = 0;
	j->handed = 0;
}

/* All of fd's len bytes into a buffer (malloc'd), or NULL (logged). */
static char *
read_all(int fd, size_t len, const char *path)
{
	char *buf = malloc(len);
	size_t off = 0;

	if (buf == NULL) {
		log_warn("journal %s: %zu bytes", path, len);
		return NULL;
	}
	while (off < len) {
		ssize_t r = pread(fd, buf + off, len - off, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			log_warn("journal %s: read", path);
			free(buf);
			return NULL;
		}
		off += (size_t)r;
	}
	return buf;
}

/* An earlier run's batch, if the file holds one, goes to the spool. */
static int
hand_over(struct journal *j, int fd, const char *path, const char *spool)
{
	struct stat st;
	char *buf;
	int rc;

	if (fstat(fd, &st) != 0) {
		log_warn("journal %s", path);
		return -1;
	}
	if (st.st_size == 0)
		return 0;
	if ((uint64_t)st.st_size > JOURNAL_READ_MAX) {
		log_warnx("journal %s: %lld bytes: not a batch, ignored", path,
		          (long long)st.st_size);
		return 0;
	}
	buf = read_all(fd, (size_t)st.st_size, path);
	if (buf == NULL)
		return -1;
	rc = spool_append(spool, buf, (size_t)st.st_size);
	free(buf);
	if (rc != 0)
		return -1; /* kept: the next run tries again */
	j->handed = (uint64_t)st.st_size;
	log_warnx("journal: a batch of %lld bytes an earlier run was sending "
	          "when it stopped goes to the spool",
	          (long long)st.st_size);
	return 0;
}

int
journal_open(struct journal *j, const char *path, const char *spool)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0) {
		log_warn("journal %s", path);
		return -1;
	}
	if (hand_over(j, fd, path, spool) != 0 || ftruncate(fd, 0) != 0) {
		log_warn("journal %s: off", path);
		close(fd);
		return -1;
	}
	j->path = strdup(path);
	if (j->path == NULL) {
		log_warn("journal %s", path);
		close(fd);
		return -1;
	}
	j->fd = fd;
	j->len = 0;
	return 0;
}

void
journal_begin(struct journal *j, const void *buf, size_t len)
{
	const char *p = buf;
	size_t off = 0;

	if (j->fd < 0 || len == 0)
		return;
	while (off < len) {
		ssize_t w = pwrite(j->fd, p + off, len - off, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			log_warn("journal: write");
			break;
		}
		off += (size_t)w;
	}
	if (off < len) { /* no half batch left behind */
		if (ftruncate(j->fd, 0) != 0)
			log_warn("journal: truncate");
		j->len = 0;
		return;
	}
	if (len < j->len && ftruncate(j->fd, (off_t)len) != 0)
		log_warn("journal: truncate");
	j->len = len;
}

void
journal_end(struct journal *j)
{
	if (j->fd < 0 || j->len == 0)
		return;
	if (ftruncate(j->fd, 0) != 0)
		log_warn("journal: truncate");
	j->len = 0;
}

void
journal_close(struct journal *j)
{
	if (j->fd < 0)
		return;
	if (j->len == 0 && unlink(j->path) != 0)
		log_warn("journal: unlink %s", j->path);
	if (close(j->fd) != 0)
		log_warn("journal: close");
	free(j->path);
	j->path = NULL;
	j->fd = -1;
}
