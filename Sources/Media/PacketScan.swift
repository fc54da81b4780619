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

    /// Reads every packet of stream `streamIndex` of `input`, opened afresh.
    static func run(input: MediaInput, streamIndex: Int32) throws -> PacketScan {
        var format: UnsafeMutablePointer<AVFormatContext>? = try input.open()
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

    /// What the scan of a stream of `count` key frames stamped 0, 1, 2, … finds, without
    /// reading it: FFmpeg's image2 demuxer gives one such packet per file, so an image
    /// sequence needs no second pass over its files.
    static func consecutive(count: Int) -> PacketScan {
        var scan = PacketScan()
        scan.packetCount = count
        scan.timestampsUsable = count > 0
        scan.presentationPTS = (0..<Int64(count)).map { $0 }
        scan.keyframeIndices = Array(0..<count)
        for i in 0..<count { scan.indexOfPTS[Int64(i)] = i }
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
