/* writerbox.h - the writer's confinement (privilege separation, issue 19):
 * a chroot into its own directory (<state_dir>/writer/, where its spool
 * lives) and an allow-list seccomp filter. writer.c calls these in order:
 * the monitor opens <dir>/etc once (writerbox_etc_open, with every
 * capability) and copies the host's resolver files into it before each
 * writer it forks (writerbox_etc_refresh), so that libmongoc still
 * resolves host names after the chroot; the writer chroots (needs
 * CAP_SYS_CHROOT, which the monitor keeps for it), drops to its user,
 * then installs the filter (no_new_privs must be set). A URI that asks
 * for TLS (or mongodb+srv://, TLS by default) or names a unix socket is
 * not chrooted: libmongoc 1.23 reads the CA and key files, and OpenSSL
 * the system CA directory, at each connection; a socket path lies
 * outside (logged, docs/operations.md). */
#ifndef GODO_WRITERBOX_H
#define GODO_WRITERBOX_H

#include <stdbool.h>

/* The most bytes of one resolver file copied into the chroot. */
#define WRITERBOX_ETC_MAX (256u * 1024)

/* Whether the writer may be chrooted with this -mongo target: false when
 * it asks for TLS (a tls or ssl option not false, any tls* or ssl*
 * option such as tlsCAFile, the mongodb+srv:// scheme) or names a unix
 * socket (a host starting with '/' or holding %2F). Pure. */
bool writerbox_uri_chroot_ok(const char *uri);

/* Creates <dir>/etc (0755) relative to dirfd and opens it. It must be a
 * directory owned by this process's euid and writable by nobody else (the
 * writer owns <dir>: a symlink or a directory of its own is refused).
 * The fd, or -1 logged. */
int writerbox_etc_open(int dirfd);

/* Copies the host's resolver files (hosts, resolv.conf, nsswitch.conf,
 * host.conf, gai.conf, localtime; at most WRITERBOX_ETC_MAX bytes each,
 * regular files only) from src_dir ("/etc") into etcfd, each replaced
 * atomically; one missing on the host is removed. 0, or -1 logged (what
 * could be copied was). */
int writerbox_etc_refresh(int etcfd, const char *src_dir);

/* chroot(".") and chdir("/"): the working directory becomes the root.
 * 0, or -1 logged. */
int writerbox_chroot(void);

/* Installs the allow-list filter: the calls listed in writerbox.c (files,
 * sockets, memory, time, signals to itself) are allowed, every other one
 * fails with EPERM (exec, ptrace, mount, chroot, set*id, kill of others,
 * modules, bpf, ...); another architecture's calls kill the process.
 * no_new_privs must be set. 0, or -1 logged. */
int writerbox_seccomp(void);

#endif
