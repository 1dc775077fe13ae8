/* ownsess.c - see ownsess.h. */
#include "ownsess.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "procfs.h"
#include "util.h"

int
ownsess_parse(const char *buf, size_t n, uint32_t *out)
{
	uint64_t v;

	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (util_parse_u64((struct str){buf, n}, 10, 0, UINT32_MAX, &v) != 0)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* dir/name read as one number. 0 or -1 (errno). */
static int
read_u32(const char *dir, const char *name, uint32_t *out)
{
	char path[512], buf[32];
	ssize_t n;
	int len = snprintf(path, sizeof(path), "%s/%s", dir, name);

	if (len < 0 || (size_t)len >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	n = procfs_read_file(path, buf, sizeof(buf), NULL);
	if (n < 0)
		return -1;
	if (ownsess_parse(buf, (size_t)n, out) != 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* uid written to dir/loginuid (one write: the kernel takes it whole). */
static int
write_loginuid(const char *dir, uint32_t uid)
{
	char path[512], buf[16];
	int fd, n, len = snprintf(path, sizeof(path), "%s/loginuid", dir);

	if (len < 0 || (size_t)len >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%u", uid);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, buf, (size_t)n) != n) {
		int e = errno;

		(void)close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

int
ownsess_claim(const char *dir, uint32_t *sid)
{
	uint32_t uid, before;

	*sid = 0;
	if (read_u32(dir, "loginuid", &uid) != 0 ||
	    read_u32(dir, "sessionid", &before) != 0) {
		log_warn("own audit session: cannot read %s", dir);
		return -1;
	}
	if (uid == OWNSESS_UNSET)
		uid = 0;
	if (write_loginuid(dir, uid) != 0) {
		log_warn("own audit session: cannot set the loginuid (godo's "
		         "helper processes stay audited)");
		return -1;
	}
	if (read_u32(dir, "sessionid", sid) != 0 || *sid == OWNSESS_UNSET ||
	    *sid == 0 || *sid == before) {
		log_warnx("own audit session: the kernel gave no new session "
		          "(godo's helper processes stay audited)");
		*sid = 0;
		return -1;
	}
	return 0;
}
