import Foundation
import Store
import TestSupport

/// Decode and flow folders whose every value says which video, row and pixel it is, so a test can tell
/// which rows a clip was built from.
enum ClipFixtures {
    /// Frame byte of video `video`, frame `f`, pixel (y, x), channel c.
    static func pixel(video: Int, frame f: Int, y: Int, x: Int, c: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: 53 * video + 37 * f + 5 * y + 3 * x + 11 * c)
    }

    /// Flow of field `f` at (y, x): u grows to the right, v downward, both shifted by the field number (halves are exact).
    static func flow(video: Int, field f: Int, y: Int, x: Int) -> (u: Float, v: Float) {
        (Float(x) * 0.5 - 3 + Float(f) * 0.25 + Float(video), Float(y) * 0.25 - Float(f) * 0.5)
    }

    static func frames(video: Int, count: Int, width: Int, height: Int) -> [UInt8] {
        var out: [UInt8] = []
        for f in 0..<count { for y in 0..<height { for x in 0..<width { for c in 0..<3 { out.append(pixel(video: video, frame: f, y: y, x: x, c: c)) } } } }
        return out
    }

    static func fields(video: Int, count: Int, width: Int, height: Int) -> [Float] {
        var out: [Float] = []
        for f in 0..<count {
            for y in 0..<height { for x in 0..<width { out.append(flow(video: video, field: f, y: y, x: x).u) } }
            for y in 0..<height { for x in 0..<width { out.append(flow(video: video, field: f, y: y, x: x).v) } }
        }
        return out
    }

    /// `videos` (id, frame count) as a decode folder and a flow folder (N − 1 fields each; `flowCounts` overrides),
    /// `videosPerShard` videos in each shard file (all in one when nil).
    static func write(to root: URL, videos: [(String, Int)], width: Int, height: Int,
                      flowCounts: [String: Int] = [:], videosPerShard: Int? = nil) throws -> (frames: URL, flow: URL) {
        let frames = root.appendingPathComponent("frames"), flow = root.appendingPathComponent("flow")
        let perShard = videosPerShard ?? max(1, videos.count)
        for start in stride(from: 0, to: videos.count, by: perShard) {
            let worker = "w\(start / perShard)"
            let decode = try ShardWriter(directory: frames, worker: worker, metadata: ShardMetadata(stage: "decode", fingerprint: "f", params: "{}"),
                                         payload: .frames(height: height, width: width, channels: 3))
            let fields = try ShardWriter(directory: flow, worker: worker, metadata: ShardMetadata(stage: "flow", fingerprint: "g", params: "{}"),
                                         payload: .flow(height: height, width: width))
            for v in start..<min(start + perShard, videos.count) {
                let (id, count) = videos[v]
                try decode.append(item: id, source: "s\(v)", frameIndex: (0..<count).map(Int32.init),
                                  frames: Self.frames(video: v, count: count, width: width, height: height))
                let pairs = flowCounts[id] ?? max(0, count - 1)
                try fields.append(item: id, source: "t\(v)", frameIndex: (0..<pairs).map(Int32.init),
                                  flow: Self.fields(video: v, count: pairs, width: width, height: height))
            }
            _ = try decode.commit()
            _ = try fields.commit()
        }
        return (frames, flow)
    }
}
