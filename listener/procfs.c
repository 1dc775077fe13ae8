/* procfs.c - bounded readers of /proc for the startup snapshot and for
 * enrichment when the connector or audit names a task (docs
 * kernel-interfaces.md 3 and 4.1). The parsers take (pointer, length) and
 * never look past it; readers read into caller buffers and report
 * truncation. */
#include "procfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define PATH_BUF 4160 /* the root directory (<= 4096) and a task file */
#define STAT_BUF 1024 /* comm is <= 16 bytes; the rest is numbers */
#define CGROUP_BUF 8192
#define MOUNTINFO_BUF 16384

static int
proc_path(char *buf, size_t cap, const char *root, pid_t pid, pid_t tid,
          const char *what)
{
	int n;

	if (tid > 0)
		n = snprintf(buf, cap, "%s/%ld/task/%ld/%s", root, (long)pid,
		             (long)tid, what);
	else
		n = snprintf(buf, cap, "%s/%ld/%s", root, (long)pid, what);
	if (n < 0 || (size_t)n >= cap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* Reads up to cap bytes; *truncated when the file had more. */
static ssize_t
read_bounded(const char *path, char *buf, size_t cap, bool *truncated)
{
	size_t got = 0;
	ssize_t r;
	char extra;
	int fd, e;

	if (truncated != NULL)
		*truncated = false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (got < cap) {
		r = read(fd, buf + got, cap - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto bad;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	if (got == cap) {
		do
			r = read(fd, &extra, 1);
		while (r < 0 && errno == EINTR);
		if (r > 0 && truncated != NULL)
			*truncated = true;
	}
	close(fd);
	return (ssize_t)got;
bad:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

ssize_t
procfs_read_file(const char *path, char *buf, size_t cap, bool *truncated)
{
	ssize_t n;

	if (cap == 0) {
		errno = EINVAL;
		return -1;
	}
	n = read_bounded(path, buf, cap - 1, truncated);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* Next space-separated token of s[*i..n); false at the end. */
static bool
next_token(const char *s, size_t n, size_t *i, struct str *tok)
{
	size_t b;

	while (*i < n && s[*i] == ' ')
		(*i)++;
	if (*i >= n)
		return false;
	b = *i;
	while (*i < n && s[*i] != ' ' && s[*i] != '\n')
		(*i)++;
	tok->p = s + b;
	tok->n = *i - b;
	if (*i < n && s[*i] == '\n')
		*i = n; /* one line only */
	return tok->n > 0;
}

int
procfs_parse_stat(const char *buf, size_t n, struct procfs_stat *st)
{
	const char *open_p, *close_p;
	struct str tok;
	size_t i, clen, field;
	uint64_t v;
	int64_t sv;

	memset(st, 0, sizeof(*st));
	open_p = memchr(buf, '(', n);
	close_p = memrchr(buf, ')', n); /* comm may contain ')' */
	if (open_p == NULL || close_p == NULL || close_p < open_p)
		return -1;
	tok.p = buf;
	tok.n = (size_t)(open_p - buf);
	while (tok.n > 0 && tok.p[tok.n - 1] == ' ')
		tok.n--;
	if (util_parse_u64(tok, 10, 1, INT32_MAX, &v) < 0)
		return -1;
	st->pid = (int32_t)v;
	clen = (size_t)(close_p - open_p - 1);
	if (clen >= sizeof(st->comm)) {
		clen = sizeof(st->comm) - 1;
		st->comm_truncated = true;
	}
	memcpy(st->comm, open_p + 1, clen);
	st->comm[clen] = '\0';
	/* Fields after ')': 3 state, 4 ppid, ..., 22 starttime. */
	i = (size_t)(close_p - buf) + 1;
	for (field = 3; field <= 22; field++) {
		if (!next_token(buf, n, &i, &tok))
			return -1;
		if (field == 3) {
			if (tok.n != 1)
				return -1;
			st->state = tok.p[0];
		} else if (field == 4) {
			if (util_parse_i64(tok, 0, INT32_MAX, &sv) < 0)
				return -1;
			st->ppid = (int32_t)sv;
		} else if (field == 22) {
			if (util_parse_u64(tok, 10, 0, UINT64_MAX, &v) < 0)
				return -1;
			st->starttime = v;
		}
	}
	return 0;
}

/* Reads root/pid[/task/tid]/what into buf, NUL-terminated. */
static ssize_t
read_task_file(const char *root, pid_t pid, pid_t tid, const char *what,
               char *buf, size_t cap)
{
	char path[PATH_BUF];

	if (proc_path(path, sizeof(path), root, pid, tid, what) < 0)
		return -1;
	return procfs_read_file(path, buf, cap, NULL);
}

int
procfs_read_stat(const char *root, pid_t pid, pid_t tid, struct procfs_stat *st)
{
	char buf[STAT_BUF];
	ssize_t n = read_task_file(root, pid, tid, "stat", buf, sizeof(buf));

	if (n < 0)
		return -1;
	if (procfs_parse_stat(buf, (size_t)n, st) < 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* The line starting with key (e.g. "Tgid:"), value without leading
 * whitespace, up to the newline. */
static bool
find_line(const char *buf, size_t n, const char *key, struct str *val)
{
	size_t klen = strlen(key), i = 0, e;

	while (i < n) {
		const char *nl = memchr(buf + i, '\n', n - i);

		e = nl ? (size_t)(nl - buf) : n;
		if (e - i >= klen && memcmp(buf + i, key, klen) == 0) {
			i += klen;
			while (i < e && (buf[i] == ' ' || buf[i] == '\t'))
				i++;
			val->p = buf + i;
			val->n = e - i;
			return true;
		}
		i = e + 1;
	}
	return false;
}

int
procfs_parse_status(const char *buf, size_t n, struct procfs_status *st)
{
	struct str v, tok;
	int64_t x;
	size_t i, b;

	memset(st, 0, sizeof(*st));
	if (!find_line(buf, n, "Tgid:", &v) ||
	    util_parse_i64(v, 1, INT32_MAX, &x) < 0)
		return -1;
	st->tgid = (int32_t)x;
	if (!find_line(buf, n, "PPid:", &v) ||
	    util_parse_i64(v, 0, INT32_MAX, &x) < 0)
		return -1;
	st->ppid = (int32_t)x;
	if (!find_line(buf, n, "NSpid:", &v))
		return 0; /* kernels before 4.1 */
	for (i = 0; i < v.n && st->nnspid < PROCFS_NSPID_MAX;) {
		while (i < v.n && (v.p[i] == '\t' || v.p[i] == ' '))
			i++;
		b = i;
		while (i < v.n && v.p[i] != '\t' && v.p[i] != ' ')
			i++;
		if (i == b)
			break;
		tok.p = v.p + b;
		tok.n = i - b;
		if (util_parse_i64(tok, 1, INT32_MAX, &x) < 0)
			return -1;
		st->nspid[st->nnspid++] = (int32_t)x;
	}
	return 0;
}

static bool
is_hex64(const char *p, size_t n)
{
	size_t i;

	if (n < PROCFS_DOCKER_ID_LEN)
		return false;
	for (i = 0; i < PROCFS_DOCKER_ID_LEN; i++)
		if (!((p[i] >= '0' && p[i] <= '9') ||
		      (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	return true;
}

/* A docker id in one cgroup path: "/docker/<id>" ending at the end or a
 * '/', or "docker-<id>.scope". */
static bool
path_docker_id(const char *p, size_t n, char *id)
{
	static const char d1[] = "/docker/", d2[] = "docker-";
	size_t i, rest;

	for (i = 0; i < n; i++) {
		rest = n - i;
		if (rest >= sizeof(d1) - 1 + PROCFS_DOCKER_ID_LEN &&
		    memcmp(p + i, d1, sizeof(d1) - 1) == 0) {
			const char *h = p + i + sizeof(d1) - 1;
			size_t hn = rest - (sizeof(d1) - 1);

			if (is_hex64(h, hn) &&
			    (hn == PROCFS_DOCKER_ID_LEN ||
			     h[PROCFS_DOCKER_ID_LEN] == '/')) {
				memcpy(id, h, PROCFS_DOCKER_ID_LEN);
				return true;
			}
		}
		if (rest >= sizeof(d2) - 1 + PROCFS_DOCKER_ID_LEN + 6 &&
		    memcmp(p + i, d2, sizeof(d2) - 1) == 0) {
			const char *h = p + i + sizeof(d2) - 1;
			size_t hn = rest - (sizeof(d2) - 1);

			if (is_hex64(h, hn) && memcmp(h + PROCFS_DOCKER_ID_LEN,
			                              ".scope", 6) == 0) {
				memcpy(id, h, PROCFS_DOCKER_ID_LEN);
				return true;
			}
		}
	}
	return false;
}

int
procfs_parse_cgroup(const char *buf, size_t n,
                    char id[PROCFS_DOCKER_ID_LEN + 1])
{
	const char *line, *nl, *c1, *c2;
	size_t i = 0, len;

	id[0] = '\0';
	while (i < n) {
		line = buf + i;
		nl = memchr(line, '\n', n - i);
		len = nl ? (size_t)(nl - line) : n - i;
		i += len + 1;
		if (len == 0)
			continue;
		/* hierarchy-ID:controller-list:cgroup-path */
		c1 = memchr(line, ':', len);
		if (c1 == NULL)
			return -1;
		c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line));
		if (c2 == NULL)
			return -1;
		c2++;
		if (path_docker_id(c2, len - (size_t)(c2 - line), id)) {
			id[PROCFS_DOCKER_ID_LEN] = '\0';
			return 1;
		}
	}
	return 0;
}

int
procfs_read_cgroup(const char *root, pid_t pid,
                   char id[PROCFS_DOCKER_ID_LEN + 1])
{
	char buf[CGROUP_BUF];
	ssize_t n;

	id[0] = '\0';
	n = read_task_file(root, pid, 0, "cgroup", buf, sizeof(buf));
	if (n < 0)
		return -1;
	return procfs_parse_cgroup(buf, (size_t)n, id);
}

/* Field 5 (the mount point) of a mountinfo line is exactly "/". */
static bool
is_root_mount(const char *line, const char *end)
{
	const char *f = line;
	int field;

	for (field = 1; field < 5; field++) {
		f = memchr(f, ' ', (size_t)(end - f));
		if (f == NULL)
			return false;
		f++;
	}
	return f + 2 <= end && f[0] == '/' && f[1] == ' ';
}

ssize_t
procfs_parse_overlay_root(const char *buf, size_t n, char *out, size_t cap)
{
	static const char key[] = "upperdir=", diff[] = "/diff",
	                  merged[] = "/merged";
	const char *line, *end, *best = NULL, *bufend = buf + n;
	size_t bestlen = 0, base;

	for (line = buf; line < bufend; line = end + 1) {
		const char *up;

		end = memchr(line, '\n', (size_t)(bufend - line));
		if (end == NULL)
			end = bufend;
		if (!is_root_mount(line, end))
			continue;
		up = memmem(line, (size_t)(end - line), key, sizeof(key) - 1);
		if (up == NULL)
			continue;
		best = up + sizeof(key) - 1;
		bestlen = 0;
		while (best + bestlen < end && best[bestlen] != ',' &&
		       best[bestlen] != ' ')
			bestlen++;
	}
	if (best == NULL || bestlen < sizeof(diff) - 1 ||
	    memcmp(best + bestlen - (sizeof(diff) - 1), diff,
	           sizeof(diff) - 1) != 0)
		return -1;
	base = bestlen - (sizeof(diff) - 1);
	if (base + sizeof(merged) > cap)
		return -1;
	memcpy(out, best, base);
	memcpy(out + base, merged, sizeof(merged));
	return (ssize_t)(base + sizeof(merged) - 1);
}

ssize_t
procfs_read_overlay_root(const char *root, pid_t pid, char *out, size_t cap)
{
	char buf[MOUNTINFO_BUF];
	ssize_t n = read_task_file(root, pid, 0, "mountinfo", buf, sizeof(buf));

	if (n <= 0)
		return -1;
	return procfs_parse_overlay_root(buf, (size_t)n, out, cap);
}

size_t
procfs_split_cmdline(const char *buf, size_t n, struct str *argv, size_t max,
                     bool *more)
{
	size_t i = 0, argc = 0;
	const char *z;

	*more = false;
	while (i < n) {
		if (argc == max) {
			*more = true;
			break;
		}
		z = memchr(buf + i, '\0', n - i);
		argv[argc].p = buf + i;
		argv[argc].n = z ? (size_t)(z - (buf + i)) : n - i;
		i += argv[argc].n + 1;
		argc++;
	}
	return argc;
}

ssize_t
procfs_read_cmdline(const char *root, pid_t pid, char *buf, size_t cap,
                    bool *truncated)
{
	char path[PATH_BUF];

	if (proc_path(path, sizeof(path), root, pid, 0, "cmdline") < 0)
		return -1;
	return read_bounded(path, buf, cap, truncated);
}

size_t
procfs_strip_deleted(const char *buf, size_t n, bool *deleted)
{
	static const char suf[] = " (deleted)";
	size_t sl = sizeof(suf) - 1;

	*deleted = false;
	if (n >= sl && memcmp(buf + n - sl, suf, sl) == 0) {
		*deleted = true;
		return n - sl;
	}
	return n;
}

static const struct procfs_gate *gate;

void
procfs_set_gate(const struct procfs_gate *g)
{
	gate = g;
}

const struct procfs_gate *
procfs_gate_for(const char *root, int e)
{
	if (gate == NULL || (e != EACCES && e != EPERM) ||
	    strcmp(root, PROCFS_ROOT) != 0)
		return NULL;
	return gate;
}

ssize_t
procfs_readlink(const char *root, pid_t pid, const char *what, char *buf,
                size_t cap, bool *deleted)
{
	const struct procfs_gate *g;
	char path[PATH_BUF];
	ssize_t r;
	size_t n;

	*deleted = false;
	if (cap < 2) {
		errno = EINVAL;
		return -1;
	}
	if (proc_path(path, sizeof(path), root, pid, 0, what) < 0)
		return -1;
	r = readlink(path, buf, cap);
	if (r < 0 && (g = procfs_gate_for(root, errno)) != NULL)
		r = g->readlink(g->arg, pid, what, buf, cap);
	if (r < 0)
		return -1;
	if ((size_t)r >= cap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	n = procfs_strip_deleted(buf, (size_t)r, deleted);
	buf[n] = '\0';
	return (ssize_t)n;
}

ssize_t
procfs_fd_path(int fd, char *buf, size_t cap)
{
	char link[40];
	ssize_t r;
	size_t n;
	bool deleted;

	if (cap < 2)
		return -1;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	r = readlink(link, buf, cap);
	if (r <= 0 || (size_t)r >= cap || buf[0] != '/')
		return -1;
	n = procfs_strip_deleted(buf, (size_t)r, &deleted);
	if (deleted)
		return -1;
	buf[n] = '\0';
	return (ssize_t)n;
}

int
procfs_parse_boot_id(const char *buf, size_t n,
                     char out[PROCFS_BOOT_ID_LEN + 1])
{
	size_t i;
	char c;

	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
		n--;
	if (n != PROCFS_BOOT_ID_LEN)
		return -1;
	for (i = 0; i < n; i++) {
		c = buf[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return -1;
		} else if (!((c >= '0' && c <= '9') ||
		             (c >= 'a' && c <= 'f'))) {
			return -1;
		}
	}
	memcpy(out, buf, n);
	out[n] = '\0';
	return 0;
}

int
procfs_boot_id(char out[PROCFS_BOOT_ID_LEN + 1])
{
	char buf[64];
	ssize_t n;

	n = procfs_read_file("/proc/sys/kernel/random/boot_id", buf,
	                     sizeof(buf), NULL);
	if (n < 0) {
		log_warn("procfs: boot_id");
		return -1;
	}
	if (procfs_parse_boot_id(buf, (size_t)n, out) < 0) {
		log_warnx("procfs: boot_id is not a UUID");
		return -1;
	}
	return 0;
}

static int64_t
ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000LL + t->tv_nsec;
}

/* REALTIME minus clk: clk read around REALTIME, the tightest of 5. */
static int
offset_of(clockid_t clk, int64_t *out)
{
	struct timespec a, r, b;
	int64_t width, best = INT64_MAX;
	int i;

	for (i = 0; i < 5; i++) {
		if (clock_gettime(clk, &a) < 0 ||
		    clock_gettime(CLOCK_REALTIME, &r) < 0 ||
		    clock_gettime(clk, &b) < 0) {
			log_warn("procfs: clock_gettime");
			return -1;
		}
		width = ts_ns(&b) - ts_ns(&a);
		if (width < best) {
			best = width;
			*out = ts_ns(&r) - (ts_ns(&a) + width / 2);
		}
	}
	return 0;
}

int
procfs_clock_offsets(int64_t *real_minus_mono, int64_t *real_minus_boot)
{
	if (offset_of(CLOCK_MONOTONIC, real_minus_mono) < 0 ||
	    offset_of(CLOCK_BOOTTIME, real_minus_boot) < 0)
		return -1;
	return 0;
}

long
procfs_user_hz(void)
{
	long hz = sysconf(_SC_CLK_TCK);

	return hz > 0 ? hz : 100;
}

static bool
dec_name(const char *s, pid_t *out)
{
	struct str t = {s, strlen(s)};
	uint64_t v;

	if (util_parse_u64(t, 10, 1, INT32_MAX, &v) < 0)
		return false;
	*out = (pid_t)v;
	return true;
}

ssize_t
procfs_scan_tasks(const char *root, procfs_task_fn *fn, void *arg)
{
	char path[PATH_BUF];
	struct dirent *de, *te;
	DIR *pd, *td;
	pid_t pid, tid;
	ssize_t visited = 0;
	bool stop = false;

	pd = opendir(root);
	if (pd == NULL) {
		log_warn("procfs: opendir %s", root);
		return -1;
	}
	while (!stop && (de = readdir(pd)) != NULL) {
		if (!dec_name(de->d_name, &pid))
			continue;
		if (proc_path(path, sizeof(path), root, pid, 0, "task") < 0)
			continue;
		td = opendir(path);
		if (td == NULL)
			continue; /* exited meanwhile */
		while ((te = readdir(td)) != NULL) {
			if (!dec_name(te->d_name, &tid))
				continue;
			visited++;
			if (fn(pid, tid, arg) != 0) {
				stop = true;
				break;
			}
		}
		closedir(td);
	}
	closedir(pd);
	return visited;
}
