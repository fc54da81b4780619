import Foundation
import Store

/// One video's sampled rows as the cache stores them, in the order of `indices` (repeats included).
public struct VideoRows: Sendable {
    /// The video id.
    public var video: String
    /// The sampled indices: decode row s and flow field s (from frame s to s + 1) for each s.
    public var indices: [Int]
    /// Cache frame and flow height.
    public var height: Int
    /// Cache frame and flow width.
    public var width: Int
    /// RGB frames `indices.count × height × width × 3` (uint8), or empty when the modality needs none.
    public var frames: [UInt8]
    /// Flow fields `indices.count × 2 × height × width` (u plane, then v plane; float16 as stored), or empty.
    public var flow: [Float16]

    public init(video: String, indices: [Int], height: Int, width: Int, frames: [UInt8], flow: [Float16]) {
        self.video = video
        self.indices = indices
        self.height = height
        self.width = width
        self.frames = frames
        self.flow = flow
    }
}

/// A decode folder and, for flow clips, the flow folder computed from it: reads only the rows a clip needs.
///
/// Both folders are indexed once (`ShardIndex`: item tables only). A clip's rows are read as the runs of
/// consecutive distinct indices it contains, one read per run. Under the `raw` profile a run reads exactly its
/// rows (one row a chunk); otherwise it decompresses the zstd chunks that hold them (`exact`: 16 frames a chunk;
/// both profiles: 4 flow fields; `compact` frames are one JPEG each), and the reader keeps its last partly read
/// chunk decoded, so the next run in the same chunk costs no decompression. Readers stay open and are shared;
/// all reads may run from several threads at once (chunks are fetched under the HDF5 lock and decompressed
/// outside it).
public final class ClipSource: @unchecked Sendable {
    /// The decode folder's index.
    public let frames: ShardIndex
    /// The flow folder's index, nil when only RGB is read.
    public let flow: ShardIndex?
    /// Cache frame height (decode and flow shards agree).
    public let height: Int
    /// Cache frame width.
    public let width: Int

    private let lock = NSLock()
    private var readers: [URL: ShardReader] = [:]
    /// The open readers, least recently used first.
    private var recent: [URL] = []
    /// Shard files kept open at once: each open HDF5 file holds ~25 MB (measured: bench/RESULTS.md, issue 15 (b)), and
    /// Animal Kingdom's cache has hundreds of shards; a reader in use elsewhere stays alive until that read ends.
    public static let openShards = 16

    /// Indexes `frames` (vimo-decode output) and `flow` (vimo-flow output over the same frames), and checks
    /// that the first shard of each holds RGB frames / flow fields of one size. Throws `ClipError.unusableFolder`
    /// (or the store's error) naming the folder.
    public init(frames: URL, flow: URL?) throws {
        let frameIndex = try ShardIndex.build(directory: frames)
        guard let first = frameIndex.shards.first else {
            throw ClipError.unusableFolder("\(frames.path) holds no readable decode shard"
                                           + (frameIndex.problems.first.map { " (\($0.localizedDescription))" } ?? ""))
        }
        let firstReader = try ShardReader(url: first)
        guard case .frames(let h, let w, 3) = firstReader.payload else {
            throw ClipError.unusableFolder("\(first.path) does not hold RGB frames (a vimo-decode folder is expected)")
        }
        self.frames = frameIndex
        height = h
        width = w
        readers[first] = firstReader
        recent = [first]
        if let flow {
            let flowIndex = try ShardIndex.build(directory: flow)
            guard let firstFlow = flowIndex.shards.first else {
                throw ClipError.unusableFolder("\(flow.path) holds no readable flow shard"
                                               + (flowIndex.problems.first.map { " (\($0.localizedDescription))" } ?? ""))
            }
            let flowReader = try ShardReader(url: firstFlow)
            guard case .flow(let fh, let fw) = flowReader.payload else {
                throw ClipError.unusableFolder("\(firstFlow.path) does not hold flow fields (a vimo-flow folder is expected)")
            }
            guard fh == h, fw == w else {
                throw ClipError.unusableFolder("\(firstFlow.path) holds \(fw)×\(fh) flow but \(first.path) \(w)×\(h) frames: "
                                               + "the flow folder was not computed from this decode folder")
            }
            readers[firstFlow] = flowReader
            recent.append(firstFlow)
            self.flow = flowIndex
        } else {
            self.flow = nil
        }
    }

    /// The decode folder's videos, sorted.
    public var videos: [String] { frames.items }

    /// N: decoded frames of `video`.
    public func frameCount(of video: String) throws -> Int {
        guard let entry = frames[video] else { throw ClipError.missing(video: video, folder: frames.directory.path) }
        return entry.rows.count
    }

    /// The labels the decode shards keep for `video` (multi-hot over the dataset's classes), nil when they keep none.
    public func labels(of video: String) throws -> [UInt8]? {
        guard let entry = frames[video] else { throw ClipError.missing(video: video, folder: frames.directory.path) }
        let reader = try self.reader(entry.shard)
        return reader.labelCount == nil ? nil : try reader.labels(item: entry.position)
    }

    /// The rows of `video` at `indices` that `modality` needs: decode rows for RGB, flow fields for flow. Indices
    /// must lie in [0, L) (`Modality.indexCount`); the flow folder must hold N − 1 fields for the video.
    public func read(video: String, indices: [Int], modality: Modality) throws -> VideoRows {
        guard let entry = frames[video] else { throw ClipError.missing(video: video, folder: frames.directory.path) }
        let count = try modality.indexCount(frames: entry.rows.count, video: video)
        guard indices.allSatisfy({ (0..<count).contains($0) }) else {
            throw ClipError.badRows(video: video, detail: "indices \(indices) outside 0..<\(count)")
        }
        var rows = VideoRows(video: video, indices: indices, height: height, width: width, frames: [], flow: [])
        if modality.needsFrames {
            rows.frames = try gather(indices, rowSize: height * width * 3, entry: entry) { reader, range in
                try reader.readFrames(rows: range)
            }
        }
        if modality.needsFlow {
            guard let flow else {
                throw ClipError.unusableFolder("\(modality) clips need a flow folder; this source was opened without one")
            }
            guard let flowEntry = flow[video] else { throw ClipError.missing(video: video, folder: flow.directory.path) }
            guard flowEntry.rows.count == entry.rows.count - 1 else {
                throw ClipError.flowCountMismatch(video: video, frames: entry.rows.count, fields: flowEntry.rows.count,
                                                  folder: flow.directory.path)
            }
            rows.flow = try gather(indices, rowSize: 2 * height * width, entry: flowEntry) { reader, range in
                try reader.readFlowHalf(rows: range)
            }
        }
        return rows
    }

    /// Reads the distinct indices as runs of consecutive rows, then lays the rows out in `indices` order.
    private func gather<T>(_ indices: [Int], rowSize: Int, entry: ShardIndex.Entry,
                           read: (ShardReader, Range<Int>) throws -> [T]) throws -> [T] {
        let reader = try self.reader(entry.shard)
        let distinct = Array(Set(indices)).sorted()
        var position: [Int: Int] = [:]
        var stored: [T] = []
        stored.reserveCapacity(distinct.count * rowSize)
        var start = 0
        while start < distinct.count {
            var end = start + 1
            while end < distinct.count, distinct[end] == distinct[end - 1] + 1 { end += 1 }
            let first = entry.rows.lowerBound + distinct[start]
            let values = try read(reader, first..<(first + end - start))
            guard values.count == (end - start) * rowSize else {
                throw ClipError.unusableFolder("\(entry.shard.path): rows \(first)..<\(first + end - start) hold \(values.count) values, "
                                               + "expected \((end - start) * rowSize) (frames and flow of different sizes in one folder?)")
            }
            for (offset, index) in distinct[start..<end].enumerated() { position[index] = (stored.count / rowSize) + offset }
            stored += values
            start = end
        }
        if distinct == indices { return stored }
        var out: [T] = []
        out.reserveCapacity(indices.count * rowSize)
        for index in indices {
            guard let p = position[index] else { continue }
            out += stored[(p * rowSize)..<((p + 1) * rowSize)]
        }
        return out
    }

    private func reader(_ url: URL) throws -> ShardReader {
        lock.lock()
        defer { lock.unlock() }
        if let reader = readers[url] {
            if recent.last != url, let index = recent.firstIndex(of: url) { recent.append(recent.remove(at: index)) }
            return reader
        }
        let reader = try ShardReader(url: url)
        readers[url] = reader
        recent.append(url)
        while recent.count > Self.openShards { readers[recent.removeFirst()] = nil }
        return reader
    }

    /// Shard files this source holds open now (at most `openShards`).
    public var openShardCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return readers.count
    }
}
