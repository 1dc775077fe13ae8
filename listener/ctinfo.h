/* ctinfo.h - a container's identity from Docker's own files, read while the
 * container exists: <data root>/containers/<id>/config.v2.json (name, image,
 * labels, state) and hostconfig.json (privileged, CapAdd, network mode),
 * plus the rootfs from image/<driver>/layerdb/mounts/<id>/mount-id.
 *
 * The files are hostile input. Each is opened beneath the data root's
 * descriptor with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS, O_NOFOLLOW | O_NONBLOCK), must be a regular file of
 * at most CTINFO_FILE_MAX bytes and is parsed by libbson's JSON reader;
 * anything else is refused (CTINFO_REFUSED), never followed. Every string
 * kept is cut at CTINFO_STR_MAX bytes and every list at its cap (the cut is
 * flagged). The data root is the one the running dockerd uses: its
 * --data-root (or -g / --graph) from its cmdline, else "data-root" (or
 * "graph") of its daemon.json (--config-file, default
 * /etc/docker/daemon.json), else /var/lib/docker. No state, no clock. */
#ifndef GODO_CTINFO_H
#define GODO_CTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bson/bson.h>

#include "util.h"

#define CTINFO_FILE_MAX (1024 * 1024) /* config.v2.json, hostconfig.json */
#define CTINFO_STR_MAX 4096           /* any one string kept */
#define CTINFO_LABELS_MAX 64
#define CTINFO_MOUNTS_MAX 64
#define CTINFO_CAPS_MAX 64
#define CTINFO_DAEMON_JSON "/etc/docker/daemon.json"
#define CTINFO_DEFAULT_ROOT "/var/lib/docker"

/* ctinfo_read's outcome */
enum ctinfo_rc {
	CTINFO_OK,
	CTINFO_MISSING, /* config.v2.json is not there (yet, or any more) */
	CTINFO_REFUSED  /* a symlink, not a regular file, too big, not JSON */
};

struct ctinfo_label {
	struct str key, value;
};

struct ctinfo_mount {
	struct str type, source, destination;
	bool rw;
};

/* Strings borrow from the struct ctinfo's parsed documents; p NULL: absent.
 */
struct ctinfo {
	char id[65];
	struct str name, image, image_id, created, started, network_mode;
	struct str compose_project, compose_service;
	struct str k8s_pod, k8s_namespace, k8s_container;
	bool running, privileged, has_hostconfig;
	int64_t init_pid; /* State.Pid; 0: not running */
	struct ctinfo_label labels[CTINFO_LABELS_MAX];
	unsigned int nlabels;
	struct ctinfo_mount mounts[CTINFO_MOUNTS_MAX];
	unsigned int nmounts;
	struct str cap_add[CTINFO_CAPS_MAX];
	unsigned int ncaps;
	bool truncated;   /* a list or a string was cut */
	char rootfs[512]; /* "" when unknown */
	/* owned: the parsed files the strings point into */
	bson_t cfg, hc;
	bool has_cfg;
};

/* Parses config.v2.json (cfg[0..cn)) and hostconfig.json (hc[0..hn), hc
 * NULL: none) into ci (whose id the caller set). 0, or -1 when cfg is not
 * a JSON object (logged at debug: the caller counts it). Free with
 * ctinfo_free. */
int ctinfo_parse(struct ctinfo *ci, const char *cfg, size_t cn, const char *hc,
                 size_t hn);
void ctinfo_free(struct ctinfo *ci);

/* Opens rel (relative, no "..") beneath dirfd as ctinfo.h says. fd >= 0;
 * -ENOENT when a component is missing; another -errno when refused
 * (ELOOP/EXDEV: a symlink or an escape). */
int ctinfo_open_beneath(int dirfd, const char *rel, int flags);
/* rel beneath dirfd, a regular file of at most max bytes, into a malloc'd
 * NUL-terminated *out (*len bytes). CTINFO_MISSING, CTINFO_REFUSED (why in
 * *why, static) or CTINFO_OK. */
enum ctinfo_rc ctinfo_read_file(int dirfd, const char *rel, size_t max,
                                char **out, size_t *len, const char **why);
/* The identity of container id (64 lowercase hex) under the data root
 * rootfd: both files read and parsed, the rootfs looked up. On CTINFO_OK
 * ci is filled (free with ctinfo_free); otherwise there is nothing to
 * free and *why says what was refused. */
enum ctinfo_rc ctinfo_read(int rootfd, const char *root_path, const char *id,
                           struct ctinfo *ci, const char **why);
/* (device, inode, size, mtime) of the container's two files as one number:
 * it changes when dockerd rewrites either (a new inode: dockerd writes a
 * temporary file and renames it). 0 when the container's directory or its
 * config.v2.json is gone; 1 when the directory or config.v2.json is a
 * symlink (refused). Nothing is followed. */
uint64_t ctinfo_signature(int rootfd, const char *id);

/* The data root of the dockerd with that pid (cmdline, daemon.json, the
 * default: ctinfo.h) into out. daemon_json NULL: CTINFO_DAEMON_JSON. 0 when
 * pid's argv[0] is dockerd, -1 when it is not (or gone). */
int ctinfo_data_root(const char *proc_root, int32_t pid,
                     const char *daemon_json, char *out, size_t cap);
/* The data root without a dockerd: daemon_json's, else the default. */
void ctinfo_default_root(const char *daemon_json, char *out, size_t cap);
/* 64 lowercase hex digits. */
bool ctinfo_is_id(const char *s);

#endif
