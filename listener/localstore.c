/* localstore.c - see localstore.h. /proc/net/tcp{,6} gives the listening
 * socket's inode; /proc/PID/fd/N links name it "socket:[inode]". */
#include "localstore.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	fclose(f);
	return inode;
}

static int
owner_exe(unsigned long inode, char *exe, size_t size)
{
	char want[64], path[64], lnk[64];
	DIR *proc = opendir("/proc");
	struct dirent *pe;
	int found = 0;

	if (proc == NULL)
		return 0;
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	while (!found && (pe = readdir(proc)) != NULL) {
		DIR *fds;
		struct dirent *fe;

		if (pe->d_name[0] < '1' || pe->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/fd", pe->d_name);
		fds = opendir(path);
		if (fds == NULL)
			continue;
		while ((fe = readdir(fds)) != NULL) {
			char fdp[96];
			ssize_t n;

			snprintf(fdp, sizeof(fdp), "%s/%.16s", path,
			         fe->d_name);
			n = readlink(fdp, lnk, sizeof(lnk) - 1);
			if (n <= 0)
				continue;
			lnk[n] = '\0';
			if (strcmp(lnk, want) != 0)
				continue;
			snprintf(fdp, sizeof(fdp), "/proc/%.16s/exe",
			         pe->d_name);
			n = readlink(fdp, exe, size - 1);
			if (n > 0) {
				exe[n] = '\0';
				found = 1;
			}
			break;
		}
		closedir(fds);
	}
	closedir(proc);
	return found;
}

int
localstore_exe(const char *target, char *exe, size_t size)
{
	char host[256];
	unsigned port;
	unsigned long inode;

	if (parse_target(target, host, sizeof(host), &port) != 0 ||
	    !is_loopback(host))
		return 0;
	inode = listen_inode("/proc/net/tcp", port);
	if (inode == 0)
		inode = listen_inode("/proc/net/tcp6", port);
	if (inode == 0)
		return 0;
	return owner_exe(inode, exe, size);
}
