import CHDF5
import Foundation

/// One committed shard read back completely, the way `vimo verify` checks a cache: attributes, item
/// table, `frame_index`, `labels` and every payload row, so every Fletcher-32 checksum is verified.
///
/// Never throws: whatever cannot be read is the answer. A shard is `damaged` when it is empty,
/// truncated, not HDF5, breaks the schema or fails a read (a checksum mismatch names the dataset and
/// rows); `uncheckable` when the fault may be this machine's rather than the file's (a newer schema, a
/// compression filter not installed, no read permission), so no repair may touch it.
public struct ShardCheck: Sendable {
    /// What the check found.
    public enum Verdict: String, Sendable, Equatable {
        /// Every dataset read back (and every checksum matched, when it has them).
        case intact
        /// The file cannot be what its writer committed.
        case damaged
        /// It cannot be judged here (see `problems`); it is not necessarily damaged.
        case uncheckable
        /// It was removed while being checked (a compaction, another repair).
        case vanished
    }

    /// The shard file.
    public let url: URL
    /// Its size in bytes.
    public let bytes: Int64
    /// What the check found.
    public let verdict: Verdict
    /// The item ids of its item table, nil when that could not be read.
    public let items: [String]?
    /// Whether its payload carries Fletcher-32 checksums (shards written before they existed do not:
    /// their payload is only checked for readability).
    public let checksummed: Bool
    /// What is wrong, one line each ("dataset 'frames' rows 12..<13: Fletcher-32 checksum mismatch");
    /// empty when intact.
    public let problems: [String]

    /// Bytes read per HDF5 call; a failed block is read again one chunk at a time to name its rows.
    static let blockBytes = 8 << 20
    /// Damaged row ranges listed per dataset before the rest are counted.
    static let rangesListed = 5

    /// Reads `url` completely and says what it found.
    public static func read(_ url: URL) -> ShardCheck {
        var info = stat()
        guard stat(url.path, &info) == 0 else {
            let code = errno
            if code == ENOENT { return ShardCheck(url: url, bytes: 0, verdict: .vanished, items: nil, checksummed: false, problems: []) }
            return ShardCheck(url: url, bytes: 0, verdict: .uncheckable, items: nil, checksummed: false,
                              problems: ["cannot stat: \(String(cString: strerror(code)))"])
        }
        let bytes = Int64(info.st_size)
        func verdict(_ verdict: Verdict, _ problems: [String], items: [String]? = nil, checksummed: Bool = false) -> ShardCheck {
            ShardCheck(url: url, bytes: bytes, verdict: verdict, items: items, checksummed: checksummed, problems: problems)
        }
        guard access(url.path, R_OK) == 0 else {
            return verdict(.uncheckable, ["not readable: \(String(cString: strerror(errno)))"])
        }
        guard bytes > 0 else { return verdict(.damaged, ["empty file (0 bytes)"]) }

        let reader: ShardReader
        do {
            reader = try ShardReader(url: url)
        } catch let error as StoreError {
            if case .unsupportedSchema = error { return verdict(.uncheckable, [error.localizedDescription]) }
            guard SystemCalls.exists(url.path) else { return verdict(.vanished, []) }
            if case .hdf5(_, let operation, let message) = error {
                // HDF5's innermost frame says what is wrong ("truncated file: eof = …", "file signature not found").
                return verdict(.damaged, ["\(operation) failed: \(ShardReader.innermost(message, frames: 1))"])
            }
            return verdict(.damaged, [Self.withoutPath(error, url)])
        } catch {
            return verdict(.damaged, [error.localizedDescription])
        }

        var names = ["frame_index"]
        if reader.labelCount != nil { names.append("labels") }
        let payloadName = reader.framesAreJPEG ? JPEGLayout.blobs : reader.payload.datasetName
        if reader.framesAreJPEG { names += [JPEGLayout.offsets, JPEGLayout.shape] }
        if let payloadName { names.append(payloadName) }
        var problems: [String] = []
        var checksummed = reader.payload == .none
        var buffer: [UInt8] = []
        for name in names {
            do {
                let result = try reader.readCompletely(name, buffer: &buffer)
                if name == payloadName { checksummed = result.checksummed }
                problems += Self.describe(result.damage, dataset: name)
            } catch let error as StoreError {
                if case .filterUnavailable = error {
                    return verdict(.uncheckable, [Self.withoutPath(error, url)], items: reader.items)
                }
                problems.append(Self.withoutPath(error, url))
            } catch {
                problems.append(error.localizedDescription)
            }
        }
        if reader.framesAreJPEG, problems.isEmpty { problems += Self.decodeProblems(reader) }
        return verdict(problems.isEmpty ? .intact : .damaged, problems, items: reader.items, checksummed: checksummed)
    }

    /// A `compact` shard's frames decoded, a block at a time: a blob whose bytes pass their checksum can still be
    /// no JPEG of the frame's size (written so by a faulty writer, or unchecksummed), and no reader could use it.
    private static func decodeProblems(_ reader: ShardReader) -> [String] {
        var problems: [String] = []
        for start in stride(from: 0, to: reader.rowCount, by: 64) {
            let block = start..<min(reader.rowCount, start + 64)
            do {
                _ = try reader.readFrames(rows: block)
            } catch let error as StoreError {
                guard case .corruptFrame(_, let row, let detail) = error else { return problems + [withoutPath(error, reader.url)] }
                problems.append("dataset '\(JPEGLayout.blobs)' frame row \(row): not a decodable JPEG (\(detail))")
                if problems.count >= rangesListed { return problems }
            } catch {
                return problems + [error.localizedDescription]
            }
        }
        return problems
    }

    /// One line per damaged row range (merged when adjacent and alike), the rest counted.
    private static func describe(_ damage: [(rows: Range<Int>, reason: String)], dataset: String) -> [String] {
        var merged: [(rows: Range<Int>, reason: String)] = []
        for part in damage {
            if let last = merged.last, last.rows.upperBound == part.rows.lowerBound, last.reason == part.reason {
                merged[merged.count - 1].rows = last.rows.lowerBound..<part.rows.upperBound
            } else {
                merged.append(part)
            }
        }
        var lines = merged.prefix(rangesListed).map { "dataset '\(dataset)' rows \($0.rows.lowerBound)..<\($0.rows.upperBound): \($0.reason)" }
        if merged.count > rangesListed {
            let rows = merged.dropFirst(rangesListed).reduce(0) { $0 + $1.rows.count }
            lines.append("dataset '\(dataset)': \(merged.count - rangesListed) more damaged range(s), \(rows) row(s)")
        }
        return lines
    }

    /// An error's description without the leading "<path>: " the check already names.
    private static func withoutPath(_ error: StoreError, _ url: URL) -> String {
        let text = error.localizedDescription
        let prefix = url.path + ": "
        return text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text
    }
}

extension ShardReader {
    /// Reads every row of the (N, …) dataset `name` in blocks of whole chunks, into `buffer` (reused
    /// between calls), in the file's own type (no conversion). A block that fails is read again one
    /// chunk at a time, so the damage is named by its rows. Throws only when the dataset cannot be
    /// opened or needs a filter this HDF5 lacks.
    func readCompletely(_ name: String, buffer: inout [UInt8]) throws -> (checksummed: Bool, damage: [(rows: Range<Int>, reason: String)]) {
        let path = url.path
        let dataset = try HDF5.serialized { try HDF5.check(H5Dopen2(file.id, name, vimo_h5p_default()), path: path, "H5Dopen(\(name))") }
        defer { HDF5.serialized { _ = H5Dclose(dataset) } }
        let (dims, type, filters, chunkRows) = try HDF5.serialized { () throws -> ([Int], hid_t, [H5Z_filter_t], Int?) in
            let dims = try HDF5File.shape(ofDataset: dataset, path: path, name: name)
            let filters = try HDF5File.filters(ofDataset: dataset, path: path, name: name)
            for filter in filters where H5Zfilter_avail(filter) <= 0 {
                let known: [H5Z_filter_t: (name: String, compression: Compression)] = [
                    Compression.lz4FilterID: ("lz4", .lz4), Compression.zstdFilterID: ("zstd", .zstd(level: Compression.defaultZstdLevel, tuning: nil)),
                ]
                throw StoreError.filterUnavailable(path: path, compression: known[filter]?.name ?? "filter \(filter)", filterID: Int(filter),
                                                   remedy: known[filter]?.compression.remedy ?? "install the HDF5 filter plugin it was written with")
            }
            let chunkRows = try HDF5File.rowsPerChunk(ofDataset: dataset, path: path, name: name)
            let type = try HDF5.check(H5Dget_type(dataset), path: path, "H5Dget_type(\(name))")
            return (dims, type, filters, chunkRows)
        }
        defer { HDF5.serialized { _ = H5Tclose(type) } }
        let checksummed = filters.contains(H5Z_filter_t(H5Z_FILTER_FLETCHER32))
        guard let rowCount = dims.first, rowCount > 0 else { return (checksummed, []) }
        let rowShape = Array(dims.dropFirst())
        let rowBytes = max(1, rowShape.reduce(1, *) * HDF5.serialized { H5Tget_size(type) })
        let unit = chunkRows ?? 1
        let rowsPerBlock = max(unit, (ShardCheck.blockBytes / rowBytes) / unit * unit)
        if buffer.count < rowsPerBlock * rowBytes { buffer = [UInt8](repeating: 0, count: rowsPerBlock * rowBytes) }

        func read(_ rows: Range<Int>, into buffer: UnsafeMutableRawPointer) -> StoreError? {
            do {
                // As every reader reads: whole checksummed one-row chunks directly, anything else through HDF5.
                try file.readRows(name, rows: rows, rowShape: rowShape, memoryType: { type }, into: buffer)
                return nil
            } catch let error as StoreError {
                return error
            } catch {
                return .hdf5(path: path, operation: "H5Dread(\(name))", message: error.localizedDescription)
            }
        }
        var damage: [(rows: Range<Int>, reason: String)] = []
        buffer.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return }
            for start in stride(from: 0, to: rowCount, by: rowsPerBlock) {
                let block = start..<min(rowCount, start + rowsPerBlock)
                guard read(block, into: base) != nil else { continue }
                for chunkStart in stride(from: block.lowerBound, to: block.upperBound, by: unit) {
                    let rows = chunkStart..<min(block.upperBound, chunkStart + unit)
                    guard let error = read(rows, into: base) else { continue }
                    switch error {
                    case .checksumMismatch: damage.append((rows, "Fletcher-32 checksum mismatch"))
                    case .hdf5(_, _, let message): damage.append((rows, "unreadable (\(Self.innermost(message)))"))
                    default: damage.append((rows, "unreadable (\(error.localizedDescription))"))
                    }
                }
            }
        }
        return (checksummed, damage)
    }

    /// The last `frames` frames of an HDF5 error stack (the innermost causes), which say what broke.
    static func innermost(_ message: String, frames: Int = 2) -> String {
        message.components(separatedBy: "; ").suffix(frames).joined(separator: "; ")
    }
}

/// Where one chunk of a dataset lies in its file.
public struct ChunkLocation: Sendable, Equatable {
    /// The rows the chunk holds.
    public var rows: Range<Int>
    /// Byte offset of the stored (filtered) chunk in the file.
    public var fileOffset: UInt64
    /// Stored bytes, after compression, checksum included.
    public var storedBytes: Int
}

extension ShardReader {
    /// The HDF5 filter ids of dataset `name`'s pipeline, in order (`Checksums.filterID` for Fletcher-32).
    public func filterIDs(of name: String) throws -> [Int] {
        let path = url.path
        return try HDF5.serialized {
            try file.withDataset(name) { try HDF5File.filters(ofDataset: $0, path: path, name: name).map { Int($0) } }
        }
    }

    /// The chunks of the (N, …) dataset `name`, in row order, as stored: for tools and tests that look at
    /// (or damage on purpose) the bytes on disk. Empty for a contiguous or empty dataset.
    public func chunkLocations(of name: String) throws -> [ChunkLocation] {
        let path = url.path
        return try HDF5.serialized {
            try file.withDataset(name) { dataset in
                guard try HDF5File.rowsPerChunk(ofDataset: dataset, path: path, name: name) != nil else { return [] }
                let dims = try HDF5File.shape(ofDataset: dataset, path: path, name: name)
                let rank = dims.count
                let space = try HDF5.check(H5Dget_space(dataset), path: path, "H5Dget_space(\(name))")
                defer { H5Sclose(space) }
                let rowsPerChunk = try HDF5File.rowsPerChunk(ofDataset: dataset, path: path, name: name) ?? 1
                var count: hsize_t = 0
                try HDF5.check(H5Dget_num_chunks(dataset, space, &count), path: path, "H5Dget_num_chunks(\(name))")
                var chunks: [ChunkLocation] = []
                for index in 0..<count {
                    var offset = [hsize_t](repeating: 0, count: rank)
                    var mask: UInt32 = 0
                    var address: haddr_t = 0
                    var size: hsize_t = 0
                    try HDF5.check(H5Dget_chunk_info(dataset, space, index, &offset, &mask, &address, &size),
                                   path: path, "H5Dget_chunk_info(\(name), \(index))")
                    let first = Int(offset[0])
                    chunks.append(ChunkLocation(rows: first..<min(first + rowsPerChunk, dims[0]), fileOffset: UInt64(address),
                                                storedBytes: Int(size)))
                }
                return chunks.sorted { $0.rows.lowerBound < $1.rows.lowerBound }
            }
        }
    }
}
