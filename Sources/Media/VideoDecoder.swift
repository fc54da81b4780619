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
    /// Turn frames upright as the stream's display matrix says, before resizing, as the
    /// ffmpeg tool does by default (off = frames as coded, like `ffmpeg -noautorotate`).
    public var autorotate = true

    /// Options with the given values; the defaults are what vimo caches.
    public init(width: Int = 224, height: Int = 224, threads: Int = 1, allowSeeking: Bool = true,
                autorotate: Bool = true) {
        self.width = width
        self.height = height
        self.threads = threads
        self.allowSeeking = allowSeeking
        self.autorotate = autorotate
    }
}

/// Decodes one video file (or one folder of numbered images, see `ImageSequence`)
/// with FFmpeg and hands back frames resized to RGB24.
///
/// Frame indices are ranks in presentation order, established by a demux-only
/// scan, so a sparse selection (which seeks) yields exactly the frames and
/// pixels that decoding everything would. For an image sequence the index of a
/// frame is its file number instead (the rank plus the first file's number).
///
/// Frames come out as the ffmpeg tool shows them: a stream whose display matrix
/// asks for a quarter or half turn (or a mirror) is turned upright before resizing,
/// unless `DecodeOptions.autorotate` is off. Angles that are not quarter turns are
/// not applied (the CLI resamples those with its `rotate` filter).
public final class VideoDecoder {
    /// The file being decoded (the folder, for an image sequence).
    public let path: String
    /// Stream facts.
    public private(set) var info: VideoInfo
    /// The options this decoder was opened with.
    public let options: DecodeOptions

    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private let streamIndex: Int32
    private let scan: PacketScan
    private let scaler: FrameScaler
    private let timeBase: AVRational
    private let rotator: FrameRotator?
    /// Added to presentation ranks to give frame indices (an image sequence's first file number).
    private let indexOffset: Int
    private var draining = false
    private var report = DecodeReport()

    /// Opens `url` and prepares its best video stream for decoding.
    public convenience init(url: URL, options: DecodeOptions = DecodeOptions()) throws {
        try self.init(input: .file(url.path), indexOffset: 0, knownFrameCount: nil, options: options)
    }

    /// Opens `input`. `knownFrameCount` (image sequences: one packet per file, stamped
    /// 0, 1, 2, …) replaces the demux-only scan.
    init(input: MediaInput, indexOffset: Int, knownFrameCount: Int?, options: DecodeOptions) throws {
        path = input.displayPath
        self.options = options
        self.indexOffset = indexOffset
        var formatContext: UnsafeMutablePointer<AVFormatContext>? = try input.open()
        guard let format = formatContext else { throw MediaError.unreadable(path: path, reason: "no demuxer context") }
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
        guard let streamPointer = format.pointee.streams[Int(found)] else { throw MediaError.noVideoStream(path: path) }
        let stream = streamPointer.pointee

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

        let scan = try knownFrameCount.map(PacketScan.consecutive(count:))
            ?? PacketScan.run(input: input, streamIndex: found)
        let rate = stream.avg_frame_rate.den > 0 && stream.avg_frame_rate.num > 0
            ? Double(stream.avg_frame_rate.num) / Double(stream.avg_frame_rate.den) : nil
        let rotation = DisplayRotation.of(stream: streamPointer)
        let orientation = options.autorotate ? rotation.orientation ?? .upright : .upright
        let shown = orientation.displayedSize(width: Int(codec.pointee.width), height: Int(codec.pointee.height))
        info = VideoInfo(
            width: shown.width, height: shown.height,
            codec: String(cString: avcodec_get_name(stream.codecpar.pointee.codec_id)),
            frameCount: scan.packetCount, averageFrameRate: rate,
            timeBase: Double(stream.time_base.num) / Double(max(1, stream.time_base.den)),
            hasTimestamps: scan.timestampsUsable, rotation: Int(rotation.degrees))
        rotator = orientation.isUpright ? nil : FrameRotator(orientation: orientation)
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

    /// The frame indices `selection` resolves to for this video. For an image sequence,
    /// `.indices` names file numbers, and the result is file numbers too.
    public func plannedIndices(_ selection: FrameSelection) -> [Int] {
        plannedRanks(selection).map { $0 + indexOffset }
    }

    /// The presentation ranks `selection` resolves to.
    private func plannedRanks(_ selection: FrameSelection) -> [Int] {
        if case .indices(let list) = selection, indexOffset != 0 {
            let ranks = list.filter { $0 >= indexOffset }.map { $0 - indexOffset }
            return FrameSelection.indices(ranks).indices(timestamps: frameTimes)
        }
        return selection.indices(timestamps: frameTimes)
    }

    /// Decodes the frames `selection` names, in ascending index order, calling `body` for each.
    /// A decoder is single-use: call this once.
    @discardableResult
    public func decode(_ selection: FrameSelection, _ body: (DecodedFrame) throws -> Void) throws -> DecodeReport {
        report = DecodeReport()
        if case .all = selection {
            try decodeForward(targets: nil, body)
        } else {
            let targets = plannedRanks(selection)
            if !targets.isEmpty { try decodeForward(targets: targets, body) }
        }
        report.missingIndices = report.missingIndices.map { $0 + indexOffset }
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
        guard let decoded = frame else { throw MediaError.decodeFailed(path: path, reason: "no frame buffer") }
        let upright = try rotator?.apply(decoded, path: path) ?? decoded
        var pixels = [UInt8](repeating: 0, count: options.width * options.height * 3)
        try pixels.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            try scaler.scale(upright, into: base, path: path)
        }
        let raw = decoded.pointee.best_effort_timestamp
        let pts: Int64? = raw == vimo_av_nopts_value() ? nil : raw
        let time = pts.map { Double($0) * info.timeBase }
            ?? Double(index) / (info.averageFrameRate ?? 25)
        report.framesReturned += 1
        try body(DecodedFrame(index: index + indexOffset, time: time, pts: pts, pixels: pixels,
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
