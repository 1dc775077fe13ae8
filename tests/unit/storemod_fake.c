/* storemod_fake.c - modules the loader must refuse (test_storemod.c):
 * built as storemod_nosym.so (no STOREMONGO_SYMBOL) and, with
 * -DFAKE_BADABI, storemod_badabi.so (the symbol, another interface
 * version). Neither is ever called. */
#include "storemongo.h"

#ifdef FAKE_BADABI
extern const struct storemongo_ops godo_storemongo;
const struct storemongo_ops godo_storemongo = {
    .abi = STOREMONGO_ABI + 1000,
    .size = sizeof(struct storemongo_ops),
};
#else
extern const int godo_storemongo_absent;
const int godo_storemongo_absent = 1;
#endif
