// HDF5 C library. Its constants (H5P_DEFAULT, H5F_ACC_RDONLY, H5T_NATIVE_*) are macros, some
// expanding to function calls, which Swift cannot import: they are exposed here as functions.
#ifndef CHDF5_SHIM_H
#define CHDF5_SHIM_H
#include <hdf5.h>

static inline hid_t chdf5_p_default(void) { return H5P_DEFAULT; }
static inline hid_t chdf5_s_all(void) { return H5S_ALL; }
static inline unsigned chdf5_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned chdf5_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline hid_t chdf5_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t chdf5_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t chdf5_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t chdf5_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t chdf5_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t chdf5_std_i64le(void) { return H5T_STD_I64LE; }
static inline hid_t chdf5_c_s1(void) { return H5T_C_S1; }
static inline hid_t chdf5_p_link_create(void) { return H5P_LINK_CREATE; }
static inline size_t chdf5_variable(void) { return H5T_VARIABLE; }

/// A dataset-creation property list for chunks of shape `chunk` (rank `rank`), byte-shuffled and
/// deflate-compressed at `level` (0–9); any HDF5 reader decompresses transparently. Returns a
/// negative id when the deflate filter is unavailable or a call fails. Close it with `H5Pclose`.
static inline hid_t chdf5_deflate_plist(int rank, const hsize_t *chunk, unsigned level) {
    if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) <= 0) return -1;
    hid_t plist = H5Pcreate(H5P_DATASET_CREATE);
    if (plist < 0) return -1;
    if (H5Pset_chunk(plist, rank, chunk) < 0 || H5Pset_shuffle(plist) < 0 || H5Pset_deflate(plist, level) < 0) {
        H5Pclose(plist);
        return -1;
    }
    return plist;
}

/// Silences HDF5's automatic error stack printing; the Swift wrapper reports errors itself.
static inline void chdf5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
#endif
