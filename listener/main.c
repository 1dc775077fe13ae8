/* main.c - godo: flags, setup in order, the loop, teardown in reverse. */
#include <stdio.h>

int
main(void)
{
	puts("godo " GODO_VERSION);
	return 0;
}
