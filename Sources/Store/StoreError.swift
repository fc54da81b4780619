import Foundation

/// Everything that can go wrong in `Store`, each case carrying the file it concerns and enough
/// context (item, dataset, operation, HDF5's or the OS's own message) to act on without a debugger.
public enum StoreError: Error, LocalizedError {
    /// An HDF5 call failed; `message` is HDF5's own error stack, innermost cause last.
    case hdf5(path: String, operation: String, message: String)
    /// A POSIX call failed with `errno`.
    case system(path: String, operation: String, errno: Int32)
    /// The file is readable HDF5 but does not follow the shard schema.
    case schemaMismatch(path: String, detail: String)
    /// The shard's `schema` attribute is newer than this library understands.
    case unsupportedSchema(path: String, found: Int, supported: Int)
    /// `rows` handed to `append` has the wrong number of bytes for its frame indices.
    case rowSizeMismatch(path: String, item: String, expected: Int, actual: Int)
    /// The labels handed to `append` do not match the writer's `labelCount` (nil = none).
    case labelCountMismatch(path: String, item: String, expected: Int?, actual: Int?)
    /// The item id was already appended to this writer.
    case duplicateItem(path: String, item: String)
    /// An item id or source digest cannot be stored (empty id, or a NUL character).
    case invalidText(path: String, item: String, detail: String)
    /// The writer was already committed, discarded, or broken by an earlier I/O failure.
    case writerNotOpen(path: String, state: String)
    /// The requested compression filter is not installed in this HDF5.
    case filterUnavailable(path: String, compression: String, filterID: Int, remedy: String)
    /// A compression spec string (e.g. from a command-line option) could not be parsed.
    case invalidCompression(spec: String, detail: String)
    /// A storage profile name (from `--storage` or a pipeline's `storage:`) could not be parsed.
    case invalidStorage(spec: String, detail: String)
    /// A worker name that cannot be part of a shard file name.
    case invalidWorkerName(String)
    /// A payload shape or label count that cannot describe a dataset.
    case invalidShape(path: String, detail: String)
    /// A read asked for rows or an item beyond the end of the shard.
    case outOfRange(path: String, what: String, requested: String, available: Int)
    /// The shard has no dataset of the kind requested (e.g. `readFlow` on a frames shard).
    case payloadMismatch(path: String, requested: String, stored: String)
    /// Stored bytes no longer match their Fletcher-32 checksum: the file was damaged after it was written.
    case checksumMismatch(path: String, dataset: String, rows: Range<Int>)
    /// A `compact` shard's JPEG frame does not decode to a frame of its dataset's size.
    case corruptFrame(path: String, row: Int, detail: String)
    /// A codec (libjpeg-turbo, libzstd) failed where no input is at fault (no memory for a handle, say).
    case codecFailure(path: String, operation: String, detail: String)

    /// The file the error is about, when there is one.
    public var path: String? {
        switch self {
        case .hdf5(let path, _, _), .system(let path, _, _), .schemaMismatch(let path, _),
             .unsupportedSchema(let path, _, _), .rowSizeMismatch(let path, _, _, _),
             .labelCountMismatch(let path, _, _, _), .duplicateItem(let path, _),
             .invalidText(let path, _, _), .writerNotOpen(let path, _),
             .filterUnavailable(let path, _, _, _), .invalidShape(let path, _),
             .outOfRange(let path, _, _, _), .payloadMismatch(let path, _, _),
             .checksumMismatch(let path, _, _), .corruptFrame(let path, _, _), .codecFailure(let path, _, _):
            return path
        case .invalidCompression, .invalidStorage, .invalidWorkerName:
            return nil
        }
    }

    /// A one-line description naming the file and what failed.
    public var errorDescription: String? {
        switch self {
        case .hdf5(let path, let operation, let message):
            return "\(path): HDF5 \(operation) failed: \(message)"
        case .system(let path, let operation, let code):
            return "\(path): \(operation) failed: \(String(cString: strerror(code))) (errno \(code))"
        case .schemaMismatch(let path, let detail):
            return "\(path): not a vimo shard: \(detail)"
        case .unsupportedSchema(let path, let found, let supported):
            return "\(path): shard schema \(found) is newer than this vimo understands (\(supported)); upgrade vimo"
        case .rowSizeMismatch(let path, let item, let expected, let actual):
            return "\(path): item '\(item)': rows have \(actual) bytes, expected \(expected)"
        case .labelCountMismatch(let path, let item, let expected, let actual):
            return "\(path): item '\(item)': \(Self.describeLabels(actual)) given, the writer expects \(Self.describeLabels(expected))"
        case .duplicateItem(let path, let item):
            return "\(path): item '\(item)' was already appended to this shard"
        case .invalidText(let path, let item, let detail):
            return "\(path): item '\(item)': \(detail)"
        case .writerNotOpen(let path, let state):
            return "\(path): the shard writer is \(state)"
        case .filterUnavailable(let path, let compression, let filterID, let remedy):
            return "\(path): compression '\(compression)' needs HDF5 filter \(filterID), which is not installed: \(remedy)"
        case .invalidCompression(let spec, let detail):
            return "invalid compression '\(spec)': \(detail)"
        case .invalidStorage(let spec, let detail):
            return "invalid storage profile '\(spec)': \(detail)"
        case .invalidWorkerName(let name):
            return "invalid worker name '\(name)': use letters, digits, '_' and '-' only"
        case .invalidShape(let path, let detail):
            return "\(path): \(detail)"
        case .outOfRange(let path, let what, let requested, let available):
            return "\(path): \(what) \(requested) out of range (shard has \(available))"
        case .payloadMismatch(let path, let requested, let stored):
            return "\(path): asked for \(requested) but the shard holds \(stored)"
        case .checksumMismatch(let path, let dataset, let rows):
            return "\(path): dataset '\(dataset)' rows \(rows.lowerBound)..<\(rows.upperBound) fail their Fletcher-32 checksum: "
                + "the file is damaged (`vimo verify --repair` sets damaged shards aside; the next `vimo run` recomputes their items)"
        case .corruptFrame(let path, let row, let detail):
            return "\(path): frame row \(row): its JPEG does not decode (\(detail)): the file is damaged "
                + "(`vimo verify --repair` sets damaged shards aside; the next `vimo run` recomputes their items)"
        case .codecFailure(let path, let operation, let detail):
            return "\(path): \(operation) failed: \(detail)"
        }
    }

    private static func describeLabels(_ count: Int?) -> String {
        count.map { "\($0) labels" } ?? "no labels"
    }
}
