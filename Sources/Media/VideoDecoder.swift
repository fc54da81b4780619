import CFFmpeg
import Foundation

/// Options for decoding.
public struct DecodeOptions: Sendable, Equatable {
    /// Output size; vimo caches 224 × 224.
    public var width = 224
    public var height = 224
    /// Codec threads for one video. On few cores, several videos with one thread each go faster.
    public var threads = 1
    /// Seek to key frames for sparse selections (off = always decode forward).
    public var allowSeeking = true

    public init(width: Int = 224, height: Int = 224, threads: Int = 1, allowSeeking: Bool = true) {
        self.width = width
        self.height = height
        self.threads = threads
        self.allowSeeking = allowSeeking
    }
}

/// Decodes one video file with FFmpeg and hands back frames resized to RGB24.
///
/// Frame indices are ranks in presentation order, established by a demux-only
/// scan, so a sparse selection (which seeks) yields exactly the frames and
/// pixels that decoding everything would.
public final class VideoDecoder {
    /// The file being decoded.
    public let path: String
    /// Stream facts.
    public private(set) var info: VideoInfo
    public let options: DecodeOptions

    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private let streamIndex: Int32
    private let scan: PacketScan
    private let scaler: FrameScaler
    private let timeBase: AVRational
    private var draining = false
    private var report = DecodeReport()

    /// Opens `url` and prepares its best video stream for decoding.
    public init(url: URL, options: DecodeOptions = DecodeOptions()) throws {
        _ = silenceFFmpegLog
        path = url.path
        self.options = options
        var formatContext: UnsafeMutablePointer<AVFormatContext>?
        let opened = avformat_open_input(&formatContext, path, nil, nil)
        guard opened >= 0, let format = formatContext else {
            throw MediaError.unreadable(path: url.path, reason: ffmpegErrorText(opened))
        }
        var codecContext: UnsafeMutablePointer<AVCodecContext>?
        var ok = false
        defer {
            if !ok {
                avcodec_free_context(&codecContext)
                avformat_close_input(&formatContext)
            }
        }
        let probed = avformat_find_stream_info(format, nil)
        guard probed >= 0 else { throw MediaError.unreadable(path: path, reason: ffmpegErrorText(probed)) }

        var decoder: UnsafePointer<AVCodec>?
        let found = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0)
        if found == vimo_averror_decoder_not_found() {
            let index = (0..<Int(format.pointee.nb_streams)).first {
                format.pointee.streams[$0]!.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_VIDEO
            }
            let id = index.map { format.pointee.streams[$0]!.pointee.codecpar.pointee.codec_id } ?? AV_CODEC_ID_NONE
            throw MediaError.decoderUnavailable(path: path, codec: String(cString: avcodec_get_name(id)))
        }
        guard found >= 0, let decoder else { throw MediaError.noVideoStream(path: path) }
        for i in 0..<Int(format.pointee.nb_streams) where Int32(i) != found {
            format.pointee.streams[i]!.pointee.discard = AVDISCARD_ALL
        }
        let stream = format.pointee.streams[Int(found)]!.pointee

        codecContext = avcodec_alloc_context3(decoder)
        guard let codec = codecContext else { throw MediaError.decodeFailed(path: path, reason: "out of memory") }
        let copied = avcodec_parameters_to_context(codec, stream.codecpar)
        guard copied >= 0 else { throw MediaError.decodeFailed(path: path, reason: ffmpegErrorText(copied)) }
        codec.pointee.thread_count = Int32(max(1, options.threads))
        codec.pointee.thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE
        codec.pointee.pkt_timebase = stream.time_base
        let codecOpened = avcodec_open2(codec, decoder, nil)
        guard codecOpened >= 0 else {
            throw MediaError.decodeFailed(path: path, reason: "cannot open decoder: \(ffmpegErrorText(codecOpened))")
        }
        guard codec.pointee.width > 0, codec.pointee.height > 0 else {
            throw MediaError.unreadable(path: path, reason: "video stream has no picture size")
        }

        let scan = try PacketScan.run(path: path, streamIndex: found)
        let rate = stream.avg_frame_rate.den > 0 && stream.avg_frame_rate.num > 0
            ? Double(stream.avg_frame_rate.num) / Double(stream.avg_frame_rate.den) : nil
        info = VideoInfo(
            width: Int(codec.pointee.width), height: Int(codec.pointee.height),
            codec: String(cString: avcodec_get_name(stream.codecpar.pointee.codec_id)),
            frameCount: scan.packetCount, averageFrameRate: rate,
            timeBase: Double(stream.time_base.num) / Double(max(1, stream.time_base.den)),
            hasTimestamps: scan.timestampsUsable)
        self.scan = scan
        self.streamIndex = found
        self.timeBase = stream.time_base
        self.format = format
        self.codec = codec
        packet = av_packet_alloc()
        frame = av_frame_alloc()
        scaler = FrameScaler(outputWidth: options.width, outputHeight: options.height)
        ok = true
    }

    deinit {
        av_frame_free(&frame)
        av_packet_free(&packet)
        avcodec_free_context(&codec)
        avformat_close_input(&format)
    }

    /// Frame timestamps in seconds, in presentation order, from the scan
    /// (estimated from the frame rate when the stream has no usable timestamps).
    public var frameTimes: [Double] {
        if scan.timestampsUsable { return scan.presentationPTS.map { Double($0) * info.timeBase } }
        let period = 1 / (info.averageFrameRate ?? 25)
        return (0..<scan.packetCount).map { Double($0) * period }
    }

    /// The frame indices `selection` resolves to for this video.
    public func plannedIndices(_ selection: FrameSelection) -> [Int] {
        selection.indices(timestamps: frameTimes)
    }

    /// Decodes the frames `selection` names, in ascending index order, calling `body` for each.
    /// A decoder is single-use: call this once.
    @discardableResult
    public func decode(_ selection: FrameSelection, _ body: (DecodedFrame) throws -> Void) throws -> DecodeReport {
        report = DecodeReport()
        if case .all = selection {
            try decodeForward(targets: nil, body)
        } else {
            let targets = plannedIndices(selection)
            if !targets.isEmpty { try decodeForward(targets: targets, body) }
        }
        if report.framesDecoded == 0 && info.frameCount > 0 && report.framesReturned == 0 && selection == .all {
            throw MediaError.noFrames(path: path)
        }
        return report
    }

    /// Convenience: every selected frame in an array.
    public func decodeFrames(_ selection: FrameSelection = .all) throws -> (frames: [DecodedFrame], report: DecodeReport) {
        var frames: [DecodedFrame] = []
        let report = try decode(selection) { frames.append($0) }
        return (frames, report)
    }

    // MARK: - The decode loop

    /// Decodes forward, seeking ahead to a key frame whenever the next wanted frame lies
    /// at or past a key frame later than the current position. `targets == nil` keeps everything.
    private func decodeForward(targets: [Int]?, _ body: (DecodedFrame) throws -> Void) throws {
        let seekable = options.allowSeeking && scan.timestampsUsable && targets != nil
        var next = 0            // position in targets
        var lastIndex = -1      // index of the last frame the decoder produced
        var fallbackSeekBefore: Int? = nil

        func seekIfWorthIt() throws {
            guard seekable, let targets, next < targets.count,
                  let key = scan.keyframe(atOrBefore: fallbackSeekBefore.map { min($0, targets[next]) } ?? targets[next])
            else { return }
            // Decoding forward reaches the target anyway when no key frame lies beyond the next frame.
            if key > lastIndex + 1 || fallbackSeekBefore != nil {
                try seek(toFrame: key)
                lastIndex = key - 1
            }
        }

        try seekIfWorthIt()
        var afterSeek = report.seeks > 0
        while try receiveFrame() {
            report.framesDecoded += 1
            let index = frameIndex(default: lastIndex + 1)
            if afterSeek, let targets, next < targets.count, index > targets[next] {
                // The seek landed past the wanted frame: retry from an earlier key frame.
                guard let earlier = scan.keyframe(atOrBefore: max(0, (scan.keyframe(atOrBefore: targets[next]) ?? 0) - 1)),
                      fallbackSeekBefore != earlier else {
                    report.missingIndices.append(targets[next]); next += 1; afterSeek = false
                    continue
                }
                fallbackSeekBefore = earlier
                try seekIfWorthIt()
                fallbackSeekBefore = nil
                continue
            }
            afterSeek = false
            lastIndex = max(lastIndex, index)
            guard let targets else {
                try emit(index: index, body)
                continue
            }
            while next < targets.count && targets[next] < index {
                report.missingIndices.append(targets[next]); next += 1
            }
            if next < targets.count && targets[next] == index {
                try emit(index: index, body)
                next += 1
            }
            if next == targets.count { return }
            let seeksBefore = report.seeks
            try seekIfWorthIt()
            afterSeek = report.seeks > seeksBefore
        }
        if let targets { report.missingIndices.append(contentsOf: targets[next...]) }
    }

    private func emit(index: Int, _ body: (DecodedFrame) throws -> Void) throws {
        var pixels = [UInt8](repeating: 0, count: options.width * options.height * 3)
        try pixels.withUnsafeMutableBufferPointer { try scaler.scale(frame!, into: $0.baseAddress!, path: path) }
        let raw = frame!.pointee.best_effort_timestamp
        let pts: Int64? = raw == vimo_av_nopts_value() ? nil : raw
        let time = pts.map { Double($0) * info.timeBase }
            ?? Double(index) / (info.averageFrameRate ?? 25)
        report.framesReturned += 1
        try body(DecodedFrame(index: index, time: time, pts: pts, pixels: pixels,
                              width: options.width, height: options.height))
    }

    /// The presentation-order index of the frame just decoded.
    private func frameIndex(default fallback: Int) -> Int {
        let pts = frame!.pointee.best_effort_timestamp
        if scan.timestampsUsable, let index = scan.indexOfPTS[pts] { return index }
        return fallback
    }

    private func seek(toFrame index: Int) throws {
        let target = scan.presentationPTS[index]
        let result = av_seek_frame(format, streamIndex, target, AVSEEK_FLAG_BACKWARD)
        guard result >= 0 else {
            throw MediaError.decodeFailed(path: path, reason: "seek to frame \(index) failed: \(ffmpegErrorText(result))")
        }
        avcodec_flush_buffers(codec)
        draining = false
        report.seeks += 1
    }

    /// Pulls the next decoded frame into `frame`; false at the end of the stream.
    /// Corrupt packets are counted and skipped, as FFmpeg's own tools do.
    private func receiveFrame() throws -> Bool {
        while true {
            let received = avcodec_receive_frame(codec, frame)
            if received >= 0 { return true }
            if received == vimo_averror_eof() { return false }
            if received != vimo_averror_eagain() {
                // A damaged picture: note it and keep going, unless nothing more can come.
                report.corruptPackets += 1
                if draining { return false }
                continue
            }
            if draining { return false }
            let read = av_read_frame(format, packet)
            if read < 0 {
                if read != vimo_averror_eof() { report.truncated = true }
                draining = true
                _ = avcodec_send_packet(codec, nil)
                continue
            }
            defer { av_packet_unref(packet) }
            guard packet!.pointee.stream_index == streamIndex else { continue }
            let sent = avcodec_send_packet(codec, packet)
            if sent < 0 && sent != vimo_averror_eagain() { report.corruptPackets += 1 }
        }
    }
}
