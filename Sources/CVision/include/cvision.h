// vimo's flat C API over OpenCV's DIS optical flow (CPU only).
// Opaque handles; every call catches C++ exceptions and reports failure by its
// return value (a negative VV_E_* code), with the message kept per thread in
// vv_last_error(). Nothing is thrown across this boundary and nothing is printed.
#ifndef VIMO_CVISION_H
#define VIMO_CVISION_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One cv::DISOpticalFlow object with its scratch buffers. Not thread-safe: use one per thread.
typedef struct vv_dis_s *vv_dis;

/// DIS presets, numbered as OpenCV numbers them (DISOpticalFlow::PRESET_*).
enum { VV_PRESET_ULTRAFAST = 0, VV_PRESET_FAST = 1, VV_PRESET_MEDIUM = 2 };

/// Status codes: 0 on success, negative on failure (see vv_last_error()).
enum {
    VV_OK = 0,
    VV_E_ARGUMENT = -1,  ///< a NULL pointer, an unknown preset, a size that does not add up
    VV_E_OPENCV = -2,    ///< OpenCV raised cv::Exception
    VV_E_MEMORY = -3,    ///< an allocation failed
    VV_E_INTERNAL = -4   ///< any other C++ exception
};

/// The message of the last failed call on this thread ("" if none). Valid until the next vv_ call on this thread.
const char *vv_last_error(void);

/// OpenCV's version string, e.g. "4.6.0" (static storage).
const char *vv_opencv_version(void);

/// Sets the number of threads OpenCV's parallel loops use, process-wide (cv::setNumThreads);
/// n <= 0 restores OpenCV's default. Returns VV_OK or a VV_E_* code.
int vv_set_num_threads(int n);

/// The number of threads OpenCV's parallel loops use now (cv::getNumThreads), or a VV_E_* code.
int vv_get_num_threads(void);

/// Creates a DIS object for a VV_PRESET_* value and stores it in *out. Returns VV_OK or a VV_E_* code.
int vv_dis_create(int preset, vv_dis *out);

/// Frees a DIS object; NULL is ignored.
void vv_dis_free(vv_dis dis);

/// Computes the flow that carries `from` onto `to`.
/// Frames are packed RGB24 (height × width × 3 bytes, row-major) of `from_bytes` and `to_bytes`
/// bytes; each is converted to grey exactly as cv::cvtColor(COLOR_RGB2GRAY) does.
/// Writes float32 planar (2, height, width) into `out` (u plane, then v plane), which holds
/// `out_count` floats. Returns VV_OK or a VV_E_* code; on failure `out` is left unspecified.
/// DIS itself refuses frames smaller than its patch (8 px on the short side, 12 on the long side).
int vv_dis_flow(vv_dis dis, const uint8_t *from, size_t from_bytes, const uint8_t *to, size_t to_bytes,
                int width, int height, float *out, size_t out_count);

#ifdef __cplusplus
}
#endif

#endif
