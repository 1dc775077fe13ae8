/* storemod.c - see storemod.h. */
#include "storemod.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

/* dlopen is process-wide: so is the module it loaded (never unloaded:
 * libmongoc's threads and atexit handlers may outlive a dlclose) */
static const struct storemongo_ops *loaded;

bool
storemod_stat_ok(const struct stat *st, uid_t euid, bool dir, char *why,
                 size_t whylen)
{
	const char *what = dir ? "its directory" : "it";

	if (dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode)) {
		snprintf(why, whylen, "%s is not a %s", what,
		         dir ? "directory" : "regular file");
		return false;
	}
	if (st->st_uid != 0 && st->st_uid != euid) {
		snprintf(why, whylen, "%s is owned by uid %u, not root", what,
		         (unsigned)st->st_uid);
		return false;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(why, whylen, "%s is writable by %s (mode %04o)", what,
		         (st->st_mode & S_IWOTH) != 0 ? "others" : "its group",
		         (unsigned)(st->st_mode & 07777));
		return false;
	}
	return true;
}

/* The file at fd (opened from path) and path's directory may be loaded. */
static int
check(int fd, const char *path, char *err, size_t errlen)
{
	char dir[4096], why[128];
	struct stat st;

	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "store module %s: %s", path,
		         strerror(errno));
		return -1;
	}
	if (!storemod_stat_ok(&st, geteuid(), false, why, sizeof(why)))
		goto refused;
	util_strlcpy(dir, path, sizeof(dir));
	if (stat(dirname(dir), &st) != 0) {
		snprintf(err, errlen, "store module %s: its directory: %s",
		         path, strerror(errno));
		return -1;
	}
	if (!storemod_stat_ok(&st, geteuid(), true, why, sizeof(why)))
		goto refused;
	return 0;
refused:
	snprintf(err, errlen, "store module %s refused: %s", path, why);
	return -1;
}

static int
open_checked(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "store module %s: %s", path,
		         strerror(errno));
		return -1;
	}
	if (check(fd, path, err, errlen) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int
storemod_find(char *path, size_t len, char *err, size_t errlen)
{
	const char *const rel[] = {"", STOREMOD_LIBDIR "/"};
	char exe[4096], *dir;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t i;
	int fd;

	if (n <= 0) {
		snprintf(err, errlen, "store module: /proc/self/exe: %s",
		         n < 0 ? strerror(errno) : "empty");
		return -1;
	}
	exe[n] = '\0';
	dir = dirname(exe);
	for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		int w =
		    snprintf(path, len, "%s/%s%s", dir, rel[i], STOREMOD_NAME);

		if (w < 0 || (size_t)w >= len) {
			snprintf(err, errlen, "store module: path too long");
			return -1;
		}
		if (access(path, F_OK) == 0)
			break;
	}
	if (i == sizeof(rel) / sizeof(rel[0])) {
		snprintf(err, errlen,
		         "no store module: neither %s/%s nor %s/%s/%s exists "
		         "(make install puts it in $(PREFIX)/lib/godo)",
		         dir, STOREMOD_NAME, dir, STOREMOD_LIBDIR,
		         STOREMOD_NAME);
		return -1;
	}
	fd = open_checked(path, err, errlen);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static void
host_log(int level, const char *msg)
{
	if (level <= LOG_LVL_WARN)
		log_warnx("%s", msg);
	else if (level == LOG_LVL_INFO)
		log_info("%s", msg);
	else
		log_debug("%s", msg);
}

static const struct storemongo_host host = {host_log};

/* The table in handle, if it is one of this version. */
static const struct storemongo_ops *
lookup(void *handle, const char *path, char *err, size_t errlen)
{
	const struct storemongo_ops *ops = dlsym(handle, STOREMONGO_SYMBOL);

	if (ops == NULL) {
		snprintf(err, errlen, "store module %s: no symbol %s", path,
		         STOREMONGO_SYMBOL);
		return NULL;
	}
	if (ops->abi != STOREMONGO_ABI || ops->size != sizeof(*ops)) {
		snprintf(err, errlen,
		         "store module %s: interface version %u (%u bytes), "
		         "godo wants %u (%zu bytes): a module of another build",
		         path, ops->abi, ops->size, STOREMONGO_ABI,
		         sizeof(*ops));
		return NULL;
	}
	return ops;
}

int
storemod_load(const char *path, char *err, size_t errlen)
{
	const struct storemongo_ops *ops;
	char self[64];
	void *handle;
	int fd;

	if (loaded != NULL)
		return 0;
	fd = open_checked(path, err, errlen);
	if (fd < 0)
		return -1;
	/* the inode checked, not whatever the path names by now */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	handle = dlopen(self, RTLD_NOW | RTLD_LOCAL);
	close(fd);
	if (handle == NULL) {
		snprintf(err, errlen, "store module %s: %s", path, dlerror());
		return -1;
	}
	ops = lookup(handle, path, err, errlen);
	if (ops == NULL) {
		(void)dlclose(handle); /* refused: its table is never called */
		return -1;
	}
	ops->init(&host);
	loaded = ops;
	log_debug("store module %s loaded", path);
	return 0;
}

int
storemod_load_default(char *err, size_t errlen)
{
	char path[4096];

	if (loaded != NULL)
		return 0;
	if (storemod_find(path, sizeof(path), err, errlen) != 0)
		return -1;
	return storemod_load(path, err, errlen);
}

const struct storemongo_ops *
storemod_ops(void)
{
	return loaded;
}
