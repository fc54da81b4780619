import CFFmpeg
import Foundation

/// Settings for writing a video (test fixtures, the synthetic dataset, previews).
public struct EncodeOptions: Sendable, Equatable {
    /// Which encoder to use.
    public enum Codec: String, Sendable { case auto, h264, mpeg4, png }
    public var codec: Codec = .auto
    /// Frames per second; frames are stamped 0, 1, 2, … in a time base of 1/fps unless
    /// explicit timestamps are passed to `append`.
    public var fps = 25
    /// Distance between key frames.
    public var keyframeInterval = 250
    /// Maximum consecutive B-frames (0 = none).
    public var maxBFrames = 2
    /// x264 constant rate factor (lower = better); MPEG-4 uses a matching fixed quantiser.
    public var quality = 20
    /// Encoder threads; 1 keeps fixtures bit-reproducible.
    public var threads = 1
    /// A display matrix stored with the stream (9 values, row-major, 16.16 fixed point except
    /// the last column's 2.30, FFmpeg's layout), for fixtures of rotated or mirrored videos.
    /// The MP4/MOV muxer writes it into the track header; nil stores none.
    public var displayMatrix: [Int32]?

    /// Settings with the given values.
    public init(codec: Codec = .auto, fps: Int = 25, keyframeInterval: Int = 250, maxBFrames: Int = 2,
                quality: Int = 20, threads: Int = 1, displayMatrix: [Int32]? = nil) {
        self.codec = codec
        self.fps = fps
        self.keyframeInterval = keyframeInterval
        self.maxBFrames = maxBFrames
        self.quality = quality
        self.threads = threads
        self.displayMatrix = displayMatrix
    }
}

/// Writes RGB24 frames as a real encoded video (H.264 when this FFmpeg has libx264,
/// MPEG-4 part 2 otherwise) in the container the file extension names.
public final class VideoEncoder {
    /// Whether this FFmpeg build can encode H.264.
    public static var h264Available: Bool {
        _ = silenceFFmpegLog
        return avcodec_find_encoder_by_name("libx264") != nil
    }

    public let path: String
    public let width: Int
    public let height: Int
    /// Name of the encoder in use ("libx264" or "mpeg4").
    public let encoderName: String

    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var stream: UnsafeMutablePointer<AVStream>
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var converter: OpaquePointer?
    /// Where each RGB frame is copied before conversion: 64-byte aligned rows, zeroed padding and a
    /// spare row. swscale's vector code reads past the end of its source (valgrind: 16-byte reads
    /// beyond the last row), which from the caller's array would read whatever memory follows it.
    private let staging: UnsafeMutableRawPointer
    private let stagingStride: Int
    private var nextPTS: Int64 = 0
    private var finished = false

    /// Creates `url` (replacing it) for `width` × `height` RGB24 frames.
    public init(url: URL, width: Int, height: Int, options: EncodeOptions = EncodeOptions()) throws {
        _ = silenceFFmpegLog
        path = url.path
        self.width = width
        self.height = height
        guard width > 0, height > 0, options.codec == .png || (width % 2 == 0 && height % 2 == 0) else {
            throw MediaError.encodeFailed(path: url.path, reason: "frame size \(width)×\(height) must be positive and even")
        }
        let useH264 = options.codec == .h264 || (options.codec == .auto && Self.h264Available)
        encoderName = options.codec == .png ? "png" : useH264 ? "libx264" : "mpeg4"
        let pixelFormat = options.codec == .png ? AV_PIX_FMT_RGB24 : AV_PIX_FMT_YUV420P
        guard let encoder = avcodec_find_encoder_by_name(encoderName) else {
            throw MediaError.encodeFailed(path: url.path, reason: "encoder \(encoderName) is not in this FFmpeg")
        }
        var formatContext: UnsafeMutablePointer<AVFormatContext>?
        var codecContext: UnsafeMutablePointer<AVCodecContext>?
        var ok = false
        defer {
            if !ok {
                avcodec_free_context(&codecContext)
                if let f = formatContext {
                    if f.pointee.pb != nil { avio_closep(&f.pointee.pb) }
                    avformat_free_context(f)
                }
            }
        }
        let allocated = avformat_alloc_output_context2(&formatContext, nil, nil, url.path)
        guard allocated >= 0, let format = formatContext else {
            throw MediaError.encodeFailed(path: url.path, reason: "no container for this extension: \(ffmpegErrorText(allocated))")
        }
        guard let newStream = avformat_new_stream(format, nil) else {
            throw MediaError.encodeFailed(path: url.path, reason: "cannot add a stream")
        }
        codecContext = avcodec_alloc_context3(encoder)
        guard let codec = codecContext else { throw MediaError.encodeFailed(path: url.path, reason: "out of memory") }
        codec.pointee.width = Int32(width)
        codec.pointee.height = Int32(height)
        codec.pointee.pix_fmt = pixelFormat
        codec.pointee.time_base = AVRational(num: 1, den: Int32(options.fps))
        codec.pointee.framerate = AVRational(num: Int32(options.fps), den: 1)
        codec.pointee.gop_size = Int32(options.keyframeInterval)
        codec.pointee.max_b_frames = Int32(options.maxBFrames)
        codec.pointee.thread_count = Int32(max(1, options.threads))
        if format.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0 {
            codec.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
        }
        if useH264 {
            av_opt_set(codec.pointee.priv_data, "preset", "veryfast", 0)
            av_opt_set(codec.pointee.priv_data, "crf", String(options.quality), 0)
            // x264's vector mbtree code gives slightly different results from one encoder to the next in
            // one process (it depends on what memory held before), so the same frames did not always make
            // the same file; its canonical code does (EncoderDeterminismTests).
            av_opt_set(codec.pointee.priv_data, "x264-params", "cpu-independent=1", 0)
        } else if options.codec != .png {
            codec.pointee.flags |= AV_CODEC_FLAG_QSCALE
            codec.pointee.global_quality = Int32(max(1, options.quality / 5)) * FF_QP2LAMBDA
        }
        let opened = avcodec_open2(codec, encoder, nil)
        guard opened >= 0 else { throw MediaError.encodeFailed(path: url.path, reason: ffmpegErrorText(opened)) }
        let copied = avcodec_parameters_from_context(newStream.pointee.codecpar, codec)
        guard copied >= 0 else { throw MediaError.encodeFailed(path: url.path, reason: ffmpegErrorText(copied)) }
        newStream.pointee.time_base = codec.pointee.time_base
        newStream.pointee.avg_frame_rate = codec.pointee.framerate
        if let matrix = options.displayMatrix {
            guard matrix.count == 9 else {
                throw MediaError.encodeFailed(path: url.path, reason: "a display matrix has 9 values, not \(matrix.count)")
            }
            guard let side = av_stream_new_side_data(newStream, AV_PKT_DATA_DISPLAYMATRIX, 9 * 4) else {
                throw MediaError.encodeFailed(path: url.path, reason: "cannot attach the display matrix")
            }
            let raw = UnsafeMutableRawPointer(side)
            for (i, value) in matrix.enumerated() { raw.storeBytes(of: value, toByteOffset: i * 4, as: Int32.self) }
        }
        if format.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0 {
            let io = avio_open(&format.pointee.pb, url.path, AVIO_FLAG_WRITE)
            guard io >= 0 else { throw MediaError.encodeFailed(path: url.path, reason: ffmpegErrorText(io)) }
        }
        let header = avformat_write_header(format, nil)
        guard header >= 0 else { throw MediaError.encodeFailed(path: url.path, reason: ffmpegErrorText(header)) }

        let yuv = av_frame_alloc()!
        yuv.pointee.format = pixelFormat.rawValue
        yuv.pointee.width = Int32(width)
        yuv.pointee.height = Int32(height)
        guard av_frame_get_buffer(yuv, 0) >= 0 else {
            var f: UnsafeMutablePointer<AVFrame>? = yuv
            av_frame_free(&f)
            throw MediaError.encodeFailed(path: url.path, reason: "out of memory")
        }
        self.frame = yuv
        self.format = format
        self.codec = codec
        self.stream = newStream
        packet = av_packet_alloc()
        stagingStride = (width * 3 + 63) / 64 * 64
        let stagingBytes = stagingStride * (height + 1)
        staging = UnsafeMutableRawPointer.allocate(byteCount: stagingBytes, alignment: 64)
        staging.initializeMemory(as: UInt8.self, repeating: 0, count: stagingBytes)
        converter = sws_getContext(Int32(width), Int32(height), AV_PIX_FMT_RGB24, Int32(width), Int32(height),
                                   pixelFormat, SWS_BILINEAR, nil, nil, nil)
        ok = true
    }

    deinit {
        if !finished, let format, format.pointee.pb != nil { avio_closep(&format.pointee.pb) }
        sws_freeContext(converter)
        staging.deallocate()
        av_packet_free(&packet)
        av_frame_free(&frame)
        avcodec_free_context(&codec)
        if let format { avformat_free_context(format) }
    }

    /// Appends one RGB24 frame (width × height × 3 bytes). `pts` (in units of 1/fps)
    /// overrides the running frame counter, for variable-frame-rate fixtures.
    public func append(rgb: [UInt8], pts: Int64? = nil) throws {
        try rgb.withUnsafeBytes { try append(rgbBytes: $0, pts: pts) }
    }

    /// The same for a frame in memory the caller holds (width × height × 3 bytes, any alignment).
    public func append(rgbBytes rgb: UnsafeRawBufferPointer, pts: Int64? = nil) throws {
        guard rgb.count == width * height * 3 else {
            throw MediaError.encodeFailed(path: path, reason: "frame has \(rgb.count) bytes, expected \(width * height * 3)")
        }
        guard av_frame_make_writable(frame) >= 0 else { throw MediaError.encodeFailed(path: path, reason: "frame buffer busy") }
        if let source = rgb.baseAddress {
            for row in 0..<height {
                (staging + row * stagingStride).copyMemory(from: source + row * width * 3, byteCount: width * 3)
            }
        }
        var srcData: [UnsafePointer<UInt8>?] = [UnsafePointer(staging.assumingMemoryBound(to: UInt8.self)), nil, nil, nil]
        var srcStride: [Int32] = [Int32(stagingStride), 0, 0, 0]
        withUnsafeMutablePointer(to: &frame!.pointee.data) { data in
            data.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: Int(AV_NUM_DATA_POINTERS)) { dst in
                withUnsafePointer(to: frame!.pointee.linesize) { lines in
                    lines.withMemoryRebound(to: Int32.self, capacity: Int(AV_NUM_DATA_POINTERS)) { dstStride in
                        _ = sws_scale(converter, &srcData, &srcStride, 0, Int32(height), dst, dstStride)
                    }
                }
            }
        }
        frame!.pointee.pts = pts ?? nextPTS
        nextPTS = frame!.pointee.pts + 1
        try send(frame)
    }

    /// Flushes the encoder and closes the file. Must be called for a playable file.
    public func finish() throws {
        guard !finished else { return }
        try send(nil)
        let trailer = av_write_trailer(format)
        finished = true
        if format!.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0 { avio_closep(&format!.pointee.pb) }
        guard trailer >= 0 else { throw MediaError.encodeFailed(path: path, reason: ffmpegErrorText(trailer)) }
    }

    private func send(_ frame: UnsafeMutablePointer<AVFrame>?) throws {
        let sent = avcodec_send_frame(codec, frame)
        guard sent >= 0 else { throw MediaError.encodeFailed(path: path, reason: ffmpegErrorText(sent)) }
        while true {
            let received = avcodec_receive_packet(codec, packet)
            if received == vimo_averror_eagain() || received == vimo_averror_eof() { return }
            guard received >= 0 else { throw MediaError.encodeFailed(path: path, reason: ffmpegErrorText(received)) }
            av_packet_rescale_ts(packet, codec!.pointee.time_base, stream.pointee.time_base)
            packet!.pointee.stream_index = stream.pointee.index
            let written = av_interleaved_write_frame(format, packet)
            guard written >= 0 else { throw MediaError.encodeFailed(path: path, reason: ffmpegErrorText(written)) }
        }
    }
}

/// Writes `frames` (RGB24, each width × height × 3 bytes) to `url` in one call.
public func writeVideo(_ frames: [[UInt8]], width: Int, height: Int, to url: URL,
                       options: EncodeOptions = EncodeOptions()) throws {
    let encoder = try VideoEncoder(url: url, width: width, height: height, options: options)
    for f in frames { try encoder.append(rgb: f) }
    try encoder.finish()
}
