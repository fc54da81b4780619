// The FFmpeg headers vimo uses, plus static inline wrappers for the macros
// Swift cannot import (function-like or casting macros). Each macro is wrapped
// here exactly once; Swift code never re-derives these values.
#ifndef VIMO_CFFMPEG_H
#define VIMO_CFFMPEG_H

#include <errno.h>
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
#include <libavutil/avutil.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/error.h>

/// AVERROR(EAGAIN): the codec wants more input / has output pending.
static inline int vimo_averror_eagain(void) { return AVERROR(EAGAIN); }
/// AVERROR_EOF: end of stream.
static inline int vimo_averror_eof(void) { return AVERROR_EOF; }
/// AVERROR_STREAM_NOT_FOUND, returned by av_find_best_stream.
static inline int vimo_averror_stream_not_found(void) { return AVERROR_STREAM_NOT_FOUND; }
/// AVERROR_DECODER_NOT_FOUND, returned by av_find_best_stream.
static inline int vimo_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }
/// AV_NOPTS_VALUE: "no timestamp".
static inline int64_t vimo_av_nopts_value(void) { return AV_NOPTS_VALUE; }
/// Whether a decoded frame is a key frame (the field moved to flags in later FFmpeg).
static inline int vimo_frame_is_key(const AVFrame *frame) {
#ifdef AV_FRAME_FLAG_KEY
    return (frame->flags & AV_FRAME_FLAG_KEY) != 0;
#else
    return frame->key_frame;
#endif
}
/// Codec capability bit AV_CODEC_CAP_EXPERIMENTAL etc. are plain ints and import fine;
/// AV_CODEC_FLAG_GLOBAL_HEADER is too. AVFMT_GLOBALHEADER likewise.

#endif
