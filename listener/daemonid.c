/* daemonid.c - see daemonid.h. */
#include "daemonid.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "path.h"
#include "procfs.h"
#include "schema.h"
#include "util.h"

#define SO_ACCEPTCON_FLAG 0x10000u /* __SO_ACCEPTCON: a listener */
#define NS_LINK_MAX 64
#define CHUNK 16384

enum daemonid_kind
daemonid_name(const char *p, size_t n)
{
	size_t i = path_base(p, n);
	struct str b = {p + i, n - i};

	if (str_eq(b, "dockerd"))
		return DAEMONID_DOCKERD;
	if (str_eq(b, "containerd"))
		return DAEMONID_CONTAINERD;
	return DAEMONID_NONE;
}

static bool
ends_with(const char *p, size_t n, const char *suffix)
{
	size_t m = strlen(suffix);

	return n >= m && memcmp(p + n - m, suffix, m) == 0;
}

bool
daemonid_api_path(enum daemonid_kind kind, const char *path, size_t n)
{
	if (n == 0 || path[0] != '/')
		return false; /* abstract or unnamed */
	if (kind == DAEMONID_DOCKERD)
		return ends_with(path, n, "/docker.sock");
	if (kind == DAEMONID_CONTAINERD)
		return ends_with(path, n, "/containerd.sock");
	return false;
}

/* The next space-separated token of line[*i..n). */
static struct str
token(const char *line, size_t n, size_t *i)
{
	size_t s;

	while (*i < n && line[*i] == ' ')
		(*i)++;
	s = *i;
	while (*i < n && line[*i] != ' ')
		(*i)++;
	return (struct str){line + s, *i - s};
}

static bool
parse_num(struct str t, int base, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (t.n == 0 || t.n > 16)
		return false;
	for (i = 0; i < t.n; i++) {
		char c = t.p[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return false;
		v = v * (uint64_t)base + d;
	}
	*out = v;
	return true;
}

uint64_t
daemonid_parse_unix_line(const char *line, size_t n, enum daemonid_kind kind)
{
	struct str t[7];
	size_t i = 0, k;
	uint64_t flags, ino;

	for (k = 0; k < 7; k++)
		t[k] = token(line, n, &i);
	if (t[0].n < 2 || t[0].p[t[0].n - 1] != ':' ||
	    !parse_num(t[3], 16, &flags) || !parse_num(t[6], 10, &ino) ||
	    (flags & SO_ACCEPTCON_FLAG) == 0 || ino == 0)
		return 0;
	while (i < n && line[i] == ' ')
		i++;
	return daemonid_api_path(kind, line + i, n - i) ? ino : 0;
}

static ssize_t
read_link(const char *proc_root, pid_t pid, const char *what, char *buf,
          size_t cap)
{
	bool del;

	return procfs_readlink(proc_root, pid, what, buf, cap, &del);
}

pid_t
daemonid_host_pid(const char *proc_root)
{
	char p[PATH_MAX_BYTES];
	pid_t self = getpid();

	snprintf(p, sizeof(p), "%s/%d", proc_root, (int)self);
	return access(p, F_OK) == 0 ? self : 1;
}

bool
daemonid_same_ns(const char *proc_root, pid_t a, const char *what_a, pid_t b,
                 const char *what_b)
{
	char la[NS_LINK_MAX], lb[NS_LINK_MAX];
	ssize_t na = read_link(proc_root, a, what_a, la, sizeof(la));
	ssize_t nb = read_link(proc_root, b, what_b, lb, sizeof(lb));

	return na > 0 && na == nb && memcmp(la, lb, (size_t)na) == 0;
}

bool
daemonid_host_root(const char *proc_root, pid_t pid)
{
	char p[PATH_MAX_BYTES];
	char id[PROCFS_DOCKER_ID_LEN + 1];
	struct stat st_pid, st_host;
	pid_t host = daemonid_host_pid(proc_root);

	snprintf(p, sizeof(p), "%s/%d", proc_root, (int)pid);
	if (stat(p, &st_pid) != 0)
		return false;
	snprintf(p, sizeof(p), "%s/%d", proc_root, (int)host);
	if (stat(p, &st_host) != 0 || st_pid.st_uid != st_host.st_uid ||
	    !daemonid_same_ns(proc_root, pid, "ns/mnt", host, "ns/mnt"))
		return false;
	return procfs_read_cgroup(proc_root, pid, id) == 0;
}

struct socks {
	uint64_t ino[DAEMONID_SOCKS_MAX];
	unsigned int n;
};

/* Lines of one chunk; a line cut at the chunk's end is carried. */
static void
scan_lines(const char *buf, size_t n, enum daemonid_kind kind, struct socks *s)
{
	size_t i = 0;

	while (i < n && s->n < DAEMONID_SOCKS_MAX) {
		const char *nl = memchr(buf + i, '\n', n - i);
		size_t len = nl != NULL ? (size_t)(nl - (buf + i)) : n - i;
		uint64_t ino = daemonid_parse_unix_line(buf + i, len, kind);

		if (ino != 0)
			s->ino[s->n++] = ino;
		i += len + 1;
	}
}

/* The listening API sockets in pid's network namespace, read in chunks
 * (a host may have thousands of unix sockets). */
static void
api_sockets(const char *proc_root, pid_t pid, enum daemonid_kind kind,
            struct socks *s)
{
	char p[PATH_MAX_BYTES], buf[CHUNK + DAEMONID_LINE_MAX];
	size_t have = 0;
	bool skip = false;
	int fd;

	snprintf(p, sizeof(p), "%s/%d/net/unix", proc_root, (int)pid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	for (;;) {
		ssize_t r = read(fd, buf + have, sizeof(buf) - have);
		const char *nl;
		size_t full;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (!skip)
				scan_lines(buf, have, kind, s);
			break;
		}
		have += (size_t)r;
		if (skip) { /* the rest of an overlong line */
			nl = memchr(buf, '\n', have);
			full = nl != NULL ? (size_t)(nl - buf) + 1 : have;
			memmove(buf, buf + full, have - full);
			have -= full;
			skip = nl == NULL;
		}
		nl = memrchr(buf, '\n', have);
		if (nl == NULL) {
			if (have == sizeof(buf)) { /* overlong: skipped */
				have = 0;
				skip = true;
			}
			continue;
		}
		full = (size_t)(nl - buf) + 1;
		scan_lines(buf, full, kind, s);
		memmove(buf, buf + full, have - full);
		have -= full;
	}
	(void)close(fd);
}

/* "socket:[N]" -> N */
static uint64_t
socket_inode(const char *l, size_t n)
{
	uint64_t v;

	if (n < 10 || memcmp(l, "socket:[", 8) != 0 || l[n - 1] != ']' ||
	    !parse_num((struct str){l + 8, n - 9}, 10, &v))
		return 0;
	return v;
}

static bool
holds(const struct socks *s, uint64_t ino)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (s->ino[i] == ino)
			return true;
	return false;
}

bool
daemonid_serves(const char *proc_root, pid_t pid, enum daemonid_kind kind)
{
	char p[PATH_MAX_BYTES], l[64];
	struct socks s = {{0}, 0};
	struct dirent *de;
	unsigned int seen = 0;
	bool found = false;
	DIR *d;

	api_sockets(proc_root, pid, kind, &s);
	if (s.n == 0)
		return false;
	snprintf(p, sizeof(p), "%s/%d/fd", proc_root, (int)pid);
	d = opendir(p);
	if (d == NULL)
		return false;
	while (!found && seen++ < DAEMONID_FDS_MAX &&
	       (de = readdir(d)) != NULL) {
		char what[300];
		ssize_t n;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(what, sizeof(what), "fd/%s", de->d_name);
		n = read_link(proc_root, pid, what, l, sizeof(l));
		found = n > 0 && holds(&s, socket_inode(l, (size_t)n));
	}
	(void)closedir(d);
	return found;
}
