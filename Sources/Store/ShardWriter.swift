import CHDF5
import Foundation

/// Writes one shard: items are appended one by one, their rows streamed into the payload dataset
/// of a temporary file; `commit()` turns the temporary into `shard-<worker>-<seq>.h5` atomically.
///
/// A writer is used by one thread at a time; several threads may each drive their own writer.
/// Until `commit()` no shard exists; a writer dropped without `commit()` or `discard()` deletes
/// its temporary, and one killed outright leaves a temporary that
/// `ShardDirectory.removeStaleTemporaries(in:)` (run by every new writer) deletes.
public final class ShardWriter {
    /// The directory the shard is committed into.
    public let directory: URL
    /// The worker name in the shard's file name.
    public let worker: String
    /// The file attributes written at commit.
    public let metadata: ShardMetadata
    /// What each row holds.
    public let payload: Payload
    /// Labels per item (columns of `labels`), nil when the shard has no labels.
    public let labelCount: Int?
    /// The payload dataset's compression and chunking.
    public let layout: ShardLayout
    /// The payload dataset's compression.
    public var compression: Compression { layout.compression }
    /// Where rows go until commit (`shard-<worker>.<host>.<pid>.<counter>.h5.tmp`).
    public let temporaryURL: URL

    /// Items appended so far.
    public var itemCount: Int { items.count }
    /// Rows appended so far.
    public private(set) var rowCount = 0

    private enum State {
        case open(file: HDF5File, rows: RowDataset?, types: PayloadTypes?)
        case committed(URL)
        case discarded
        case failed(String)
    }

    private var state: State
    private var items: [String] = []
    private var itemSet: Set<String> = []
    private var sources: [String] = []
    private var offsets: [Int64] = [0]
    private var frameIndices: [Int32] = []
    private var labels: [UInt8] = []
    /// Reused by `appendChunks` for the chunks of one batch.
    private var chunkScratch: [UInt8] = []
    /// The item being streamed in parts (`beginItem` … `finishItem`) and its rows written so far.
    private var pending: (item: String, source: String, labels: [UInt8]?, rows: Int)?
    /// JPEG frames (`layout.jpeg`): where each row's blob ends in `frames_jpeg`, `rowCount` + pending rows + 1
    /// entries from 0 (written as `frames_jpeg_offsets` at commit); nil for rows stored as they are.
    private var blobEnds: [Int64]?
    /// The chunk being filled when Store codes zstd chunks itself (`RowDataset.zstdChunks`), nil otherwise.
    private var zstdBuffer: ZstdChunkBuffer?

    /// Tells apart the temporaries of writers in one process.
    private static let counter = Counter()

    /// Creates the temporary file in `directory` (created when missing) after removing stale
    /// temporaries there. Throws for a bad worker name or shape, or an uninstalled compression filter.
    public convenience init(directory: URL, worker: String, metadata: ShardMetadata, payload: Payload,
                            labelCount: Int? = nil, compression: Compression = .none) throws {
        try self.init(directory: directory, worker: worker, metadata: metadata, payload: payload, labelCount: labelCount,
                      layout: ShardLayout(compression: compression))
    }

    /// The same with the payload's filters and chunking given as a `ShardLayout` (a storage
    /// profile's, `StorageProfile.layout(for:)`).
    public init(directory: URL, worker: String, metadata: ShardMetadata, payload: Payload,
                labelCount: Int? = nil, layout: ShardLayout) throws {
        try ShardNames.validate(worker: worker)
        guard payload == .none || payload.rowShape.allSatisfy({ $0 > 0 }) else {
            throw StoreError.invalidShape(path: directory.path, detail: "payload \(payload) has a dimension below 1")
        }
        guard metadata.schema == Store.schemaVersion else {
            throw StoreError.schemaMismatch(path: directory.path,
                                            detail: "this library writes schema \(Store.schemaVersion), metadata asks for \(metadata.schema)")
        }
        guard layout.rowsPerChunk.map({ $0 > 0 }) ?? true else {
            throw StoreError.invalidShape(path: directory.path, detail: "rowsPerChunk must be at least 1")
        }
        guard labelCount.map({ $0 > 0 }) ?? true else {
            throw StoreError.invalidShape(path: directory.path, detail: "labelCount must be at least 1, or nil for no labels")
        }
        self.directory = directory
        self.worker = worker
        self.metadata = metadata
        self.payload = payload
        self.labelCount = labelCount
        self.layout = layout

        try SystemCalls.makeDirectories(directory.path)
        _ = try ShardDirectory.removeStaleTemporaries(in: directory)

        let host = SystemCalls.hostName()
        var temporary: URL
        repeat {
            let name = ShardNames.temporary(worker: worker, host: host, pid: SystemCalls.processID, counter: Self.counter.next())
            temporary = directory.appendingPathComponent(name)
        } while SystemCalls.exists(temporary.path)  // only after pid reuse: a dead namesake's leftover
        temporaryURL = temporary

        state = try HDF5.serialized {
            try Self.createTemporary(at: temporary.path, payload: payload, layout: layout)
        }
        if layout.jpeg != nil { blobEnds = [0] }
        if case .open(_, let rows?, _) = state, let zstd = rows.zstdChunks,
           let coder = ZstdChunkCoder(level: zstd.level, tuning: zstd.tuning, elementSize: zstd.elementSize) {
            zstdBuffer = ZstdChunkBuffer(coder: coder, rowBytes: rows.rowBytes, rowsPerChunk: zstd.rowsPerChunk, path: temporaryURL.path)
        }
    }

    /// Creates the temporary file with its empty payload dataset; leaves nothing behind on failure.
    private static func createTemporary(at path: String, payload: Payload, layout: ShardLayout) throws -> State {
        try layout.compression.requireAvailable(path: path)
        if layout.jpeg != nil {
            guard case .frames(_, _, let channels) = payload, channels == 1 || channels == 3 else {
                throw StoreError.invalidShape(path: path, detail: "JPEG coding is for frames of 1 or 3 channels, not \(payload.summary)")
            }
        }
        let file = try HDF5File.create(path: path)
        var types: PayloadTypes?
        do {
            types = try PayloadTypes.of(payload, path: path)
            var rows: RowDataset?
            if layout.jpeg != nil {
                // The blobs back to back, one byte per element: rows are byte ranges of it.
                rows = try RowDataset.create(in: file, name: JPEGLayout.blobs, fileType: vimo_h5t_std_u8le(), memoryType: vimo_h5t_native_uint8(),
                                             rowShape: [], rowsPerChunk: JPEGLayout.chunkBytes, compression: .none)
            } else if let name = payload.datasetName, let types {
                rows = try RowDataset.create(in: file, name: name, fileType: types.file, memoryType: types.memory, rowShape: payload.rowShape,
                                             rowsPerChunk: layout.rowsPerChunk ?? payload.rowsPerChunk, compression: layout.compression)
            }
            return .open(file: file, rows: rows, types: types)
        } catch {
            types?.close()
            try? file.close()
            try? SystemCalls.unlinkIfPresent(path)
            throw error
        }
    }

    deinit {
        switch state {
        case .open, .failed:
            abandon()
        case .committed, .discarded:
            break
        }
    }

    /// Appends one item: its id, the digest of its input, the source frame number of each row,
    /// the rows themselves (`frameIndex.count × payload.rowByteCount` bytes in the on-disk dtype)
    /// and, when the writer has `labelCount`, exactly that many labels. An item may have no rows.
    public func append(item: String, source: String, frameIndex: [Int32], rows: UnsafeRawBufferPointer,
                       labels: [UInt8]? = nil) throws {
        try requireOpenWithNoItemBegun()
        try validate(item: item, source: source, labels: labels)
        try validate(item: item, rowCount: frameIndex.count, byteCount: rows.count)
        try writeRows(rows, count: frameIndex.count, item: item)
        record(item: item, source: source, labels: labels, frameIndex: frameIndex)
    }

    // MARK: - Items in parts

    /// Starts an item whose rows arrive in parts (a long video decoded frame by frame), so no one holds
    /// all of them: `appendRows` writes each part to the file, `finishItem` records the item, and
    /// `cancelItem` takes its rows back out. The id, source and labels are checked here, before any row.
    public func beginItem(_ item: String, source: String, labels: [UInt8]? = nil) throws {
        try requireOpenWithNoItemBegun()
        try validate(item: item, source: source, labels: labels)
        pending = (item, source, labels, 0)
    }

    /// Writes the next rows of the item begun with `beginItem` (a whole number of rows in the on-disk dtype).
    public func appendRows(_ rows: UnsafeRawBufferPointer) throws {
        let current = try requireItemBegun()
        let rowBytes = max(1, payload.rowByteCount)
        let count = payload == .none ? 0 : rows.count / rowBytes
        try validate(item: current.item, rowCount: count, byteCount: rows.count)
        try writeRows(rows, count: count, item: current.item, offset: current.rows)
        pending?.rows += count
    }

    /// Records the item begun with `beginItem`: `frameIndex` holds one entry per row appended.
    public func finishItem(frameIndex: [Int32]) throws {
        let current = try requireItemBegun()
        guard frameIndex.count == current.rows || payload == .none else {
            throw StoreError.rowSizeMismatch(path: temporaryURL.path, item: current.item, expected: current.rows * payload.rowByteCount,
                                             actual: frameIndex.count * payload.rowByteCount)
        }
        pending = nil
        record(item: current.item, source: current.source, labels: current.labels, frameIndex: frameIndex)
    }

    /// Drops the item begun with `beginItem` and the rows it wrote (the dataset shrinks back), so the
    /// writer goes on with the next item. A failure to shrink leaves the writer failed.
    public func cancelItem() throws {
        guard let current = pending else { return }
        pending = nil
        guard current.rows > 0, case .open(_, let rowDataset?, _) = state else { return }
        do {
            if let ends = blobEnds {
                blobEnds = Array(ends.prefix(rowCount + 1))
                try HDF5.serialized { try rowDataset.extend(to: Int(ends[rowCount])) }
                return
            }
            try HDF5.serialized { try rowDataset.extend(to: rowCount) }
            zstdBuffer?.rollBack(to: rowCount)
        } catch {
            fail("broken by a failed cancel of item '\(current.item)': \(error.localizedDescription)")
            throw error
        }
    }

    /// Throws unless the writer is open and no item is begun (`append`, `beginItem`, `commit`).
    private func requireOpenWithNoItemBegun() throws {
        guard case .open = state else { throw StoreError.writerNotOpen(path: temporaryURL.path, state: stateDescription) }
        if let pending {
            throw StoreError.writerNotOpen(path: temporaryURL.path, state: "open, with item '\(pending.item)' begun and not finished")
        }
    }

    /// The item begun with `beginItem`; throws unless the writer is open and one is (`appendRows`, `finishItem`).
    private func requireItemBegun() throws -> (item: String, source: String, labels: [UInt8]?, rows: Int) {
        guard case .open = state else { throw StoreError.writerNotOpen(path: temporaryURL.path, state: stateDescription) }
        guard let pending else { throw StoreError.writerNotOpen(path: temporaryURL.path, state: "open, with no item begun") }
        return pending
    }

    /// Writes `count` rows after the committed ones (and `offset` rows of a pending item).
    private func writeRows(_ rows: UnsafeRawBufferPointer, count: Int, item: String, offset: Int = 0) throws {
        guard case .open(_, let rowDataset, let types) = state else { return }
        guard let rowDataset, let types, let bytes = rows.baseAddress, count > 0 else { return }
        do {
            if let jpeg = layout.jpeg, case .frames(let height, let width, let channels) = payload {
                // Coded outside the HDF5 lock, so writers on other threads go on meanwhile.
                let blobs = try (0..<count).map { row in
                    try JPEGCodec.encode(bytes + row * payload.rowByteCount, width: width, height: height, channels: channels,
                                         settings: jpeg, path: temporaryURL.path)
                }
                try appendBlobs(Array(blobs.joined()), lengths: blobs.map(\.count), to: rowDataset)
            } else if rowDataset.writesChunksDirectly {
                try appendChunks(bytes, count: count, to: rowDataset, at: rowCount + offset)
            } else if let zstdBuffer {
                // Coded outside the HDF5 lock, chunk by chunk; the lock is taken to store each one.
                precondition(zstdBuffer.chunkIndex * zstdBuffer.rowsPerChunk + zstdBuffer.bufferedRows == rowCount + offset,
                             "the chunk being filled is not at row \(rowCount + offset)")
                try HDF5.serialized { try rowDataset.extend(to: rowCount + offset + count) }
                try zstdBuffer.append(bytes, count: count, committedRows: rowCount) { chunk, coded in
                    try HDF5.serialized { try rowDataset.writeCodedChunk(coded, chunk: chunk, rowsPerChunk: zstdBuffer.rowsPerChunk) }
                }
            } else {
                try HDF5.serialized {
                    try rowDataset.append(at: rowCount + offset, count: count, memoryType: types.memory, bytes: bytes)
                }
            }
        } catch {
            // The dataset may now be longer than `offsets` says: the shard can no longer be committed.
            fail("broken by a failed write of item '\(item)': \(error.localizedDescription)")
            throw error
        }
    }

    /// Appends coded frames to `frames_jpeg`: `bytes` holds the blobs back to back, `lengths` their sizes.
    private func appendBlobs(_ bytes: [UInt8], lengths: [Int], to rowDataset: RowDataset) throws {
        guard var ends = blobEnds, let start = ends.last else { return }
        try bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            try HDF5.serialized {
                try rowDataset.append(at: Int(start), count: bytes.count, memoryType: vimo_h5t_native_uint8(), bytes: base)
            }
        }
        var end = start
        for length in lengths {
            end += Int64(length)
            ends.append(end)
        }
        blobEnds = ends
    }

    /// Appends an item of frames already JPEG-coded (a compaction copying a `compact` shard's rows, which
    /// must not be coded twice): `blobs` back to back, `lengths` one per row. Only for writers whose layout codes JPEG.
    func append(item: String, source: String, frameIndex: [Int32], jpegBlobs blobs: [UInt8], lengths: [Int], labels: [UInt8]?) throws {
        try requireOpenWithNoItemBegun()
        try validate(item: item, source: source, labels: labels)
        guard blobEnds != nil, lengths.count == frameIndex.count, lengths.reduce(0, +) == blobs.count else {
            throw StoreError.rowSizeMismatch(path: temporaryURL.path, item: item, expected: lengths.reduce(0, +), actual: blobs.count)
        }
        guard case .open(_, let rowDataset?, _) = state else { return }
        if !blobs.isEmpty {
            do {
                try appendBlobs(blobs, lengths: lengths, to: rowDataset)
            } catch {
                fail("broken by a failed write of item '\(item)': \(error.localizedDescription)")
                throw error
            }
        }
        record(item: item, source: source, labels: labels, frameIndex: frameIndex)
    }

    /// Adds an item whose rows are written to the item table.
    private func record(item: String, source: String, labels: [UInt8]?, frameIndex: [Int32]) {
        items.append(item)
        itemSet.insert(item)
        sources.append(source)
        frameIndices.append(contentsOf: frameIndex)
        rowCount += frameIndex.count
        offsets.append(Int64(rowCount))
        if let labels { self.labels.append(contentsOf: labels) }
    }

    /// Writes rows as whole checksummed chunks (`DirectChunks`), about 1 MiB at a time: each batch is laid
    /// out in the writer's scratch buffer outside the HDF5 lock, then written under it.
    private func appendChunks(_ bytes: UnsafeRawPointer, count: Int, to rowDataset: RowDataset, at start: Int) throws {
        try HDF5.serialized { try rowDataset.extend(to: start + count) }
        let rowBytes = rowDataset.rowBytes
        let batch = max(1, DirectChunks.batchBytes / (rowBytes + DirectChunks.checksumBytes))
        var done = 0
        while done < count {
            let rows = min(batch, count - done)
            DirectChunks.prepare(bytes + done * rowBytes, count: rows, rowBytes: rowBytes, into: &chunkScratch)
            try HDF5.serialized { try rowDataset.writeChunks(chunkScratch, count: rows, at: start + done) }
            done += rows
        }
    }

    /// Checks an item's id, source and labels before anything touches the file, so a rejected item
    /// leaves the writer usable.
    private func validate(item: String, source: String, labels: [UInt8]?) throws {
        let path = temporaryURL.path
        guard !item.isEmpty, !item.contains("\0") else {
            throw StoreError.invalidText(path: path, item: item, detail: "an item id must be non-empty and contain no NUL")
        }
        guard !source.contains("\0") else {
            throw StoreError.invalidText(path: path, item: item, detail: "the source digest contains a NUL character")
        }
        guard !itemSet.contains(item) else { throw StoreError.duplicateItem(path: path, item: item) }
        guard labels?.count == labelCount else {
            throw StoreError.labelCountMismatch(path: path, item: item, expected: labelCount, actual: labels?.count)
        }
    }

    /// Checks that `byteCount` bytes are exactly `rowCount` rows.
    private func validate(item: String, rowCount: Int, byteCount: Int) throws {
        let expected = rowCount * payload.rowByteCount
        guard byteCount == expected else {
            throw StoreError.rowSizeMismatch(path: temporaryURL.path, item: item, expected: expected, actual: byteCount)
        }
    }

    /// Writes the item table and attributes, flushes, closes and fsyncs the temporary, then
    /// links it to the next free `shard-<worker>-<seq>.h5` and fsyncs the directory.
    /// Returns the shard's URL. Once this returns the shard is complete and durable.
    @discardableResult
    public func commit() throws -> URL {
        try requireOpenWithNoItemBegun()
        guard case .open(let file, let rowDataset, let types) = state else {
            throw StoreError.writerNotOpen(path: temporaryURL.path, state: stateDescription)
        }
        if let zstdBuffer, let rowDataset {
            do {
                try zstdBuffer.finish { chunk, coded in
                    try HDF5.serialized { try rowDataset.writeCodedChunk(coded, chunk: chunk, rowsPerChunk: zstdBuffer.rowsPerChunk) }
                }
            } catch {
                fail("broken by a failed write of its last chunk: \(error.localizedDescription)")
                throw error
            }
        }
        // From here the handles belong to this commit, which closes them whatever happens.
        state = .failed("interrupted during commit")
        do {
            try HDF5.serialized {
                types?.close()
                do {
                    try rowDataset?.close()
                    try writeItemTable(to: file)
                    try file.setAttribute("schema", integer: Int64(metadata.schema))
                    try file.setAttribute("stage", string: metadata.stage)
                    try file.setAttribute("fingerprint", string: metadata.fingerprint)
                    try file.setAttribute("params", string: metadata.params)
                    if let storage = metadata.storage { try file.setAttribute("storage", string: storage) }
                    try file.setAttribute("committed_at", string: CommitTimestamp.now())
                    try file.flush()
                } catch {
                    try? file.close()  // the strong close degree also releases the payload dataset
                    throw error
                }
                try file.close()
            }
        } catch {
            state = .failed("broken by a failed commit: \(error.localizedDescription)")
            throw error
        }
        do {
            try SystemCalls.fsync(path: temporaryURL.path)
            let shard = try ShardDirectory.publish(temporary: temporaryURL, in: directory, worker: worker)
            state = .committed(shard)
            // The folder's index.json takes the new shard in (FolderIndexFile; best effort, it is a cache).
            _ = try? ShardIndex.build(directory: directory)
            return shard
        } catch {
            state = .failed("broken by a failed commit: \(error.localizedDescription)")
            throw error
        }
    }

    /// The small datasets, kept in memory while rows streamed to disk.
    private func writeItemTable(to file: HDF5File) throws {
        try file.writeStrings("items", items)
        try file.writeNumbers("offsets", offsets, dims: [offsets.count], fileType: vimo_h5t_std_i64le(), memoryType: vimo_h5t_native_int64())
        try file.writeStrings("source", sources)
        try file.writeNumbers("frame_index", frameIndices, dims: [frameIndices.count],
                              fileType: vimo_h5t_std_i32le(), memoryType: vimo_h5t_native_int32())
        if let labelCount {
            try file.writeNumbers("labels", labels, dims: [items.count, labelCount],
                                  fileType: vimo_h5t_std_u8le(), memoryType: vimo_h5t_native_uint8())
        }
        if let blobEnds {
            try file.writeNumbers(JPEGLayout.offsets, blobEnds, dims: [blobEnds.count], fileType: vimo_h5t_std_i64le(), memoryType: vimo_h5t_native_int64())
            let shape = payload.rowShape.map(Int64.init)
            try file.writeNumbers(JPEGLayout.shape, shape, dims: [shape.count], fileType: vimo_h5t_std_i64le(), memoryType: vimo_h5t_native_int64())
        }
    }

    /// Abandons the shard: closes and deletes the temporary. Does nothing after `commit()`
    /// (a committed shard is immutable) or a previous `discard()`.
    public func discard() {
        switch state {
        case .open, .failed:
            abandon()
            state = .discarded
        case .committed, .discarded:
            break
        }
    }

    /// Closes whatever is open and deletes the temporary; errors are moot, the file is going.
    private func abandon() {
        closeHandles()
        try? SystemCalls.unlinkIfPresent(temporaryURL.path)
    }

    /// Marks the writer unusable after an I/O failure, releasing its HDF5 handles; the temporary
    /// stays until `discard()` or `deinit`.
    private func fail(_ reason: String) {
        closeHandles()
        state = .failed(reason)
    }

    /// Releases the HDF5 handles of an open writer, ignoring errors (the file is being given up).
    private func closeHandles() {
        guard case .open(let file, let rowDataset, let types) = state else { return }
        HDF5.serialized {
            types?.close()
            try? rowDataset?.close()
            try? file.close()
        }
    }

    private var stateDescription: String {
        switch state {
        case .open: return "open"
        case .committed(let url): return "already committed as \(url.lastPathComponent)"
        case .discarded: return "discarded"
        case .failed(let reason): return reason
        }
    }
}

/// A process-wide counter that hands out distinct numbers to any thread.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
