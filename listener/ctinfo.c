/* ctinfo.c - see ctinfo.h. */
#include "ctinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

#define CMDLINE_MAX (64 * 1024)
#define MOUNT_ID_MAX 128

bool
ctinfo_is_id(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[64] == '\0';
}

/* ---- opening beneath a directory, never through a symlink ---- */

/* A file only read: a failed close loses nothing. */
static void
close_quietly(int fd)
{
	if (close(fd) != 0)
		log_debug("ctinfo: close: %s", strerror(errno));
}

/* Kernels before 5.6 have no openat2: one component at a time, each
 * O_NOFOLLOW, the same refusal of symlinks and "..". */
static int
open_walk(int dirfd, const char *rel, int flags)
{
	char comp[256];
	const char *p = rel, *slash;
	int fd = dirfd, next;

	while ((slash = strchr(p, '/')) != NULL) {
		size_t n = (size_t)(slash - p);

		next = -1;
		errno = EXDEV;
		if (n > 0 && n < sizeof(comp) &&
		    !(n == 2 && p[0] == '.' && p[1] == '.')) {
			memcpy(comp, p, n);
			comp[n] = '\0';
			next = openat(fd, comp,
			              O_PATH | O_DIRECTORY | O_NOFOLLOW |
			                  O_CLOEXEC);
		}
		if (fd != dirfd)
			close_quietly(fd);
		if (next < 0)
			return errno == ENOTDIR ? -ELOOP : -errno;
		fd = next;
		p = slash + 1;
	}
	next = -1;
	errno = EXDEV;
	if (strcmp(p, "..") != 0)
		next = openat(fd, p, flags | O_NOFOLLOW | O_CLOEXEC);
	if (fd != dirfd)
		close_quietly(fd);
	return next < 0 ? -errno : next;
}

int
ctinfo_open_beneath(int dirfd, const char *rel, int flags)
{
	struct open_how how;
	long fd;

	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC);
	how.resolve =
	    RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
	if (fd >= 0)
		return (int)fd;
	if (errno == ENOSYS)
		return open_walk(dirfd, rel, flags);
	return -errno;
}

/* Up to cap bytes of fd (then closed) into a malloc'd NUL-terminated
 * buffer, *len of them; NULL when out of memory (logged). A read error
 * ends the data where it happened. */
static char *
read_fd(int fd, size_t cap, size_t *len)
{
	char *data = malloc(cap + 1);
	size_t n = 0;
	ssize_t r;

	if (data == NULL)
		log_warn("ctinfo: malloc");
	while (data != NULL && n < cap &&
	       (r = read(fd, data + n, cap - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		n += (size_t)r;
	}
	close_quietly(fd);
	if (data != NULL)
		data[n] = '\0';
	*len = n;
	return data;
}

enum ctinfo_rc
ctinfo_read_file(int dirfd, const char *rel, size_t max, char **out,
                 size_t *len, const char **why)
{
	/* O_NONBLOCK: a FIFO in place of the file must not hold the loop */
	int fd = ctinfo_open_beneath(dirfd, rel, O_RDONLY | O_NONBLOCK);
	struct stat st;
	size_t n;
	char *data;

	if (fd == -ENOENT)
		return CTINFO_MISSING;
	if (fd < 0) {
		*why = fd == -ELOOP || fd == -EXDEV ? "a symlink"
		                                    : "cannot be opened";
		return CTINFO_REFUSED;
	}
	memset(&st, 0, sizeof(st));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > max) {
		*why = S_ISREG(st.st_mode) ? "too big" : "not a regular file";
		close_quietly(fd);
		return CTINFO_REFUSED;
	}
	/* one more byte than allowed: a file that grew since fstat */
	data = read_fd(fd, max + 1, &n);
	if (data == NULL || n > max || (n == 0 && st.st_size != 0)) {
		*why = data == NULL ? "out of memory"
		       : n > max    ? "too big"
		                    : "unreadable";
		free(data);
		return CTINFO_REFUSED;
	}
	*out = data;
	*len = n;
	return CTINFO_OK;
}

uint64_t
ctinfo_signature(int rootfd, const char *id)
{
	static const char *const files[] = {"config.v2.json",
	                                    "hostconfig.json"};
	uint64_t h = 1469598103934665603ull; /* FNV-1a over the stat fields */
	bool gone = false, link = false;
	char rel[80];
	size_t i, j;
	int dir;

	/* the directory strictly (no symlink), then each file's own lstat:
	 * four system calls, nothing followed */
	snprintf(rel, sizeof(rel), "containers/%s", id);
	dir = ctinfo_open_beneath(rootfd, rel, O_PATH | O_DIRECTORY);
	if (dir < 0)
		return dir == -ENOENT ? 0 : 1; /* refused: stays 1 */
	for (i = 0; i < 2; i++) {
		struct stat st;
		uint64_t v[5];

		if (fstatat(dir, files[i], &st, AT_SYMLINK_NOFOLLOW) != 0) {
			gone = gone || (i == 0 && errno == ENOENT);
			memset(&st, 0, sizeof(st));
		}
		link = link || (i == 0 && S_ISLNK(st.st_mode));
		v[0] = st.st_dev;
		v[1] = st.st_ino;
		v[2] = (uint64_t)st.st_size;
		v[3] = (uint64_t)st.st_mtim.tv_sec;
		v[4] = (uint64_t)st.st_mtim.tv_nsec;
		for (j = 0; j < 5; j++)
			h = (h ^ v[j]) * 1099511628211ull;
	}
	close_quietly(dir);
	if (gone || link)
		return gone ? 0 : 1;
	return h < 2 ? h + 2 : h; /* 0 and 1 mean gone and refused */
}

/* ---- parsing ---- */

/* s[0..n) cut to CTINFO_STR_MAX (flagged). */
static struct str
keep(struct ctinfo *ci, const char *s, uint32_t n)
{
	if (n > CTINFO_STR_MAX) {
		ci->truncated = true;
		n = CTINFO_STR_MAX;
	}
	return (struct str){s, n};
}

/* The string at dotted in doc, absent when missing or not a string. */
static struct str
get_str(struct ctinfo *ci, const bson_t *doc, const char *dotted)
{
	bson_iter_t it, d;
	const char *s;
	uint32_t n;

	if (!bson_iter_init(&it, doc) ||
	    !bson_iter_find_descendant(&it, dotted, &d) ||
	    !BSON_ITER_HOLDS_UTF8(&d))
		return (struct str){NULL, 0};
	s = bson_iter_utf8(&d, &n);
	return keep(ci, s, n);
}

static bool
get_bool(const bson_t *doc, const char *dotted)
{
	bson_iter_t it, d;

	return bson_iter_init(&it, doc) &&
	       bson_iter_find_descendant(&it, dotted, &d) &&
	       BSON_ITER_HOLDS_BOOL(&d) && bson_iter_bool(&d);
}

/* A sub-document or array at dotted, recursed into: false when absent. */
static bool
get_sub(const bson_t *doc, const char *dotted, bson_iter_t *child)
{
	bson_iter_t it, d;

	return bson_iter_init(&it, doc) &&
	       bson_iter_find_descendant(&it, dotted, &d) &&
	       (BSON_ITER_HOLDS_DOCUMENT(&d) || BSON_ITER_HOLDS_ARRAY(&d)) &&
	       bson_iter_recurse(&d, child);
}

static bool
key_is(const char *k, uint32_t kn, const char *lit)
{
	return strlen(lit) == kn && memcmp(k, lit, kn) == 0;
}

/* Config.Labels: kept up to CTINFO_LABELS_MAX; the compose and Kubernetes
 * ones picked out of all of them. */
static void
parse_labels(struct ctinfo *ci)
{
	bson_iter_t it;

	if (!get_sub(&ci->cfg, "Config.Labels", &it))
		return;
	while (bson_iter_next(&it)) {
		const char *k = bson_iter_key(&it), *v;
		uint32_t kn = bson_iter_key_len(&it), vn;
		struct str sv;

		if (!BSON_ITER_HOLDS_UTF8(&it))
			continue;
		v = bson_iter_utf8(&it, &vn);
		sv = keep(ci, v, vn);
		if (key_is(k, kn, "com.docker.compose.project"))
			ci->compose_project = sv;
		else if (key_is(k, kn, "com.docker.compose.service"))
			ci->compose_service = sv;
		else if (key_is(k, kn, "io.kubernetes.pod.name"))
			ci->k8s_pod = sv;
		else if (key_is(k, kn, "io.kubernetes.pod.namespace"))
			ci->k8s_namespace = sv;
		else if (key_is(k, kn, "io.kubernetes.container.name"))
			ci->k8s_container = sv;
		if (ci->nlabels == CTINFO_LABELS_MAX) {
			ci->truncated = true;
			continue;
		}
		ci->labels[ci->nlabels].key = keep(ci, k, kn);
		ci->labels[ci->nlabels++].value = sv;
	}
}

/* MountPoints: {"<destination>": {Type, Source, Destination, RW}} */
static void
parse_mounts(struct ctinfo *ci)
{
	bson_iter_t it;

	if (!get_sub(&ci->cfg, "MountPoints", &it))
		return;
	while (bson_iter_next(&it)) {
		struct ctinfo_mount *m;
		bson_t sub;
		const uint8_t *data;
		uint32_t len;

		if (!BSON_ITER_HOLDS_DOCUMENT(&it))
			continue;
		if (ci->nmounts == CTINFO_MOUNTS_MAX) {
			ci->truncated = true;
			break;
		}
		bson_iter_document(&it, &len, &data);
		if (!bson_init_static(&sub, data, len))
			continue;
		m = &ci->mounts[ci->nmounts++];
		m->type = get_str(ci, &sub, "Type");
		m->source = get_str(ci, &sub, "Source");
		m->destination = get_str(ci, &sub, "Destination");
		m->rw = get_bool(&sub, "RW");
	}
}

static void
parse_hostconfig(struct ctinfo *ci)
{
	bson_iter_t it;

	ci->privileged = get_bool(&ci->hc, "Privileged");
	ci->network_mode = get_str(ci, &ci->hc, "NetworkMode");
	if (!get_sub(&ci->hc, "CapAdd", &it))
		return;
	while (bson_iter_next(&it)) {
		const char *s;
		uint32_t n;

		if (!BSON_ITER_HOLDS_UTF8(&it))
			continue;
		if (ci->ncaps == CTINFO_CAPS_MAX) {
			ci->truncated = true;
			break;
		}
		s = bson_iter_utf8(&it, &n);
		ci->cap_add[ci->ncaps++] = keep(ci, s, n);
	}
}

/* Docker writes Go's zero time for a container not started yet: not a
 * time (a short --rm container is often gone before it is rewritten). */
static struct str
not_zero_time(struct str s)
{
	static const char zero[] = "0001-01-01T00:00:00Z";

	if (s.p != NULL && s.n == sizeof(zero) - 1 &&
	    memcmp(s.p, zero, s.n) == 0)
		s.p = NULL, s.n = 0;
	return s;
}

int
ctinfo_parse(struct ctinfo *ci, const char *cfg, size_t cn, const char *hc,
             size_t hn)
{
	bson_error_t err;
	bson_iter_t it, d;
	size_t i = 0;

	/* libbson also takes a top-level array: an object only */
	while (i < cn && (cfg[i] == ' ' || cfg[i] == '\t' || cfg[i] == '\n' ||
	                  cfg[i] == '\r'))
		i++;
	if (i == cn || cfg[i] != '{') {
		log_debug("ctinfo: config.v2.json of %.12s: not an object",
		          ci->id);
		return -1;
	}
	if (!bson_init_from_json(&ci->cfg, cfg, (ssize_t)cn, &err)) {
		log_debug("ctinfo: config.v2.json of %.12s: %s", ci->id,
		          err.message);
		return -1;
	}
	ci->has_cfg = true;
	bson_init(&ci->hc);
	if (hc != NULL && !bson_init_from_json(&ci->hc, hc, (ssize_t)hn, &err))
		log_debug("ctinfo: hostconfig.json of %.12s: %s", ci->id,
		          err.message);
	else if (hc != NULL)
		ci->has_hostconfig = true;
	ci->name = get_str(ci, &ci->cfg, "Name");
	ci->image = get_str(ci, &ci->cfg, "Config.Image");
	ci->image_id = get_str(ci, &ci->cfg, "Image");
	ci->created = get_str(ci, &ci->cfg, "Created");
	ci->started = not_zero_time(get_str(ci, &ci->cfg, "State.StartedAt"));
	ci->running = get_bool(&ci->cfg, "State.Running");
	if (bson_iter_init(&it, &ci->cfg) &&
	    bson_iter_find_descendant(&it, "State.Pid", &d) &&
	    BSON_ITER_HOLDS_NUMBER(&d))
		ci->init_pid = bson_iter_as_int64(&d);
	parse_labels(ci);
	parse_mounts(ci);
	if (ci->has_hostconfig)
		parse_hostconfig(ci);
	return 0;
}

void
ctinfo_free(struct ctinfo *ci)
{
	if (!ci->has_cfg)
		return;
	bson_destroy(&ci->cfg);
	bson_destroy(&ci->hc);
	ci->has_cfg = false;
}

/* ---- reading a container's files ---- */

static bool
is_word(struct str s, size_t max)
{
	size_t i;

	if (s.p == NULL || s.n == 0 || s.n > max)
		return false;
	for (i = 0; i < s.n; i++)
		if (!((s.p[i] >= '0' && s.p[i] <= '9') ||
		      (s.p[i] >= 'a' && s.p[i] <= 'z')))
			return false;
	return true;
}

/* <root>/<driver>/<mount-id>/merged, the overlay the container runs on;
 * left "" when any piece is missing or odd. */
static void
find_rootfs(int rootfd, const char *root_path, struct ctinfo *ci)
{
	struct str drv = get_str(ci, &ci->cfg, "Driver");
	char rel[256], *mid = NULL;
	const char *why;
	size_t n;

	if (!is_word(drv, 32))
		return;
	snprintf(rel, sizeof(rel), "image/%.*s/layerdb/mounts/%s/mount-id",
	         (int)drv.n, drv.p, ci->id);
	if (ctinfo_read_file(rootfd, rel, MOUNT_ID_MAX, &mid, &n, &why) !=
	    CTINFO_OK)
		return;
	if (is_word((struct str){mid, n}, MOUNT_ID_MAX))
		snprintf(ci->rootfs, sizeof(ci->rootfs), "%s/%.*s/%s/merged",
		         root_path, (int)drv.n, drv.p, mid);
	free(mid);
}

enum ctinfo_rc
ctinfo_read(int rootfd, const char *root_path, const char *id,
            struct ctinfo *ci, const char **why)
{
	char rel[128], *cfg = NULL, *hc = NULL;
	size_t cn = 0, hn = 0;
	enum ctinfo_rc rc, hrc;

	memset(ci, 0, sizeof(*ci));
	if (!ctinfo_is_id(id)) {
		*why = "not a container id";
		return CTINFO_REFUSED;
	}
	memcpy(ci->id, id, 65);
	snprintf(rel, sizeof(rel), "containers/%s/config.v2.json", id);
	rc = ctinfo_read_file(rootfd, rel, CTINFO_FILE_MAX, &cfg, &cn, why);
	if (rc != CTINFO_OK)
		return rc;
	snprintf(rel, sizeof(rel), "containers/%s/hostconfig.json", id);
	hrc = ctinfo_read_file(rootfd, rel, CTINFO_FILE_MAX, &hc, &hn, why);
	if (hrc == CTINFO_REFUSED) {
		free(cfg);
		return CTINFO_REFUSED;
	}
	if (ctinfo_parse(ci, cfg, cn, hc, hn) != 0) {
		*why = "not JSON";
		rc = CTINFO_REFUSED;
	} else {
		find_rootfs(rootfd, root_path, ci);
	}
	free(cfg);
	free(hc);
	return rc;
}

/* ---- the data root ---- */

/* path's contents (at most max bytes, regular file) malloc'd, or NULL. */
static char *
slurp(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	return fd < 0 ? NULL : read_fd(fd, max, len);
}

static void
set_root(char *out, size_t cap, const char *p, size_t n)
{
	if (n == 0 || p[0] != '/' || n >= cap) /* relative or huge: default */
		return;
	memcpy(out, p, n);
	out[n] = '\0';
}

void
ctinfo_default_root(const char *daemon_json, char *out, size_t cap)
{
	size_t len = 0;
	char *data = slurp(daemon_json ? daemon_json : CTINFO_DAEMON_JSON,
	                   CTINFO_FILE_MAX, &len);
	bson_error_t err;
	bson_t doc;
	bson_iter_t it;
	const char *s;
	uint32_t n;

	util_strlcpy(out, CTINFO_DEFAULT_ROOT, cap);
	if (data == NULL)
		return;
	if (len > 0 && bson_init_from_json(&doc, data, (ssize_t)len, &err)) {
		if ((bson_iter_init_find(&it, &doc, "data-root") ||
		     bson_iter_init_find(&it, &doc, "graph")) &&
		    BSON_ITER_HOLDS_UTF8(&it)) {
			s = bson_iter_utf8(&it, &n);
			set_root(out, cap, s, n);
		}
		bson_destroy(&doc);
	}
	free(data);
}

/* arg is "--flag=value" or "--flag" followed by value: the value. */
static const char *
flag_value(const char *arg, const char *next, const char *flag)
{
	size_t n = strlen(flag);

	if (strncmp(arg, flag, n) != 0)
		return NULL;
	if (arg[n] == '=')
		return arg + n + 1;
	return arg[n] == '\0' ? next : NULL;
}

int
ctinfo_data_root(const char *proc_root, int32_t pid, const char *daemon_json,
                 char *out, size_t cap)
{
	static const char *const root_flags[] = {"--data-root", "--graph",
	                                         "-g"};
	char path[256];
	const char *a, *end, *root = NULL, *conf = daemon_json, *base;
	size_t len = 0, i;
	char *cmd;

	snprintf(path, sizeof(path), "%s/%d/cmdline", proc_root, (int)pid);
	cmd = slurp(path, CMDLINE_MAX, &len);
	if (cmd == NULL)
		return -1;
	base = strrchr(cmd, '/');
	if (len == 0 || strcmp(base ? base + 1 : cmd, "dockerd") != 0) {
		free(cmd);
		return -1;
	}
	end = cmd + len;
	for (a = cmd; a < end; a += strlen(a) + 1) {
		const char *next = a + strlen(a) + 1, *v;

		if (next >= end)
			next = NULL;
		for (i = 0; i < 3; i++)
			if ((v = flag_value(a, next, root_flags[i])) != NULL)
				root = v;
		if ((v = flag_value(a, next, "--config-file")) != NULL)
			conf = v;
	}
	ctinfo_default_root(conf, out, cap);
	if (root != NULL)
		set_root(out, cap, root, strlen(root));
	free(cmd);
	return 0;
}
