// Zstandard (Debian's libzstd) for Store's built-in HDF5 filter 32015.
#ifndef VIMO_CZSTD_H
#define VIMO_CZSTD_H

#include <zstd.h>

/// ZSTD_CONTENTSIZE_UNKNOWN: a frame header without its content size.
static inline unsigned long long vimo_zstd_contentsize_unknown(void) { return ZSTD_CONTENTSIZE_UNKNOWN; }
/// ZSTD_CONTENTSIZE_ERROR: not a zstd frame.
static inline unsigned long long vimo_zstd_contentsize_error(void) { return ZSTD_CONTENTSIZE_ERROR; }

#endif
