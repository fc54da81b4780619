// The OpenCV half of vimo: DIS optical flow behind the flat C API of cvision.h.
// Every entry point converts C++ exceptions into a negative status and a
// per-thread message, so nothing is ever thrown into Swift.
#include "cvision.h"

#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include <limits>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>

struct vv_dis_s {
    cv::Ptr<cv::DISOpticalFlow> dis;
    // Reused between calls so a long sequence allocates once. (Not the flow: DIS takes an
    // output that already has the right size and type as its initial guess.)
    cv::Mat grey_from, grey_to;
};

namespace {
thread_local std::string last_error;

/// An argument the caller got wrong; reported as VV_E_ARGUMENT.
struct argument_error : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

/// Runs `body`, turning every exception into a status code and a message for vv_last_error().
template <typename Body>
int guarded(const char *operation, Body body) {
    try {
        body();
        return VV_OK;
    } catch (const argument_error &e) {
        last_error = std::string(operation) + ": " + e.what();
        return VV_E_ARGUMENT;
    } catch (const cv::Exception &e) {
        last_error = std::string(operation) + ": " + e.what();
        return VV_E_OPENCV;
    } catch (const std::bad_alloc &) {
        last_error = std::string(operation) + ": out of memory";
        return VV_E_MEMORY;
    } catch (const std::exception &e) {
        last_error = std::string(operation) + ": " + e.what();
        return VV_E_INTERNAL;
    } catch (...) {
        last_error = std::string(operation) + ": unknown C++ exception";
        return VV_E_INTERNAL;
    }
}

void require(bool condition, const std::string &message) {
    if (!condition) throw argument_error(message);
}

/// width × height × channels, refusing sizes that are not positive or overflow size_t and int.
size_t element_count(int width, int height, int channels) {
    require(width > 0 && height > 0, "frame size " + std::to_string(width) + "×" + std::to_string(height) +
                                         " is not positive");
    const size_t pixels = static_cast<size_t>(width) * static_cast<size_t>(height);
    require(pixels <= static_cast<size_t>(std::numeric_limits<int>::max()) / static_cast<size_t>(channels),
            "frame size " + std::to_string(width) + "×" + std::to_string(height) + " is too large");
    return pixels * static_cast<size_t>(channels);
}

/// Libraries never print: OpenCV's own logger is silenced once, before the first DIS object.
/// Failures still reach callers as status codes and vv_last_error().
void silence_opencv_log() {
    static const bool silenced = [] {
        cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
        return true;
    }();
    (void)silenced;
}

/// Wraps a caller's packed RGB24 buffer (no copy) and converts it to grey the way cvtColor does.
void to_grey(const uint8_t *rgb, int width, int height, cv::Mat &grey) {
    const cv::Mat view(height, width, CV_8UC3, const_cast<uint8_t *>(rgb));
    cv::cvtColor(view, grey, cv::COLOR_RGB2GRAY);
}
}  // namespace

extern "C" {

const char *vv_last_error(void) { return last_error.c_str(); }

const char *vv_opencv_version(void) { return CV_VERSION; }

int vv_set_num_threads(int n) {
    return guarded("vv_set_num_threads", [&] { cv::setNumThreads(n <= 0 ? -1 : n); });
}

int vv_get_num_threads(void) {
    int threads = 0;
    const int status = guarded("vv_get_num_threads", [&] { threads = cv::getNumThreads(); });
    return status == VV_OK ? threads : status;
}

int vv_dis_create(int preset, vv_dis *out) {
    return guarded("vv_dis_create", [&] {
        require(out != nullptr, "out is NULL");
        *out = nullptr;
        silence_opencv_log();
        require(preset == VV_PRESET_ULTRAFAST || preset == VV_PRESET_FAST || preset == VV_PRESET_MEDIUM,
                "unknown DIS preset " + std::to_string(preset));
        auto handle = std::make_unique<vv_dis_s>();
        handle->dis = cv::DISOpticalFlow::create(preset);
        require(!handle->dis.empty(), "cv::DISOpticalFlow::create returned nothing");
        *out = handle.release();
    });
}

void vv_dis_free(vv_dis dis) { delete dis; }

int vv_dis_flow(vv_dis dis, const uint8_t *from, size_t from_bytes, const uint8_t *to, size_t to_bytes,
                int width, int height, float *out, size_t out_count) {
    return guarded("vv_dis_flow", [&] {
        require(dis != nullptr && dis->dis, "DIS handle is NULL");
        require(from != nullptr && to != nullptr && out != nullptr, "a frame or the output buffer is NULL");
        const size_t frame_bytes = element_count(width, height, 3);
        const std::string size = std::to_string(width) + "×" + std::to_string(height);
        require(from_bytes == frame_bytes, "first frame has " + std::to_string(from_bytes) + " bytes, " + size +
                                               " RGB24 needs " + std::to_string(frame_bytes));
        require(to_bytes == frame_bytes, "second frame has " + std::to_string(to_bytes) + " bytes, " + size +
                                             " RGB24 needs " + std::to_string(frame_bytes));
        const size_t plane = element_count(width, height, 1);
        require(out_count == 2 * plane, "output holds " + std::to_string(out_count) + " floats, a 2×" + size +
                                            " field needs " + std::to_string(2 * plane));

        to_grey(from, width, height, dis->grey_from);
        to_grey(to, width, height, dis->grey_to);
        cv::Mat flow;  // empty, so every pair starts from zero flow, as cv2's calc(I0, I1, None) does
        dis->dis->calc(dis->grey_from, dis->grey_to, flow);
        require(flow.type() == CV_32FC2 && flow.rows == height && flow.cols == width,
                "DIS returned a field of unexpected shape");

        // OpenCV gives (H, W, 2) interleaved; split straight into the caller's planar (2, H, W) buffer.
        cv::Mat planes[2] = {cv::Mat(height, width, CV_32F, out), cv::Mat(height, width, CV_32F, out + plane)};
        cv::split(flow, planes);
        require(planes[0].data == reinterpret_cast<uchar *>(out) &&
                    planes[1].data == reinterpret_cast<uchar *>(out + plane),
                "cv::split reallocated the output planes");
    });
}

}  // extern "C"
