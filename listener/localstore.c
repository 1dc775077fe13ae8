/* localstore.c - see localstore.h. /proc/net/tcp{,6} gives the listening
 * socket's inode; /proc/PID/fd/N links name it "socket:[inode]". */
#include "localstore.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PATH_BUF 512

static int
parse_target(const char *target, char *host, size_t hsz, unsigned *port)
{
	const char *p = target, *end, *colon;
	size_t n;

	if (strncmp(p, "mongodb://", 10) == 0)
		p += 10;
	else if (strncmp(p, "mongodb+srv://", 14) == 0)
		return -1;
	if (strchr(p, '@') != NULL)
		p = strchr(p, '@') + 1;
	end = p + strcspn(p, ",/?");
	colon = NULL;
	if (*p == '[') { /* [::1]:port */
		const char *rb = memchr(p, ']', (size_t)(end - p));

		if (rb == NULL)
			return -1;
		n = (size_t)(rb - p - 1);
		if (n >= hsz)
			return -1;
		memcpy(host, p + 1, n);
		host[n] = '\0';
		colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		n = (size_t)((colon ? colon : end) - p);
		if (n >= hsz)
			return -1;
		memcpy(host, p, n);
		host[n] = '\0';
	}
	*port = colon ? (unsigned)strtoul(colon + 1, NULL, 10) : 27017;
	return *port > 0 && *port < 65536 ? 0 : -1;
}

static bool
is_loopback(const char *h)
{
	return strcmp(h, "localhost") == 0 || strncmp(h, "127.", 4) == 0 ||
	       strcmp(h, "::1") == 0;
}

static unsigned long
listen_inode(const char *file, unsigned port)
{
	char line[512];
	FILE *f = fopen(file, "r");
	unsigned long inode = 0;

	if (f == NULL)
		return 0;
	while (inode == 0 && fgets(line, sizeof(line), f) != NULL) {
		char local[128], rem[128];
		unsigned st, lport;
		unsigned long ino;
		char *colon;

		if (sscanf(line, "%*d: %127s %127s %x %*s %*s %*s %*s %*s %lu",
		           local, rem, &st, &ino) != 4)
			continue;
		colon = strrchr(local, ':');
		if (colon == NULL || st != 0x0a)
			continue;
		lport = (unsigned)strtoul(colon + 1, NULL, 16);
		if (lport == port)
			inode = ino;
	}
	(void)fclose(f); /* read only: nothing to lose */
	return inode;
}

/* path = root + "/" + rel, refusing a cut path. */
static bool
join(char *path, size_t size, const char *root, const char *rel)
{
	int n = snprintf(path, size, "%s/%s", root, rel);

	return n > 0 && (size_t)n < size;
}

/* fd links of /proc/PID (dir, as opened) pointing at want: then PID's exe
 * goes to exe. */
static bool
pid_owns(const char *pid_dir, const char *want, char *exe, size_t size)
{
	char fd_dir[PATH_BUF], link[PATH_BUF], target[64];
	struct dirent *fe;
	bool found = false;
	DIR *fds;
	ssize_t n;

	if (!join(fd_dir, sizeof(fd_dir), pid_dir, "fd"))
		return false;
	fds = opendir(fd_dir);
	if (fds == NULL)
		return false; /* gone, or not ours to read */
	while (!found && (fe = readdir(fds)) != NULL) {
		if (!join(link, sizeof(link), fd_dir, fe->d_name))
			continue;
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, want) != 0)
			continue;
		if (!join(link, sizeof(link), pid_dir, "exe"))
			break;
		n = readlink(link, exe, size - 1);
		if (n > 0) {
			exe[n] = '\0';
			found = true;
		}
		break;
	}
	(void)closedir(fds);
	return found;
}

/* The executable of the process holding socket inode, found by its fd
 * links under proc_root. */
static bool
owner_exe(const char *proc_root, unsigned long inode, char *exe, size_t size)
{
	char want[64], pid_dir[PATH_BUF];
	struct dirent *pe;
	bool found = false;
	DIR *proc;

	proc = opendir(proc_root);
	if (proc == NULL)
		return false;
	(void)snprintf(want, sizeof(want), "socket:[%lu]", inode);
	while (!found && (pe = readdir(proc)) != NULL) {
		if (pe->d_name[0] < '1' || pe->d_name[0] > '9')
			continue;
		if (join(pid_dir, sizeof(pid_dir), proc_root, pe->d_name))
			found = pid_owns(pid_dir, want, exe, size);
	}
	(void)closedir(proc);
	return found;
}

int
localstore_exe(const char *target, char *exe, size_t size)
{
	return localstore_exe_at("/proc", target, exe, size);
}

int
localstore_exe_at(const char *proc_root, const char *target, char *exe,
                  size_t size)
{
	char host[256], tcp[PATH_BUF];
	unsigned port;
	unsigned long inode = 0;

	if (size < 2 || parse_target(target, host, sizeof(host), &port) != 0 ||
	    !is_loopback(host))
		return 0;
	if (join(tcp, sizeof(tcp), proc_root, "net/tcp"))
		inode = listen_inode(tcp, port);
	if (inode == 0 && join(tcp, sizeof(tcp), proc_root, "net/tcp6"))
		inode = listen_inode(tcp, port);
	if (inode == 0)
		return 0;
	return owner_exe(proc_root, inode, exe, size) ? 1 : 0;
}
