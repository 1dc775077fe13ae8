/* writerbox.c - see writerbox.h. */
#include "writerbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "log.h"

/* An option key (klen bytes) and its value (vlen): whether it asks for
 * TLS. */
static bool
option_tls(const char *k, size_t klen, const char *v, size_t vlen)
{
	bool tls_or_ssl = (klen == 3 && (strncasecmp(k, "tls", 3) == 0 ||
	                                 strncasecmp(k, "ssl", 3) == 0));

	if (tls_or_ssl)
		return !(vlen == 5 && strncasecmp(v, "false", 5) == 0);
	/* tlsCAFile, tlsCertificateKeyFile, sslCertificateAuthorityFile... */
	return klen > 3 &&
	       (strncasecmp(k, "tls", 3) == 0 || strncasecmp(k, "ssl", 3) == 0);
}

/* The options after '?': '&' or ';' separated key=value pairs. */
static bool
options_tls(const char *q)
{
	while (*q != '\0') {
		size_t n = strcspn(q, "&;");
		const char *eq = memchr(q, '=', n);
		size_t klen = eq != NULL ? (size_t)(eq - q) : n;
		const char *v = eq != NULL ? eq + 1 : q + n;

		if (option_tls(q, klen, v, (size_t)(q + n - v)))
			return true;
		q += n;
		if (*q != '\0')
			q++;
	}
	return false;
}

bool
writerbox_uri_chroot_ok(const char *uri)
{
	const char *hosts = uri, *q;
	size_t hlen;

	if (strncasecmp(uri, "mongodb+srv://", 14) == 0)
		return false;
	if (strncasecmp(uri, "mongodb://", 10) == 0)
		hosts = uri + 10;
	q = strchr(hosts, '?');
	if (q != NULL && options_tls(q + 1))
		return false;
	/* credentials end at the last '@' before the path */
	hlen = strcspn(hosts, "/?");
	{
		const char *at = memrchr(hosts, '@', hlen);

		if (at != NULL) {
			hlen -= (size_t)(at + 1 - hosts);
			hosts = at + 1;
		}
	}
	if (*hosts == '/')
		return false; /* an unencoded socket path */
	for (size_t i = 0; i + 3 <= hlen; i++)
		if (hosts[i] == '%' && hosts[i + 1] == '2' &&
		    (hosts[i + 2] == 'F' || hosts[i + 2] == 'f'))
			return false;
	return true;
}

int
writerbox_etc_open(int dirfd)
{
	struct stat st;
	int fd;

	if (mkdirat(dirfd, "etc", 0755) != 0 && errno != EEXIST) {
		log_warn("writer: mkdir etc");
		return -1;
	}
	fd = openat(dirfd, "etc",
	            O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		log_warn("writer: open etc");
		return -1;
	}
	if (fstat(fd, &st) != 0 || st.st_uid != geteuid() ||
	    (st.st_mode & 022) != 0) {
		log_warnx("writer: etc in the writer's directory is not ours "
		          "alone (uid %u, mode %o): remove it",
		          (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads at most WRITERBOX_ETC_MAX bytes of a regular file; the length,
 * -2 when it does not exist, -1 logged. */
static ssize_t
slurp(const char *path, char *buf)
{
	struct stat st;
	ssize_t n, got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0) {
		if (errno == ENOENT)
			return -2;
		log_warn("writer: %s", path);
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > (off_t)WRITERBOX_ETC_MAX) {
		log_warnx("writer: %s: not a regular file of at most %u bytes",
		          path, WRITERBOX_ETC_MAX);
		close(fd);
		return -1;
	}
	while (got < (ssize_t)WRITERBOX_ETC_MAX &&
	       (n = read(fd, buf + got, WRITERBOX_ETC_MAX - (size_t)got)) > 0)
		got += n;
	close(fd);
	return got;
}

/* Writes len bytes as etcfd/name, through name.new and a rename. */
static int
put(int etcfd, const char *name, const char *buf, size_t len)
{
	char tmp[64];
	size_t off = 0;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.new", name);
	fd =
	    openat(etcfd, tmp,
	           O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_warn("writer: etc/%s", tmp);
		return -1;
	}
	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);

		if (n <= 0) {
			log_warn("writer: write etc/%s", tmp);
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	if (fchmod(fd, 0644) != 0 || close(fd) != 0 ||
	    renameat(etcfd, tmp, etcfd, name) != 0) {
		log_warn("writer: etc/%s", name);
		return -1;
	}
	return 0;
}

int
writerbox_etc_refresh(int etcfd, const char *src_dir)
{
	static const char *const files[] = {"hosts",         "resolv.conf",
	                                    "nsswitch.conf", "host.conf",
	                                    "gai.conf",      "localtime"};
	char *buf = malloc(WRITERBOX_ETC_MAX);
	int rc = 0;

	if (buf == NULL) {
		log_warnx("writer: out of memory");
		return -1;
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[4096];
		ssize_t n;

		snprintf(path, sizeof(path), "%s/%s", src_dir, files[i]);
		n = slurp(path, buf);
		if (n == -2) {
			if (unlinkat(etcfd, files[i], 0) != 0 &&
			    errno != ENOENT) {
				log_warn("writer: etc/%s", files[i]);
				rc = -1;
			}
		} else if (n < 0 || put(etcfd, files[i], buf, (size_t)n) != 0) {
			rc = -1;
		}
	}
	free(buf);
	return rc;
}

int
writerbox_chroot(void)
{
	if (chroot(".") != 0 || chdir("/") != 0) {
		log_warn("writer: chroot");
		return -1;
	}
	return 0;
}

/* What the writer calls: libmongoc (sockets, poll, DNS through the C
 * library, TLS), the spool (files in its directory), malloc, time, and
 * what the sanitizers and valgrind need to report. Nothing that starts a
 * program, reaches another process, changes ids or mounts. */
static const int allowed[] = {
    SYS_read,
    SYS_write,
    SYS_readv,
    SYS_writev,
    SYS_pread64,
    SYS_pwrite64,
    SYS_close,
    SYS_openat,
    SYS_fstat,
    SYS_newfstatat,
    SYS_statx,
    SYS_lseek,
    SYS_fcntl,
    SYS_ioctl,
    SYS_fsync,
    SYS_fdatasync,
    SYS_ftruncate,
    SYS_fallocate,
    SYS_renameat,
    SYS_renameat2,
    SYS_unlinkat,
    SYS_mkdirat,
    SYS_faccessat,
    SYS_faccessat2,
    SYS_readlinkat,
    SYS_getdents64,
    SYS_getcwd,
    SYS_dup,
    SYS_dup3,
    SYS_statfs,
    SYS_fstatfs,
    SYS_fadvise64,
    SYS_mmap,
    SYS_munmap,
    SYS_mremap,
    SYS_mprotect,
    SYS_brk,
    SYS_madvise,
    SYS_futex,
    SYS_ppoll,
    SYS_pselect6,
    SYS_epoll_create1,
    SYS_epoll_ctl,
    SYS_epoll_pwait,
    SYS_socket,
    SYS_connect,
    SYS_bind,
    SYS_getsockname,
    SYS_getpeername,
    SYS_getsockopt,
    SYS_setsockopt,
    SYS_sendto,
    SYS_recvfrom,
    SYS_sendmsg,
    SYS_recvmsg,
    SYS_sendmmsg,
    SYS_recvmmsg,
    SYS_shutdown,
    SYS_clock_gettime,
    SYS_clock_getres,
    SYS_gettimeofday,
    SYS_nanosleep,
    SYS_clock_nanosleep,
    SYS_rt_sigaction,
    SYS_rt_sigprocmask,
    SYS_rt_sigreturn,
    SYS_rt_sigtimedwait,
    SYS_rt_sigpending,
    SYS_sigaltstack,
    SYS_getpid,
    SYS_gettid,
    SYS_getppid,
    SYS_getuid,
    SYS_geteuid,
    SYS_getgid,
    SYS_getegid,
    SYS_uname,
    SYS_getrandom,
    SYS_sched_yield,
    SYS_sched_getaffinity,
    SYS_prlimit64,
    SYS_getrusage,
    SYS_sysinfo,
    SYS_exit,
    SYS_exit_group,
    SYS_restart_syscall,
    SYS_set_robust_list,
    SYS_rseq,
    SYS_prctl,
    SYS_pipe2,
    SYS_eventfd2,
    SYS_membarrier,
#ifdef SYS_open /* the calls older architectures still have */
    SYS_open,
    SYS_stat,
    SYS_lstat,
    SYS_rename,
    SYS_unlink,
    SYS_mkdir,
    SYS_access,
    SYS_readlink,
    SYS_dup2,
    SYS_poll,
    SYS_select,
    SYS_epoll_wait,
    SYS_getrlimit,
    SYS_time,
    SYS_pipe,
#endif
};

/* tgkill and tkill to itself only (abort, the sanitizers): the first
 * argument must be its own pid (tgid). */
static void
add_self_kill(struct sock_filter *f, unsigned int *k, int nr, uint32_t pid)
{
	f[(*k)++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	                                         (uint32_t)nr, 0, 4);
	f[(*k)++] = (struct sock_filter)BPF_STMT(
	    BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]));
	f[(*k)++] =
	    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, pid, 0, 1);
	f[(*k)++] =
	    (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[(*k)++] = (struct sock_filter)BPF_STMT(
	    BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & 0xffff));
}

int
writerbox_seccomp(void)
{
	enum { N = sizeof(allowed) / sizeof(allowed[0]) };
	_Static_assert(N < 250, "a jump offset is 8 bits");
	struct sock_filter f[4 + 5 + N + 2];
	struct sock_fprog prog = {.len = 0, .filter = f};
	unsigned int i, k = 0;
	uint32_t pid = (uint32_t)getpid();

#if defined(__x86_64__)
	const uint32_t arch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
	const uint32_t arch = AUDIT_ARCH_AARCH64;
#else
#error "writerbox.c: add this architecture's AUDIT_ARCH"
#endif
	f[k++] = (struct sock_filter)BPF_STMT(
	    BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	f[k++] =
	    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 1, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	                                      SECCOMP_RET_KILL_PROCESS);
	f[k++] = (struct sock_filter)BPF_STMT(
	    BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	add_self_kill(f, &k, SYS_tgkill, pid);
	for (i = 0; i < N; i++) /* to the ALLOW after the EPERM */
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		                                      (uint32_t)allowed[i],
		                                      (uint8_t)(N - i), 0);
	f[k++] = (struct sock_filter)BPF_STMT(
	    BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & 0xffff));
	f[k++] =
	    (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog.len = (unsigned short)k;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
		log_warn("writer: seccomp");
		return -1;
	}
	return 0;
}
