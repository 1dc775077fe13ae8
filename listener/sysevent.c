/* sysevent.c - see sysevent.h. Turns the records of one reassembled event
 * (reasm.h) into struct sysevent: SYSCALL numbers and arguments, CWD, named
 * PATH items, argv from EXECVE (chunked long arguments joined) or from
 * PROCTITLE, open flags and dirfds per syscall. Field formats are those of
 * kernel-interfaces.md 1.5-1.7. Every value comes from untrusted tasks:
 * numbers are parsed strictly, strings decoded into a fixed scratch area
 * with caps, and an unparsable field is skipped, never fatal. */
#include "sysevent.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "argvdec.h"
#include "log.h"
#include "reasm.h"
#include "record.h"
#include "schema.h"
#include "syscalls.h"

#define T_SYSCALL 1300
#define T_PATH 1302
#define T_CWD 1307
#define T_EXECVE 1309
#define T_MMAP 1323
#define T_PROCTITLE 1327
#define T_OPENAT2 1337

#define AT_REMOVEDIR_FLAG 0x200
/* comm, exe, key, cwd, and the kept PATH names */
#define STR_BYTES ((SYSEV_MAX_PATHS + 4) * PATH_MAX_BYTES)

struct sysevent_dec {
	struct argvdec *av;
	char strs[STR_BYTES];
	size_t strs_used;
};

struct sysevent_dec *
sysevent_dec_new(void)
{
	struct sysevent_dec *d = calloc(1, sizeof(*d));

	if (d == NULL) {
		log_warn("sysevent: decoder scratch space");
		return NULL;
	}
	d->av = argvdec_new();
	if (d->av == NULL) {
		free(d);
		return NULL;
	}
	return d;
}

void
sysevent_dec_free(struct sysevent_dec *d)
{
	if (d == NULL)
		return;
	argvdec_free(d->av);
	free(d);
}

static int
parse_octal(struct str s, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (s.n == 0 || s.n > 22)
		return -1;
	for (i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '7')
			return -1;
		v = v * 8 + (uint64_t)(s.p[i] - '0');
	}
	*out = v;
	return 0;
}

/* A string into the strings area, at most max bytes. false: no value
 * (*out is then empty, which is what callers that ignore it want). */
static bool
dec_str(struct sysevent_dec *d, struct str v, size_t max, struct str *out,
        bool *trunc)
{
	size_t room = sizeof(d->strs) - d->strs_used;
	ssize_t n;
	bool cut = false;

	if (max > room)
		max = room;
	n = record_value_copy(v, d->strs + d->strs_used, max, &cut);
	if (cut && trunc != NULL)
		*trunc = true;
	out->p = d->strs + d->strs_used;
	out->n = 0;
	if (n < 0)
		return false;
	out->n = (size_t)n;
	d->strs_used += (size_t)n;
	return true;
}

static bool
parse_hex_u64(struct str s, uint64_t *out)
{
	return record_u64(s, 16, out) == 0;
}

static bool
parse_dec_i32(struct str s, int32_t *out)
{
	int64_t v;

	if (util_parse_i64(s, INT32_MIN, INT32_MAX, &v) != 0)
		return false;
	*out = (int32_t)v;
	return true;
}

static void
do_syscall(struct sysevent_dec *d, const struct record *rec, struct sysevent *e)
{
	struct record_iter it;
	struct str k, v;
	uint64_t u;
	int64_t i;

	record_iter_init(&it, rec);
	while (record_iter_next(&it, &k, &v)) {
		switch (k.p[0]) {
		case 'a':
			if (k.n == 2 && k.p[1] >= '0' && k.p[1] <= '3') {
				if (parse_hex_u64(v, &u))
					e->a[k.p[1] - '0'] = u;
			} else if (STR_IS(k, "arch")) {
				if (parse_hex_u64(v, &u) && u <= UINT32_MAX)
					e->arch = (uint32_t)u;
			}
			break;
		case 's':
			if (STR_IS(k, "syscall")) {
				if (util_parse_i64(v, 0, INT32_MAX, &i) == 0)
					e->syscall = (int)i;
			} else if (STR_IS(k, "success")) {
				e->success = STR_IS(v, "yes");
			}
			break;
		case 'e':
			if (STR_IS(k, "exit")) {
				if (util_parse_i64(v, INT64_MIN, INT64_MAX,
				                   &i) == 0) {
					e->exit = i;
					e->has_exit = true;
				}
			} else if (STR_IS(k, "exe")) {
				(void)dec_str(d, v, PATH_MAX_BYTES, &e->exe,
				              NULL);
			}
			break;
		case 'p':
			if (STR_IS(k, "pid"))
				parse_dec_i32(v, &e->pid);
			else if (STR_IS(k, "ppid"))
				parse_dec_i32(v, &e->ppid);
			break;
		case 'c':
			if (STR_IS(k, "comm"))
				(void)dec_str(d, v, 64, &e->comm, NULL);
			break;
		case 'k':
			if (STR_IS(k, "key"))
				(void)dec_str(d, v, 1024, &e->key, NULL);
			break;
		default:
			break;
		}
	}
}

/* "MAJ:MIN" in hex (dev=, rdev=); left alone when unparsable. */
static void
parse_devno(struct str v, uint32_t *major, uint32_t *minor)
{
	const char *colon = memchr(v.p, ':', v.n);
	struct str ma, mi;
	uint64_t a, b;

	if (colon == NULL)
		return;
	ma = (struct str){v.p, (size_t)(colon - v.p)};
	mi = (struct str){colon + 1, v.n - ma.n - 1};
	if (record_u64(ma, 16, &a) == 0 && record_u64(mi, 16, &b) == 0 &&
	    a <= UINT32_MAX && b <= UINT32_MAX) {
		*major = (uint32_t)a;
		*minor = (uint32_t)b;
	}
}

static enum sysev_nametype
nametype_of(struct str v)
{
	if (STR_IS(v, "NORMAL"))
		return NT_NORMAL;
	if (STR_IS(v, "PARENT"))
		return NT_PARENT;
	if (STR_IS(v, "CREATE"))
		return NT_CREATE;
	if (STR_IS(v, "DELETE"))
		return NT_DELETE;
	return NT_UNKNOWN;
}

static void
do_path(struct sysevent_dec *d, const struct record *rec, struct sysevent *e)
{
	struct record_iter it;
	struct str k, v, name = {NULL, 0};
	struct sysev_path p;
	uint64_t u;

	memset(&p, 0, sizeof(p));
	p.nametype = NT_UNKNOWN;
	record_iter_init(&it, rec);
	while (record_iter_next(&it, &k, &v)) {
		if (STR_IS(k, "name")) {
			name = v;
		} else if (STR_IS(k, "inode")) {
			if (record_u64(v, 10, &u) == 0)
				p.inode = u;
		} else if (STR_IS(k, "dev")) {
			parse_devno(v, &p.dev_major, &p.dev_minor);
		} else if (STR_IS(k, "rdev")) {
			parse_devno(v, &p.rdev_major, &p.rdev_minor);
		} else if (STR_IS(k, "mode")) {
			if (parse_octal(v, &u) == 0 && u <= UINT32_MAX)
				p.mode = (uint32_t)u;
		} else if (STR_IS(k, "nametype")) {
			p.nametype = nametype_of(v);
		}
	}
	/* Items without a name are overlayfs' internal lookups (4.5). */
	if (name.p == NULL || STR_IS(name, "(null)") || STR_IS(name, "(none)"))
		return;
	if (e->npath >= SYSEV_MAX_PATHS) {
		e->paths_truncated = true;
		return;
	}
	p.has_name =
	    dec_str(d, name, PATH_MAX_BYTES, &p.name, &e->paths_truncated);
	if (!p.has_name)
		return;
	e->path[e->npath++] = p;
}

/* MMAP: "fd=3 flags=0x1", logged for file-backed mappings only. */
static void
do_mmap(const struct record *rec, struct sysevent *e)
{
	struct str v;
	int64_t fd;
	uint64_t u;

	if (e->has_mmap || !record_find(rec, "fd", &v) ||
	    util_parse_i64(v, INT32_MIN, INT32_MAX, &fd) != 0)
		return;
	if (!record_find(rec, "flags", &v) || v.n < 3 || v.p[0] != '0' ||
	    v.p[1] != 'x' ||
	    record_u64((struct str){v.p + 2, v.n - 2}, 16, &u) != 0)
		return;
	e->has_mmap = true;
	e->mmap_fd = (int)fd;
	e->mmap_flags = u;
}

static int
low32(uint64_t a)
{
	return (int)(int32_t)(uint32_t)a;
}

/* A uid/gid argument: -1 (or 0xffff for i386's 16-bit calls) leaves the
 * id unchanged. */
static int64_t
id_arg(uint64_t a, bool bits16)
{
	uint32_t v = (uint32_t)a;

	if (bits16)
		v &= 0xffffu;
	if (v == (bits16 ? 0xffffu : UINT32_MAX))
		return SYSEV_ID_UNCHANGED;
	return (int64_t)v;
}

static void
set_mode(struct sysevent *e, uint64_t a)
{
	e->has_mode = true;
	e->mode = (uint32_t)a & 0177777u; /* S_IFMT and permission bits */
}

static void
set_ids(struct sysevent *e, uint64_t uid, uint64_t gid, bool bits16)
{
	e->uid = id_arg(uid, bits16);
	e->gid = id_arg(gid, bits16);
}

/* Two CREATE items: the kernel swapped two names (RENAME_EXCHANGE), each
 * deleted and created; a rename over an existing name creates one. */
static bool
is_exchange(const struct sysevent *e)
{
	unsigned int i, creates = 0;

	for (i = 0; i < e->npath; i++)
		if (e->path[i].nametype == NT_CREATE)
			creates++;
	return creates == 2;
}

/* Arguments of the writes that are not write(2) and of the other
 * operations of struct sysevent. */
static void
classify_io(struct sysevent *e, enum sc sc)
{
	switch (sc) {
	case SC_COPY_FILE_RANGE:
	case SC_SPLICE:
		e->fd = low32(e->a[2]);
		break;
	case SC_SENDFILE:
		e->fd = low32(e->a[0]);
		break;
	case SC_MMAP:
		if (e->has_mmap)
			e->fd = e->mmap_fd;
		break;
	case SC_FALLOCATE:
		e->fd = low32(e->a[0]);
		e->op_flags = e->a[1];
		break;
	case SC_MOUNT:
		e->op_flags = e->a[3];
		break;
	case SC_UMOUNT:
		e->op_flags = e->a[1];
		break;
	case SC_OPEN_BY_HANDLE:
		e->dirfd = low32(e->a[0]);
		e->open_flags = e->a[2];
		break;
	default:
		break;
	}
}

/* Arguments of the metadata operations (see struct sysevent). */
static void
classify_meta(struct sysevent *e, enum sc sc)
{
	switch (sc) {
	case SC_CHMOD:
	case SC_MKDIR:
	case SC_MKNOD:
		set_mode(e, e->a[1]);
		break;
	case SC_FCHMOD:
		e->fd = low32(e->a[0]);
		set_mode(e, e->a[1]);
		break;
	case SC_FCHMODAT:
	case SC_MKDIRAT:
	case SC_MKNODAT:
		e->dirfd = low32(e->a[0]);
		set_mode(e, e->a[2]);
		break;
	case SC_CHOWN:
	case SC_CHOWN16:
		set_ids(e, e->a[1], e->a[2], sc == SC_CHOWN16);
		break;
	case SC_FCHOWN:
	case SC_FCHOWN16:
		e->fd = low32(e->a[0]);
		set_ids(e, e->a[1], e->a[2], sc == SC_FCHOWN16);
		break;
	case SC_FCHOWNAT:
		e->dirfd = low32(e->a[0]);
		set_ids(e, e->a[2], e->a[3], false);
		break;
	case SC_FSETXATTR:
	case SC_FRMXATTR:
		e->fd = low32(e->a[0]);
		break;
	case SC_UTIMENSAT:
		if (e->a[1] == 0) /* futimens(fd): no name, no PATH item */
			e->fd = low32(e->a[0]);
		else
			e->dirfd = low32(e->a[0]);
		break;
	case SC_FUTIMESAT:
		e->dirfd = low32(e->a[0]);
		break;
	case SC_LINKAT:
		e->dirfd = low32(e->a[0]);
		e->dirfd2 = low32(e->a[2]);
		break;
	case SC_SYMLINKAT:
		e->dirfd = low32(e->a[1]);
		break;
	default:
		classify_io(e, sc);
		break;
	}
}

/* kind, open flags and dirfds from the syscall and its arguments. */
static void
classify(struct sysevent *e, const struct record *openat2)
{
	enum sc sc;
	struct str v;
	uint64_t u;

	if (!e->has_syscall)
		return;
	sc = syscalls_lookup(e->arch, e->syscall);
	e->kind = syscalls_kind(sc);
	switch (sc) {
	case SC_OPEN:
		e->open_flags = e->a[1];
		break;
	case SC_OPENAT:
		e->open_flags = e->a[2];
		e->dirfd = low32(e->a[0]);
		break;
	case SC_OPENAT2:
		/* a2 is a pointer to struct open_how: flags only in OPENAT2 */
		if (openat2 != NULL && record_find(openat2, "oflag", &v) &&
		    parse_octal(v, &u) == 0)
			e->open_flags = u;
		e->dirfd = low32(e->a[0]);
		break;
	case SC_CREAT:
		e->open_flags = O_CREAT | O_WRONLY | O_TRUNC;
		break;
	case SC_EXECVEAT:
	case SC_UNLINKAT:
		e->dirfd = low32(e->a[0]);
		if (sc == SC_UNLINKAT && (e->a[2] & AT_REMOVEDIR_FLAG) != 0)
			e->kind = SYSEV_RMDIR;
		break;
	case SC_RENAMEAT:
		e->dirfd = low32(e->a[0]);
		e->dirfd2 = low32(e->a[2]);
		e->exchange = is_exchange(e);
		break;
	default:
		classify_meta(e, sc);
		break;
	}
}

int
sysevent_decode(struct sysevent_dec *d, const struct reasm_event *ev,
                struct sysevent *e)
{
	const struct record *openat2 = NULL, *proctitle = NULL;
	unsigned int i;

	memset(e, 0, offsetof(struct sysevent, argv));
	e->args_truncated = false;
	e->args_from_proctitle = false;
	e->args_none = e->args_missing = false;
	e->paths_truncated = false;
	e->dirfd = SYSEV_AT_FDCWD;
	e->dirfd2 = SYSEV_AT_FDCWD;
	e->fd = SYSEV_NO_FD;
	e->uid = e->gid = SYSEV_ID_UNCHANGED;
	e->kind = SYSEV_OTHER;
	e->serial = ev->serial;
	e->partial = ev->partial || ev->truncated;
	d->strs_used = 0;
	argvdec_begin(d->av);
	if (ev->nrec == 0 || ev->rec == NULL)
		return -1;
	e->time_ns = (int64_t)ev->rec[0].sec * 1000000000 +
	             (int64_t)ev->rec[0].msec * 1000000;
	for (i = 0; i < ev->nrec; i++) {
		const struct record *rec = &ev->rec[i];

		switch (rec->type) {
		case T_SYSCALL:
			if (e->has_syscall)
				break;
			e->has_syscall = true;
			do_syscall(d, rec, e);
			break;
		case T_EXECVE:
			argvdec_execve(d->av, rec, e);
			break;
		case T_CWD: {
			struct str v;

			if (e->cwd.n == 0 && record_find(rec, "cwd", &v))
				(void)dec_str(d, v, PATH_MAX_BYTES, &e->cwd,
				              NULL);
			break;
		}
		case T_PATH:
			do_path(d, rec, e);
			break;
		case T_PROCTITLE:
			if (proctitle == NULL)
				proctitle = rec;
			break;
		case T_OPENAT2:
			if (openat2 == NULL)
				openat2 = rec;
			break;
		case T_MMAP:
			do_mmap(rec, e);
			break;
		default:
			break;
		}
	}
	argvdec_end(d->av, proctitle, e);
	classify(e, openat2);
	e->args_missing = e->kind == SYSEV_EXECVE && e->success && e->args_none;
	return 0;
}
