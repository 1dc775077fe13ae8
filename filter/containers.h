/* containers.h - which container each process belongs to, and where the
 * containers' files are on the host. Each process gets its container
 * (docker_id, from the leader or a thread); the rootfs recorded on the
 * process that did pivot_root is applied to every process of that
 * container; Docker's own metadata
 * (<docker-root>/containers/<id>/config.v2.json: Name, Config.Image) names
 * the containers when the filter runs on the Docker host; each file gets a
 * host path. */
#ifndef GODO_CONTAINERS_H
#define GODO_CONTAINERS_H

#include <bson/bson.h>

#include "model.h"
#include "opts.h"

/* Containers of all processes; keep is set for those with kept ones.
 * Their identity: from the containers documents read (containers_doc)
 * first, then Docker's files under o->docker_root (name, image). */
void containers_identify(struct model *m, const struct opts *o);
/* rawdb_doc_fn for the containers collection (arg: the model): the latest
 * document (seen_ns) per host and id is kept; one that cannot be read is
 * counted as skipped. */
int containers_doc(const bson_t *doc, void *arg);
/* -container's test: want is a prefix of c's id (lowercase hex), c's
 * name (with or without Docker's leading '/'), c's image (as given, or
 * its repository without the tag) or one of its labels as key=value. */
bool containers_match(const struct container *c, const char *want);
/* Where escapes come from: privileged, or a bind of the host's "/". */
bool containers_risky(const struct container *c);
bool containers_mount_is_root(const struct ct_mount *m);
/* Host paths and per-container counts; run after repair_files. */
void containers_paths(struct model *m);
/* The host path of path (absolute, cleaned) in a container whose root is
 * rootfs (overlay2 "merged"): rootfs + path; when rootfs no longer exists
 * (container stopped) and it ends in "/merged", "<base>/diff" + path if that
 * exists (the upper layer holds every changed file). Malloc'd into out. */
void containers_host_path(const struct bytes *rootfs, const struct bytes *path,
                          struct bytes *out);

#endif
