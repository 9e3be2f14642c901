// LAPACKE, the C interface to LAPACK (OpenBLAS provides LAPACK itself; its pkg-config entry
// does not link LAPACKE, so the module map names both).
#ifndef CLAPACKE_SHIM_H
#define CLAPACKE_SHIM_H
#include <lapacke.h>

_Static_assert(sizeof(lapack_int) == 4, "the Swift wrapper passes LAPACK integers as Int32");
static inline int clapacke_row_major(void) { return LAPACK_ROW_MAJOR; }
#endif
