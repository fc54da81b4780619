import CHDF5
import Foundation

/// Reads a committed shard, whether this library or h5py wrote it (same schema).
///
/// The item table and attributes are read at `init`; payload rows are read on demand by row
/// range, so a reader of a large shard stays small. The file stays open until the reader goes.
/// Every read takes the process-wide HDF5 lock, so one reader may be shared between threads.
public final class ShardReader: @unchecked Sendable {
    /// The shard file.
    public let url: URL
    /// Item ids, in the order they were written.
    public let items: [String]
    /// Rows of item i are `offsets[i]..<offsets[i+1]`; `items.count + 1` entries.
    public let offsets: [Int]
    /// Source digest of each item.
    public let sources: [String]
    /// The `schema`, `stage`, `fingerprint` and `params` attributes.
    public let metadata: ShardMetadata
    /// The `committed_at` attribute (ISO-8601 UTC), nil when the writer did not set one.
    public let committedAt: String?
    /// The payload kind and row shape, found from the dataset present.
    public let payload: Payload
    /// Columns of the `labels` dataset, nil when the shard has none.
    public let labelCount: Int?
    /// A `compact` shard's frames: where each row's JPEG blob ends in `frames_jpeg` (N + 1 entries from 0);
    /// nil when the frames (or whatever the payload is) are stored as they are.
    let jpegOffsets: [Int]?

    /// Whether the frames are stored as JPEG blobs (the `compact` profile); `readFrames` decodes them.
    public var framesAreJPEG: Bool { jpegOffsets != nil }

    /// Total rows (N).
    public var rowCount: Int { offsets.last ?? 0 }

    /// The open file (internal: `ShardCheck` reads through it).
    let file: HDF5File
    private let positions: [String: Int]
    /// The payload dataset kept open with a chunk cache of two chunks, when its chunks hold several rows
    /// (the `exact` profile's 16 frames or 4 fields): reading them one row at a time then decompresses
    /// each chunk once, not once per row. Nil for one-row chunks (nothing to reuse).
    private let cachedPayload: hid_t?
    /// Reads `cachedPayload`'s chunks around HDF5's pipeline when they are shuffle → zstd → checksum ones
    /// (the `exact` profile's, decompressed outside the HDF5 lock, several at once); nil otherwise.
    let zstdPayload: ZstdChunkReader?

    /// Opens `url` and reads its item table and attributes. Throws `StoreError` naming the file
    /// when it cannot be opened or does not follow the schema.
    public init(url: URL) throws {
        self.url = url
        let path = url.path
        (file, items, offsets, sources, metadata, committedAt, payload, labelCount, jpegOffsets) = try HDF5.serialized {
            let file = try HDF5File.openReadOnly(path: path)
            do {
                let summary = try ShardSummary.read(from: file)
                let (payload, jpegOffsets) = try Self.findPayload(in: file, rowCount: summary.rowCount)
                try Self.checkFrameIndex(in: file, rowCount: summary.rowCount)
                let labelCount = try Self.findLabelCount(in: file, itemCount: summary.items.count)
                return (file, summary.items, summary.offsets, summary.sources, summary.metadata, summary.committedAt, payload, labelCount,
                        jpegOffsets)
            } catch {
                try? file.close()
                throw error
            }
        }
        positions = Dictionary(items.enumerated().map { ($1, $0) }, uniquingKeysWith: { _, last in last })
        let jpeg = jpegOffsets != nil
        let (file, name, rowBytes) = (self.file, jpeg ? JPEGLayout.blobs : self.payload.datasetName, jpeg ? 1 : self.payload.rowByteCount)
        let payload = self.payload
        (cachedPayload, zstdPayload) = HDF5.serialized {
            let cached = Self.openWithChunkCache(file: file, name: name, rowBytes: rowBytes)
            guard let cached, !jpeg, let name, let memoryType = try? Self.memoryType(of: payload, path: path) else { return (cached, nil) }
            defer { if memoryType.owned { H5Tclose(memoryType.id) } }
            return (cached, ZstdChunkReader.make(dataset: cached, path: path, name: name, memoryType: memoryType.id))
        }
    }

    /// The type `payload`'s rows are read in (the flow half type is made for the call: `owned`). Under the lock.
    private static func memoryType(of payload: Payload, path: String) throws -> (id: hid_t, owned: Bool)? {
        switch payload {
        case .frames: return (vimo_h5t_native_uint8(), false)
        case .flow: return (try HDF5Types.float16(path: path), true)
        case .embeddings, .scores: return (vimo_h5t_native_float(), false)
        case .none: return nil
        }
    }

    deinit {
        HDF5.serialized {
            if let cachedPayload { H5Dclose(cachedPayload) }
            _ = try? file.close()
        }
    }

    /// Opens the payload dataset with room for two of its chunks in HDF5's chunk cache, when a chunk holds
    /// more than one row; nil otherwise, or when anything fails (reads then open the dataset each time).
    /// Under the lock.
    private static func openWithChunkCache(file: HDF5File, name: String?, rowBytes: Int) -> hid_t? {
        guard let name else { return nil }
        // try? flattens the optional: nil when the dataset cannot be read or is not chunked.
        guard let rows = try? file.withDataset(name, { try HDF5File.rowsPerChunk(ofDataset: $0, path: file.path, name: name) }),
              rows > 1 else {
            _ = HDF5.takeErrorMessage()
            return nil
        }
        guard let access = try? HDF5.check(H5Pcreate(vimo_h5p_dataset_access()), path: file.path, "H5Pcreate(DATASET_ACCESS)") else {
            return nil
        }
        defer { H5Pclose(access) }
        let chunkBytes = rows * rowBytes
        guard H5Pset_chunk_cache(access, 521, max(1 << 20, 2 * chunkBytes), 1.0) >= 0 else {
            _ = HDF5.takeErrorMessage()
            return nil
        }
        let dataset = H5Dopen2(file.id, name, access)
        guard dataset >= 0 else {
            _ = HDF5.takeErrorMessage()
            return nil
        }
        return dataset
    }

    /// The position of `item` in `items`, nil when the shard does not hold it.
    public func position(ofItem item: String) -> Int? {
        positions[item]
    }

    /// The rows of the item at `position`. `position` must be below `items.count`.
    public func rows(ofItem position: Int) -> Range<Int> {
        precondition(items.indices.contains(position), "item position \(position) out of range 0..<\(items.count)")
        return offsets[position]..<offsets[position + 1]
    }

    /// The source frame number of each row in `rows`.
    public func frameIndex(rows: Range<Int>) throws -> [Int32] {
        try checkRows(rows)
        return try read(Int32.self, dataset: "frame_index", rows: rows, rowShape: [], memoryType: { vimo_h5t_native_int32() })
    }

    /// Frames of `rows`, uint8 row-major (rows.count × H × W × C).
    /// A `compact` shard's JPEG frames come back decoded (libjpeg-turbo, several frames at once on all cores).
    public func readFrames(rows: Range<Int>) throws -> [UInt8] {
        guard case .frames(let height, let width, let channels) = payload else { throw payloadMismatch("frames") }
        try checkRows(rows)
        guard jpegOffsets != nil else {
            return try read(UInt8.self, dataset: "frames", rows: rows, rowShape: payload.rowShape, memoryType: { vimo_h5t_native_uint8() })
        }
        let (blobs, ends) = try readJPEG(rows: rows)
        let frameBytes = payload.rowByteCount, path = url.path
        guard !rows.isEmpty else { return [] }
        return try [UInt8](unsafeUninitializedCapacity: rows.count * frameBytes) { output, initialised in
            guard let base = output.baseAddress else { return }
            let failures = FirstFailure()
            blobs.withUnsafeBytes { all in
                // Frames decode independently; a few per task keeps the dispatch cost small next to ~0.3 ms a frame.
                let perTask = 4, tasks = (rows.count + perTask - 1) / perTask
                DispatchQueue.concurrentPerform(iterations: tasks) { task in
                    for k in (task * perTask)..<min(rows.count, (task + 1) * perTask) {
                        let start = k == 0 ? 0 : ends[k - 1]
                        do {
                            try JPEGCodec.decode(UnsafeRawBufferPointer(rebasing: all[start..<ends[k]]), width: width, height: height,
                                                 channels: channels, into: base + k * frameBytes, path: path, row: rows.lowerBound + k)
                        } catch {
                            failures.record(error, at: k)
                        }
                    }
                }
            }
            if let error = failures.first { throw error }
            initialised = rows.count * frameBytes
        }
    }

    /// The JPEG blobs of `rows` of a `compact` shard, back to back, and where each ends in them.
    func readJPEG(rows: Range<Int>) throws -> (blobs: [UInt8], ends: [Int]) {
        guard let jpegOffsets else { throw payloadMismatch("JPEG frames") }
        try checkRows(rows)
        let first = jpegOffsets[rows.lowerBound], bytes = jpegOffsets[rows.upperBound] - first
        let blobs = try read(UInt8.self, dataset: JPEGLayout.blobs, rows: first..<(first + bytes), rowShape: [],
                             memoryType: { vimo_h5t_native_uint8() })
        return (blobs, rows.map { jpegOffsets[$0 + 1] - first })
    }

    /// Flow fields of `rows` as stored (rows.count × 2 × H × W half floats).
    public func readFlowHalf(rows: Range<Int>) throws -> [Float16] {
        guard case .flow = payload else { throw payloadMismatch("flow") }
        try checkRows(rows)
        // Read the raw half bits with the file's own half type: no HDF5 float conversion involved.
        let path = url.path
        let half = try HDF5.serialized { try HDF5Types.float16(path: path) }
        defer { HDF5.serialized { _ = H5Tclose(half) } }
        return try read(Float16.self, dataset: "flow", rows: rows, rowShape: payload.rowShape, memoryType: { half })
    }

    /// Flow fields of `rows` widened to float32 (exact: every half is a float).
    public func readFlow(rows: Range<Int>) throws -> [Float] {
        HalfWidening.widen(try readFlowHalf(rows: rows))
    }

    /// Embeddings of `rows`, float32 row-major (rows.count × D).
    public func readEmbeddings(rows: Range<Int>) throws -> [Float] {
        guard case .embeddings = payload else { throw payloadMismatch("embeddings") }
        try checkRows(rows)
        return try read(Float.self, dataset: "embeddings", rows: rows, rowShape: payload.rowShape, memoryType: { vimo_h5t_native_float() })
    }

    /// Class scores of `rows`, float32 row-major (rows.count × K): a `scores` shard's, or one written before
    /// scores had their own dataset name, which held them as `embeddings` (one row per video, with as many
    /// labels as scores: `scoreClasses`).
    public func readScores(rows: Range<Int>) throws -> [Float] {
        guard scoreClasses != nil, let name = payload.datasetName else { throw payloadMismatch("scores") }
        try checkRows(rows)
        return try read(Float.self, dataset: name, rows: rows, rowShape: payload.rowShape, memoryType: { vimo_h5t_native_float() })
    }

    /// The class count of a scores shard: K of a `scores` dataset, or of an old `embeddings` one whose rows
    /// are as wide as its labels (V, K); nil for any other shard.
    public var scoreClasses: Int? {
        switch payload {
        case .scores(let classes): return classes
        case .embeddings(let dim) where labelCount == dim: return dim
        default: return nil
        }
    }

    /// The multi-hot labels of the item at `position` (`labelCount` values).
    public func labels(item position: Int) throws -> [UInt8] {
        guard let labelCount else {
            throw StoreError.payloadMismatch(path: url.path, requested: "labels", stored: "no labels dataset")
        }
        guard items.indices.contains(position) else {
            throw StoreError.outOfRange(path: url.path, what: "item position", requested: "\(position)", available: items.count)
        }
        return try read(UInt8.self, dataset: "labels", rows: position..<(position + 1), rowShape: [labelCount],
                        memoryType: { vimo_h5t_native_uint8() })
    }

    /// Reads `rows` of a (N, rowShape…) dataset into a new array of `T`.
    private func read<T>(_: T.Type, dataset: String, rows: Range<Int>, rowShape: [Int], memoryType: @escaping () -> hid_t) throws -> [T] {
        let count = rows.count * rowShape.reduce(1, *)
        guard count > 0 else { return [] }
        let isPayload = dataset == (jpegOffsets == nil ? payload.datasetName : JPEGLayout.blobs)
        return try [T](unsafeUninitializedCapacity: count) { buffer, initialised in
            if isPayload, let zstdPayload, let cachedPayload, MemoryLayout<T>.size == zstdPayload.elementSize,
               zstdPayload.read(dataset: cachedPayload, rows: rows, into: buffer.baseAddress!) {
                initialised = count
                return
            }
            // readRows takes the HDF5 lock for its HDF5 calls only: checksums are compared outside it.
            try file.readRows(dataset, rows: rows, rowShape: rowShape, memoryType: memoryType, into: buffer.baseAddress!,
                              open: isPayload ? cachedPayload : nil)
            initialised = count
        }
    }

    private func checkRows(_ rows: Range<Int>) throws {
        guard rows.lowerBound >= 0, rows.upperBound <= rowCount else {
            throw StoreError.outOfRange(path: url.path, what: "rows", requested: "\(rows)", available: rowCount)
        }
    }

    private func payloadMismatch(_ requested: String) -> StoreError {
        StoreError.payloadMismatch(path: url.path, requested: requested, stored: payload.summary)
    }
}

extension ShardReader {
    /// Finds which payload dataset the shard holds and checks its type and row count.
    fileprivate static func findPayload(in file: HDF5File, rowCount: Int) throws -> (Payload, jpegOffsets: [Int]?) {
        let kinds: [(name: String, typeClass: H5T_class_t, size: Int)] = [
            ("frames", H5T_INTEGER, 1), ("flow", H5T_FLOAT, 2), ("embeddings", H5T_FLOAT, 4), ("scores", H5T_FLOAT, 4),
        ]
        var found: [Payload] = []
        for kind in kinds {
            guard try file.exists(kind.name) else { continue }
            let (dims, info) = try file.withDataset(kind.name) { dataset in
                (try HDF5File.shape(ofDataset: dataset, path: file.path, name: kind.name),
                 try HDF5File.typeInfo(ofDataset: dataset, path: file.path, name: kind.name))
            }
            guard info.class == kind.typeClass, info.size == kind.size else {
                throw StoreError.schemaMismatch(path: file.path, detail: "dataset '\(kind.name)' has the wrong element type")
            }
            guard dims.first == rowCount else {
                throw StoreError.schemaMismatch(path: file.path, detail: "dataset '\(kind.name)' has shape \(dims) but offsets say \(rowCount) rows")
            }
            switch (kind.name, dims.count) {
            case ("frames", 4): found.append(.frames(height: dims[1], width: dims[2], channels: dims[3]))
            case ("flow", 4) where dims[1] == 2: found.append(.flow(height: dims[2], width: dims[3]))
            case ("embeddings", 2): found.append(.embeddings(dim: dims[1]))
            case ("scores", 2): found.append(.scores(classes: dims[1]))
            default:
                throw StoreError.schemaMismatch(path: file.path, detail: "dataset '\(kind.name)' has shape \(dims)")
            }
        }
        var jpegOffsets: [Int]?
        if try file.exists(JPEGLayout.blobs) {
            let (frame, ends) = try findJPEGFrames(in: file, rowCount: rowCount)
            found.append(frame)
            jpegOffsets = ends
        }
        guard found.count <= 1 else {
            throw StoreError.schemaMismatch(path: file.path, detail: "more than one payload dataset")
        }
        return (found.first ?? .none, jpegOffsets)
    }

    /// A `compact` shard's frames: their shape, and the blob offsets checked against the rows and the blob dataset.
    fileprivate static func findJPEGFrames(in file: HDF5File, rowCount: Int) throws -> (Payload, [Int]) {
        for name in [JPEGLayout.offsets, JPEGLayout.shape] where !(try file.exists(name)) {
            throw StoreError.schemaMismatch(path: file.path, detail: "'\(JPEGLayout.blobs)' without '\(name)'")
        }
        let bytes = try file.shape(of: JPEGLayout.blobs)
        let (_, shape) = try file.readNumbers(JPEGLayout.shape, as: Int64.self, memoryType: vimo_h5t_native_int64())
        let (dims, ends) = try file.readNumbers(JPEGLayout.offsets, as: Int64.self, memoryType: vimo_h5t_native_int64())
        guard shape.count == 3, shape.allSatisfy({ $0 > 0 }), [1, 3].contains(shape[2]) else {
            throw StoreError.schemaMismatch(path: file.path, detail: "'\(JPEGLayout.shape)' is \(shape), not (height, width, 1 or 3 channels)")
        }
        guard bytes.count == 1, dims == [rowCount + 1], ends.first == 0, ends.last == Int64(bytes[0]),
              zip(ends, ends.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw StoreError.schemaMismatch(path: file.path, detail: "'\(JPEGLayout.offsets)' (\(dims) entries) does not describe \(rowCount) "
                + "frames in \(bytes) bytes of '\(JPEGLayout.blobs)'")
        }
        return (.frames(height: Int(shape[0]), width: Int(shape[1]), channels: Int(shape[2])), ends.map { Int($0) })
    }

    /// Checks that `frame_index` has one int entry per row.
    fileprivate static func checkFrameIndex(in file: HDF5File, rowCount: Int) throws {
        guard try file.exists("frame_index") else {
            throw StoreError.schemaMismatch(path: file.path, detail: "dataset 'frame_index' is missing")
        }
        let (dims, info) = try file.withDataset("frame_index") { dataset in
            (try HDF5File.shape(ofDataset: dataset, path: file.path, name: "frame_index"),
             try HDF5File.typeInfo(ofDataset: dataset, path: file.path, name: "frame_index"))
        }
        guard info.class == H5T_INTEGER, dims == [rowCount] else {
            throw StoreError.schemaMismatch(path: file.path, detail: "frame_index must be \(rowCount) integers, found shape \(dims)")
        }
    }

    /// The number of label columns, nil without a `labels` dataset.
    fileprivate static func findLabelCount(in file: HDF5File, itemCount: Int) throws -> Int? {
        guard try file.exists("labels") else { return nil }
        let dims = try file.shape(of: "labels")
        guard dims.count == 2, dims[0] == itemCount else {
            throw StoreError.schemaMismatch(path: file.path, detail: "labels has shape \(dims), expected [\(itemCount), K]")
        }
        return dims[1]
    }
}
