/* history.h - containers and where their files are on the host. Each
 * process gets its container (docker_id, from the leader or a thread);
 * the rootfs recorded on the process that did pivot_root is applied to
 * every process of that container; Docker's own metadata
 * (<docker-root>/containers/<id>/config.v2.json: Name, Config.Image) names
 * the containers when the filter runs on the Docker host; each file gets a
 * host path. */
#ifndef GODO_HISTORY_H
#define GODO_HISTORY_H

#include "model.h"
#include "opts.h"

/* Containers of all processes; keep is set for those with kept ones. */
void history_containers(struct model *m, const struct opts *o);
/* Host paths and per-container counts; run after repair_files. */
void history_paths(struct model *m);
/* The host path of path (absolute, cleaned) in a container whose root is
 * rootfs (overlay2 "merged"): rootfs + path; when rootfs no longer exists
 * (container stopped) and it ends in "/merged", "<base>/diff" + path if that
 * exists (the upper layer holds every changed file). Malloc'd into out. */
void history_host_path(const struct bytes *rootfs, const struct bytes *path,
                       struct bytes *out);

#endif
