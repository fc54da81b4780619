import CHDF5

/// The small part of a shard, which the index reads and a reader keeps in memory: the item
/// table and the file attributes, checked against the schema. The payload is not touched.
struct ShardSummary {
    /// Item ids, one per item.
    let items: [String]
    /// Rows of item i are `offsets[i]..<offsets[i+1]`; `items.count + 1` entries starting at 0.
    let offsets: [Int]
    /// Source digest of each item.
    let sources: [String]
    /// The `schema`, `stage`, `fingerprint` and `params` attributes.
    let metadata: ShardMetadata
    /// The `committed_at` attribute as written, nil when absent.
    let committedAt: String?

    /// Total rows (N).
    var rowCount: Int { offsets.last ?? 0 }

    /// Reads and validates the summary of an open shard. Under `HDF5.serialized`.
    static func read(from file: HDF5File) throws -> ShardSummary {
        let path = file.path
        let schema = try requiredAttribute("schema", file.integerAttribute("schema"), path: path)
        guard schema >= 1 else {
            throw StoreError.schemaMismatch(path: path, detail: "attribute 'schema' is \(schema)")
        }
        guard schema <= Store.schemaVersion else {
            throw StoreError.unsupportedSchema(path: path, found: schema, supported: Store.schemaVersion)
        }
        let metadata = ShardMetadata(
            stage: try requiredAttribute("stage", file.stringAttribute("stage"), path: path),
            fingerprint: try requiredAttribute("fingerprint", file.stringAttribute("fingerprint"), path: path),
            params: try requiredAttribute("params", file.stringAttribute("params"), path: path),
            schema: schema,
            storage: try file.stringAttribute("storage"))
        let committedAt = try file.stringAttribute("committed_at")

        for name in ["items", "offsets", "source"] {
            guard try file.exists(name) else {
                throw StoreError.schemaMismatch(path: path, detail: "dataset '\(name)' is missing")
            }
        }
        let items = try file.readStrings("items")
        let sources = try file.readStrings("source")
        let (offsetDims, offsets64) = try file.readNumbers("offsets", as: Int64.self, memoryType: vimo_h5t_native_int64())
        let offsets = offsets64.map { Int($0) }

        guard sources.count == items.count else {
            throw StoreError.schemaMismatch(path: path, detail: "\(items.count) items but \(sources.count) sources")
        }
        guard offsetDims == [items.count + 1] else {
            throw StoreError.schemaMismatch(path: path, detail: "offsets has shape \(offsetDims), expected [\(items.count + 1)]")
        }
        guard offsets.first == 0, zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw StoreError.schemaMismatch(path: path, detail: "offsets must start at 0 and never decrease")
        }
        return ShardSummary(items: items, offsets: offsets, sources: sources, metadata: metadata, committedAt: committedAt)
    }

    private static func requiredAttribute<T>(_ name: String, _ value: T?, path: String) throws -> T {
        guard let value else { throw StoreError.schemaMismatch(path: path, detail: "attribute '\(name)' is missing") }
        return value
    }
}
