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

#include "model.h"
#include "opts.h"

/* Containers of all processes; keep is set for those with kept ones. */
void containers_identify(struct model *m, const struct opts *o);
/* -container's test: want is a prefix of c's id (lowercase hex) or c's
 * name (with or without Docker's leading '/'). */
bool containers_match(const struct container *c, const char *want);
/* Host paths and per-container counts; run after repair_files. */
void containers_paths(struct model *m);
/* The host path of path (absolute, cleaned) in a container whose root is
 * rootfs (overlay2 "merged"): rootfs + path; when rootfs no longer exists
 * (container stopped) and it ends in "/merged", "<base>/diff" + path if that
 * exists (the upper layer holds every changed file). Malloc'd into out. */
void containers_host_path(const struct bytes *rootfs, const struct bytes *path,
                          struct bytes *out);

#endif
