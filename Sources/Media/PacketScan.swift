import CFFmpeg

/// What a demux-only pass over a video stream tells without decoding: how many
/// frames there are, their presentation timestamps and where the key frames sit.
/// Frame indices everywhere in Media are ranks in presentation order, so the
/// scan is what makes sparse (seeking) decoding agree with decoding everything.
struct PacketScan {
    /// Presentation timestamps (stream time base) in presentation order, when every packet had one.
    var presentationPTS: [Int64] = []
    /// Frame index of each key frame, ascending.
    var keyframeIndices: [Int] = []
    /// Packets seen for the stream (≈ frames, even when timestamps are missing).
    var packetCount = 0
    /// True when every packet had a distinct pts: frame index ↔ pts is then a bijection.
    var timestampsUsable = false
    /// pts → frame index.
    var indexOfPTS: [Int64: Int] = [:]

    /// Reads every packet of stream `streamIndex` of the opened file `path`.
    static func run(path: String, streamIndex: Int32) throws -> PacketScan {
        _ = silenceFFmpegLog
        var format: UnsafeMutablePointer<AVFormatContext>?
        let opened = avformat_open_input(&format, path, nil, nil)
        guard opened >= 0, format != nil else {
            throw MediaError.unreadable(path: path, reason: ffmpegErrorText(opened))
        }
        defer { avformat_close_input(&format) }
        for i in 0..<Int(format!.pointee.nb_streams) where Int32(i) != streamIndex {
            format!.pointee.streams[i]!.pointee.discard = AVDISCARD_ALL
        }
        var packet = av_packet_alloc()
        defer { av_packet_free(&packet) }
        let noPTS = vimo_av_nopts_value()
        var ptsList: [Int64] = []
        var keyPTS: [Int64] = []
        var missing = false
        var scan = PacketScan()
        while av_read_frame(format, packet) >= 0 {
            defer { av_packet_unref(packet) }
            guard packet!.pointee.stream_index == streamIndex else { continue }
            scan.packetCount += 1
            let pts = packet!.pointee.pts
            if pts == noPTS { missing = true; continue }
            ptsList.append(pts)
            if packet!.pointee.flags & AV_PKT_FLAG_KEY != 0 { keyPTS.append(pts) }
        }
        let sorted = ptsList.sorted()
        let distinct = zip(sorted, sorted.dropFirst()).allSatisfy { $0 < $1 }
        if !missing && distinct && !sorted.isEmpty {
            scan.timestampsUsable = true
            scan.presentationPTS = sorted
            for (i, p) in sorted.enumerated() { scan.indexOfPTS[p] = i }
            scan.keyframeIndices = keyPTS.compactMap { scan.indexOfPTS[$0] }.sorted()
        }
        return scan
    }

    /// The last key frame at or before frame `index`, if any.
    func keyframe(atOrBefore index: Int) -> Int? {
        var lo = 0, hi = keyframeIndices.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if keyframeIndices[mid] <= index { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? nil : keyframeIndices[lo - 1]
    }
}
