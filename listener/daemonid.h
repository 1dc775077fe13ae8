/* daemonid.h - is a task the container engine's daemon by what it is, not
 * by what it is called? A name (the base name of its exe, argv[0] or comm
 * is "dockerd" or "containerd": k3s runs containerd from its own binary)
 * makes a candidate only. A candidate is the daemon when it runs as root
 * (godo's user) in the host's (godo's) mount namespace, outside any container's
 * cgroup, and holds a listening unix socket bound to the engine's API path (a
 * path ending in "/docker.sock" for dockerd, "/containerd.sock" for
 * containerd), or when its exe is the configured one (-daemon-exe).
 * A container process or an unprivileged host process named dockerd is
 * not. Reads only the proc root given; bounded reads, no allocation. */
#ifndef GODO_DAEMONID_H
#define GODO_DAEMONID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum daemonid_kind { DAEMONID_NONE, DAEMONID_DOCKERD, DAEMONID_CONTAINERD };

#define DAEMONID_SOCKS_MAX 16  /* matching listeners remembered per task */
#define DAEMONID_FDS_MAX 65536 /* descriptors looked at per check */
#define DAEMONID_LINE_MAX 4096 /* longer /proc/net/unix lines skipped */

#define DAEMONID_CAND_MAX 8      /* candidates waiting for their socket */
#define DAEMONID_WAIT_MS 120000u /* how long a candidate may take */

/* A candidate that did not serve its socket yet (a daemon listens a
 * moment after its exec): checked again from the loop's tick. */
struct daemonid_cand {
	int32_t pid; /* 0: free */
	uint64_t ticks;
	uint64_t until_ms;
	enum daemonid_kind kind;
};

/* The kind the last path element of p[0..n) names. */
enum daemonid_kind daemonid_name(const char *p, size_t n);
/* Does a socket bound to path[0..n) serve kind's API? */
bool daemonid_api_path(enum daemonid_kind kind, const char *path, size_t n);
/* One /proc/net/unix line (no newline): the socket inode when it is a
 * listening socket bound to kind's API path; 0 otherwise (malformed
 * lines too: the path is hostile text). */
uint64_t daemonid_parse_unix_line(const char *line, size_t n,
                                  enum daemonid_kind kind);
/* The host's reference task: godo itself (it runs in the host's
 * namespaces, as root), or 1 when proc_root has no entry for godo (a
 * test's directory). */
pid_t daemonid_host_pid(const char *proc_root);
/* Do the namespace links what_a of a and what_b of b ("ns/mnt",
 * "task/7/ns/net") name the same namespace? */
bool daemonid_same_ns(const char *proc_root, pid_t a, const char *what_a,
                      pid_t b, const char *what_b);
/* Does pid run as the host task's user (root) in its mount namespace,
 * outside a container's cgroup (where a daemon's socket path means the
 * host's)? */
bool daemonid_host_root(const char *proc_root, pid_t pid);
/* Does pid hold a listening socket on kind's API path? */
bool daemonid_serves(const char *proc_root, pid_t pid, enum daemonid_kind kind);

#endif
