// The HDF5 C API plus static inline wrappers for the macros Swift cannot
// import: casting macros and the H5OPEN-guarded global type/class ids. Each is
// wrapped here exactly once, all with the `vimo_` prefix.
#ifndef VIMO_CHDF5_H
#define VIMO_CHDF5_H

#include <hdf5.h>

/// H5P_DEFAULT: default property list.
static inline hid_t vimo_h5p_default(void) { return H5P_DEFAULT; }
/// H5E_DEFAULT: the library's default error stack.
static inline hid_t vimo_h5e_default(void) { return H5E_DEFAULT; }
/// H5S_ALL: the whole dataspace.
static inline hid_t vimo_h5s_all(void) { return H5S_ALL; }
/// H5S_UNLIMITED: maximum size of an extendible dimension.
static inline hsize_t vimo_h5s_unlimited(void) { return H5S_UNLIMITED; }
/// H5T_VARIABLE: size of a variable-length string type.
static inline size_t vimo_h5t_variable(void) { return H5T_VARIABLE; }

/// H5F_ACC_RDONLY: open a file read-only.
static inline unsigned vimo_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
/// H5F_ACC_EXCL: create a file, failing if it exists.
static inline unsigned vimo_h5f_acc_excl(void) { return H5F_ACC_EXCL; }

/// H5P_FILE_ACCESS: class of file access property lists.
static inline hid_t vimo_h5p_file_access(void) { return H5P_FILE_ACCESS; }
/// H5P_DATASET_CREATE: class of dataset creation property lists.
static inline hid_t vimo_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
/// H5P_DATASET_ACCESS: class of dataset access property lists.
static inline hid_t vimo_h5p_dataset_access(void) { return H5P_DATASET_ACCESS; }

/// H5T_C_S1: one-byte C string, the base of string types.
static inline hid_t vimo_h5t_c_s1(void) { return H5T_C_S1; }
/// H5T_IEEE_F32LE: little-endian float32 on disk (also the base of float16).
static inline hid_t vimo_h5t_ieee_f32le(void) { return H5T_IEEE_F32LE; }
/// H5T_STD_U8LE: uint8 on disk.
static inline hid_t vimo_h5t_std_u8le(void) { return H5T_STD_U8LE; }
/// H5T_STD_I32LE: little-endian int32 on disk.
static inline hid_t vimo_h5t_std_i32le(void) { return H5T_STD_I32LE; }
/// H5T_STD_I64LE: little-endian int64 on disk.
static inline hid_t vimo_h5t_std_i64le(void) { return H5T_STD_I64LE; }

/// H5T_NATIVE_UINT8: uint8 in memory.
static inline hid_t vimo_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }
/// H5T_NATIVE_INT32: int32 in memory.
static inline hid_t vimo_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
/// H5T_NATIVE_INT64: int64 in memory.
static inline hid_t vimo_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
/// H5T_NATIVE_FLOAT: float32 in memory.
static inline hid_t vimo_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }

#endif
