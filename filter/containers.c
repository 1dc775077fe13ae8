/* containers.c - see containers.h. Docker metadata is read only for ids that
 * are exactly 64 lowercase hex digits (no path tricks from a recorded
 * docker_id), capped in size. */
#include "containers.h"

#include <bson/bson.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decode.h"
#include "esc.h"
#include "log.h"
#include "schema.h"

#define CONTAINERS_META_MAX (4 * 1024 * 1024) /* config.v2.json cap */

/* the length of s when it is all lowercase hex digits, else 0 */
static size_t
hex_len(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i;
}

static bool
is_cid(const char *s)
{
	return hex_len(s) == 64;
}

static bool
bytes_is(const struct bytes *b, const char *s, size_t n)
{
	return b->set && b->n == n && memcmp(b->p, s, n) == 0;
}

/* want is c's image, or the image's repository without its tag */
static bool
image_match(const struct container *c, const char *want, size_t n)
{
	const struct bytes *im = &c->image;

	if (n == 0 || !im->set)
		return false;
	if (bytes_is(im, want, n))
		return true;
	return im->n > n && memcmp(im->p, want, n) == 0 && im->p[n] == ':' &&
	       memchr(im->p + n + 1, '/', im->n - n - 1) == NULL;
}

static bool
label_match(const struct container *c, const char *want, size_t n)
{
	size_t i;

	if (memchr(want, '=', n) == NULL)
		return false;
	for (i = 0; i < c->ident.labels.n; i++)
		if (bytes_is(&c->ident.labels.v[i], want, n))
			return true;
	return false;
}

bool
containers_match(const struct container *c, const char *want)
{
	size_t n = strlen(want);
	const char *name;
	size_t nn;

	if (hex_len(want) > 0 && strncmp(c->id, want, n) == 0)
		return true;
	if (image_match(c, want, n) || label_match(c, want, n))
		return true;
	if (!c->name.set)
		return false;
	name = c->name.p;
	nn = c->name.n;
	if (nn > 0 && name[0] == '/' && want[0] != '/') {
		name++;
		nn--;
	}
	return nn == n && memcmp(name, want, n) == 0;
}

/* a file only read: a failed close loses nothing */
static void
close_quietly(int fd, const char *path)
{
	if (close(fd) != 0)
		log_debug("close %s: %s", path, strerror(errno));
}

static char *
read_small(const char *path, size_t max, size_t *len)
{
	char *data;
	size_t n = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	data = mem_calloc(max + 1, 1);
	while (n < max && (r = read(fd, data + n, max - n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			free(data);
			close_quietly(fd, path);
			return NULL;
		}
		n += (size_t)r;
	}
	close_quietly(fd, path);
	if (n == max) { /* too big to be a config */
		free(data);
		return NULL;
	}
	*len = n;
	return data;
}

static void
meta_string(const bson_t *doc, const char *dotted, struct bytes *out)
{
	bson_iter_t it, d;
	const char *s;
	uint32_t len;

	if (!bson_iter_init(&it, doc) ||
	    !bson_iter_find_descendant(&it, dotted, &d) ||
	    !BSON_ITER_HOLDS_UTF8(&d))
		return;
	s = bson_iter_utf8(&d, &len);
	bytes_set(out, s, len);
}

static void
read_meta(struct container *c, const char *root)
{
	char path[4096];
	bson_error_t err;
	bson_t doc;
	size_t len;
	char *data;

	if (!is_cid(c->id))
		return;
	snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json", root,
	         c->id);
	data = read_small(path, CONTAINERS_META_MAX, &len);
	if (data == NULL)
		return;
	if (!bson_init_from_json(&doc, data, (ssize_t)len, &err)) {
		log_debug("%s: %s", path, err.message);
		free(data);
		return;
	}
	c->ident.source = "docker-root";
	meta_string(&doc, "Name", &c->name);
	meta_string(&doc, "Config.Image", &c->image);
	meta_string(&doc, "Image", &c->ident.image_id);
	bson_destroy(&doc);
	free(data);
}

bool
containers_mount_is_root(const struct ct_mount *m)
{
	return bytes_is(&m->type, "bind", 4) && bytes_is(&m->source, "/", 1);
}

bool
containers_risky(const struct container *c)
{
	size_t i;

	if (c->ident.privileged)
		return true;
	for (i = 0; i < c->ident.nmounts; i++)
		if (containers_mount_is_root(&c->ident.mounts[i]))
			return true;
	return false;
}

static int
name_cmp(const void *a, const void *b)
{
	const struct ct_name *x = a, *y = b;

	return x->ns < y->ns ? -1 : x->ns > y->ns;
}

/* name, recorded at ns, into id's names: once each, the earliest time */
static void
note_name(struct ct_ident *id, int64_t ns, const struct bytes *name)
{
	struct ct_name *e;
	size_t i;

	if (!name->set)
		return;
	for (i = 0; i < id->nnames; i++)
		if (bytes_eq(&id->names[i].name, name)) {
			if (ns < id->names[i].ns)
				id->names[i].ns = ns;
			break;
		}
	if (i == id->nnames && id->nnames < CT_NAMES_MAX) {
		id->names = mem_reallocarray(id->names, id->nnames + 1,
		                             sizeof(*id->names));
		e = &id->names[id->nnames++];
		e->ns = ns;
		memset(&e->name, 0, sizeof(e->name));
		bytes_copy(&e->name, name);
	}
	mem_sort(id->names, id->nnames, sizeof(*id->names), name_cmp);
}

int
containers_doc(const bson_t *doc, void *arg)
{
	struct model *m = arg;
	struct container c, *slot;

	if (decode_container(doc, &c) != 0) {
		model_skip(&m->skipped, COLL_CONTAINERS, decode_any_id(doc));
		return 0;
	}
	slot = model_ctdoc(m, c.host, c.id);
	note_name(&slot->ident, c.ident.seen_ns, &c.name);
	if (slot->ident.source != NULL &&
	    slot->ident.seen_ns > c.ident.seen_ns) {
		model_container_free(&c);
		return 0;
	}
	/* the newest document takes the slot, and the names seen so far */
	c.ident.names = slot->ident.names;
	c.ident.nnames = slot->ident.nnames;
	slot->ident.names = NULL;
	slot->ident.nnames = 0;
	model_container_free(slot);
	*slot = c;
	return 0;
}

/* c's identity from the latest containers document of it: moved, the
 * document is not needed again. */
static bool
take_recorded(struct model *m, struct container *c)
{
	struct container *d = model_find_ctdoc(m, c->host, c->id);

	if (d == NULL || d->ident.source == NULL)
		return false;
	bytes_take(&c->name, &d->name);
	bytes_take(&c->image, &d->image);
	bytes_take(&c->rootfs, &d->rootfs);
	c->ident = d->ident;
	memset(&d->ident, 0, sizeof(d->ident));
	return true;
}

static const char *
docker_id_of(const struct proc *p)
{
	size_t i;

	if (p->lead.docker_id != NULL)
		return p->lead.docker_id;
	for (i = 0; i < p->nthreads; i++)
		if (p->threads[i].docker_id != NULL)
			return p->threads[i].docker_id;
	return NULL;
}

void
containers_identify(struct model *m, const struct opts *o)
{
	struct stat st;
	size_t i;

	for (i = 0; i < m->nprocs; i++) {
		struct proc *p = m->procs[i];
		const char *id = docker_id_of(p);

		if (id == NULL)
			continue;
		model_container(m, p->lead.host, id);
	}
	model_sort_containers(m);
	for (i = 0; i < m->nprocs; i++) {
		struct proc *p = m->procs[i];
		const char *id = docker_id_of(p);

		if (id == NULL)
			continue;
		p->ct = model_container(m, p->lead.host, id);
		if (p->keep)
			p->ct->keep = true;
	}
	/* map docker_id -> rootfs from the process that did pivot_root;
	 * the earliest such process wins (the init, not a later exec) */
	for (i = 0; i < m->nprocs; i++) {
		struct proc *p = m->procs[i];

		if (p->ct == NULL || !p->lead.rootfs.set ||
		    p->lead.rootfs.n == 0)
			continue;
		if (!p->ct->rootfs.set)
			bytes_copy(&p->ct->rootfs, &p->lead.rootfs);
	}
	for (i = 0; i < m->ncts; i++) {
		struct container *c = &m->cts[i];

		if (take_recorded(m, c) || !c->keep || o->docker_root == NULL ||
		    stat(o->docker_root, &st) != 0)
			continue;
		read_meta(c, o->docker_root);
	}
}

/* a + b as bytes (NULs kept), malloc'd and terminated */
static char *
join2(const char *a, size_t an, const char *b, size_t bn)
{
	char *p = mem_calloc(an + bn + 1, 1);

	memcpy(p, a, an);
	memcpy(p + an, b, bn);
	return p;
}

void
containers_host_path(const struct bytes *rootfs, const struct bytes *path,
                     struct bytes *out)
{
	struct stat st;
	char *merged, *base, *diff;
	size_t rn = rootfs->n;

	/* rootfs "/x/merged/" and path "/a" join as "/x/merged/a" */
	while (rn > 1 && rootfs->p[rn - 1] == '/')
		rn--;
	merged = join2(rootfs->p, rn, path->p, path->n);
	/* merged/ is mounted only while the container runs (kernel
	 * interfaces §4.5); diff/ stays until docker rm */
	if (memchr(merged, '\0', rn + path->n) == NULL && rn > 7 &&
	    memcmp(rootfs->p + rn - 7, "/merged", 7) == 0 &&
	    stat(rootfs->p, &st) != 0) {
		base = join2(rootfs->p, rn - 7, "/diff", 5);
		diff = join2(base, rn - 2, path->p, path->n);
		free(base);
		if (lstat(diff, &st) == 0) {
			bytes_free(out);
			out->p = diff;
			out->n = rn - 2 + path->n;
			out->set = true;
			free(merged);
			return;
		}
		free(diff);
	}
	bytes_free(out);
	out->p = merged;
	out->n = rn + path->n;
	out->set = true;
}

void
containers_paths(struct model *m)
{
	size_t i;

	for (i = 0; i < m->nprocs; i++)
		if (m->procs[i]->keep && m->procs[i]->ct != NULL)
			m->procs[i]->ct->nprocs++;
	for (i = 0; i < m->nfiles; i++) {
		struct file *f = &m->files[i];
		struct container *c = f->owner->ct;

		if (c == NULL) {
			/* a host process sees host paths */
			bytes_copy(&f->host_path, &f->path);
			bytes_copy(&f->new_host_path, &f->new_path);
			continue;
		}
		c->nfiles++;
		if (!c->rootfs.set || f->path.n == 0 || f->path.p[0] != '/')
			continue;
		containers_host_path(&c->rootfs, &f->path, &f->host_path);
		if (f->new_path.set && f->new_path.n > 0 &&
		    f->new_path.p[0] == '/')
			containers_host_path(&c->rootfs, &f->new_path,
			                     &f->new_host_path);
	}
}
