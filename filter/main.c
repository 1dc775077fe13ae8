/* main.c - filter: load, repair, tree, history, save, render. */
#include <stdio.h>

int
main(void)
{
	puts("filter " GODO_VERSION);
	return 0;
}
