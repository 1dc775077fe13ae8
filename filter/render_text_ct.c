/* render_text_ct.c - the text format's container header: id, name,
 * image, the escape-risk flag, rootfs and the identity godo recorded
 * (labels, privileged, caps, network, mounts, renames). Every recorded
 * string through vis_text (render_bytes). */
#include "render.h"

#include <string.h>

#include "containers.h"
#include "vis.h"

/* "  key a, b, c\n" when a has entries */
static void
t_list(struct buf *b, const char *key, const struct argv *a)
{
	size_t i;

	if (a->n == 0)
		return;
	buf_printf(b, "  %s ", key);
	for (i = 0; i < a->n; i++) {
		buf_adds(b, i ? ", " : "");
		render_bytes(b, &a->v[i], 256);
	}
	buf_addc(b, '\n');
}

/* The container header's identity lines (docs/output.md). */
static void
t_ct_ident(struct buf *b, const struct container *c)
{
	const struct ct_ident *id = &c->ident;
	size_t i;

	if (id->source == NULL) /* neither recorded nor on this host */
		return;
	buf_printf(b, "  identity %s", id->source);
	if (id->image_id.set) {
		buf_adds(b, "  image id ");
		render_bytes(b, &id->image_id, 128);
	}
	buf_addc(b, '\n');
	if (id->started.set) {
		buf_adds(b, "  started ");
		render_bytes(b, &id->started, 64);
		buf_addc(b, '\n');
	}
	if (id->nnames > 1) { /* renamed: every name, oldest first */
		buf_adds(b, "  renamed ");
		for (i = 0; i < id->nnames; i++) {
			buf_adds(b, i ? " -> " : "");
			render_bytes(b, &id->names[i].name, 256);
		}
		buf_addc(b, '\n');
	}
	t_list(b, "labels", &id->labels);
	if (id->has_privileged)
		buf_printf(b, "  privileged %s", id->privileged ? "YES" : "no");
	if (id->network.set) {
		buf_adds(b, "  network ");
		render_bytes(b, &id->network, 64);
	}
	if (id->has_privileged || id->network.set)
		buf_addc(b, '\n');
	t_list(b, "cap_add", &id->caps);
	for (i = 0; i < id->nmounts; i++) {
		const struct ct_mount *mt = &id->mounts[i];

		buf_adds(b, "  ");
		render_bytes(b, &mt->type, 16);
		buf_addc(b, ' ');
		render_bytes(b, &mt->source, PATH_MAX_SHOWN);
		buf_adds(b, " -> ");
		render_bytes(b, &mt->destination, PATH_MAX_SHOWN);
		buf_adds(b, mt->rw ? " (rw)" : " (ro)");
		if (containers_mount_is_root(mt))
			buf_adds(b, "  !! the host's /");
		buf_addc(b, '\n');
	}
}

/* "== container ID name N image I", the escape-risk flag, the rootfs
 * and the identity lines. */
void
render_text_ct_header(struct buf *b, const struct container *c)
{
	buf_adds(b, "\n== container ");
	vis_text(b, c->id, strlen(c->id));
	if (c->name.set) {
		buf_adds(b, " name ");
		render_bytes(b, &c->name, 256);
	}
	if (c->image.set) {
		buf_adds(b, " image ");
		render_bytes(b, &c->image, 256);
	}
	if (containers_risky(c))
		buf_adds(b, "  !! ESCAPE RISK (privileged or the host's / "
		            "mounted)");
	buf_addc(b, '\n');
	if (c->rootfs.set) {
		buf_adds(b, "  rootfs ");
		render_bytes(b, &c->rootfs, PATH_MAX_SHOWN);
		buf_addc(b, '\n');
	}
	t_ct_ident(b, c);
}
