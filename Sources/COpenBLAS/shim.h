// OpenBLAS's CBLAS interface. The include directory comes from `pkg-config openblas`.
#ifndef COPENBLAS_SHIM_H
#define COPENBLAS_SHIM_H
#include <cblas.h>

/// Sets the number of OpenBLAS threads (0 leaves the library default).
static inline void copenblas_set_threads(int n) { if (n > 0) openblas_set_num_threads(n); }
static inline int copenblas_get_threads(void) { return openblas_get_num_threads(); }
/// The name of the kernel set OpenBLAS chose at load time ("Haswell", "SkylakeX", "Prescott", …).
static inline const char *copenblas_corename(void) { return openblas_get_corename(); }
#endif
