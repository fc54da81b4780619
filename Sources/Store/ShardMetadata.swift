/// Names shared by every part of the store.
public enum Store {
    /// The shard schema this library writes and the newest it reads (file attribute `schema`).
    public static let schemaVersion = 1
}

/// The file attributes that say what produced a shard (DESIGN.md §3).
public struct ShardMetadata: Sendable, Equatable {
    /// The stage that wrote the shard, e.g. "decode".
    public var stage: String
    /// The stage's fingerprint (DESIGN.md §4), also the name of its cache directory.
    public var fingerprint: String
    /// The stage's parameters as JSON text.
    public var params: String
    /// The schema version of the file; writers use `Store.schemaVersion`.
    public var schema: Int
    /// The `storage` attribute: the profile the payload was written under and, for flow, its
    /// rounding (`StorageProfile.attribute(for:)`, e.g. `exact;flow_rounding_bits=10`); nil when
    /// the shard does not say (shards written before profiles existed are `raw`).
    public var storage: String?

    /// Metadata for a new shard; `schema` defaults to the version this library writes.
    public init(stage: String, fingerprint: String, params: String, schema: Int = Store.schemaVersion, storage: String? = nil) {
        self.stage = stage
        self.fingerprint = fingerprint
        self.params = params
        self.schema = schema
        self.storage = storage
    }
}
