/// Typed forms of `ShardWriter.append(item:source:frameIndex:rows:labels:)`, one per payload kind,
/// which also check that the writer holds that kind.
extension ShardWriter {
    /// Appends an item of a `.frames` shard: `frames` is N×H×W×C uint8, row-major.
    public func append(item: String, source: String, frameIndex: [Int32], frames: [UInt8], labels: [UInt8]? = nil) throws {
        try requirePayload("frames") { if case .frames = $0 { return true } else { return false } }
        try frames.withUnsafeBytes { try append(item: item, source: source, frameIndex: frameIndex, rows: $0, labels: labels) }
    }

    /// Appends an item of a `.flow` shard: `flow` is N×2×H×W float32, stored as IEEE half
    /// rounded to nearest even (values beyond ±65504 become ±infinity, as in numpy).
    public func append(item: String, source: String, frameIndex: [Int32], flow: [Float], labels: [UInt8]? = nil) throws {
        try append(item: item, source: source, frameIndex: frameIndex, flowHalf: HalfNarrowing.narrow(flow), labels: labels)
    }

    /// Appends an item of a `.flow` shard whose values are already half precision.
    public func append(item: String, source: String, frameIndex: [Int32], flowHalf: [Float16], labels: [UInt8]? = nil) throws {
        try requirePayload("flow") { if case .flow = $0 { return true } else { return false } }
        try flowHalf.withUnsafeBytes { try append(item: item, source: source, frameIndex: frameIndex, rows: $0, labels: labels) }
    }

    /// Appends an item of an `.embeddings` shard: `embeddings` is N×D float32.
    public func append(item: String, source: String, frameIndex: [Int32], embeddings: [Float], labels: [UInt8]? = nil) throws {
        try requirePayload("embeddings") { if case .embeddings = $0 { return true } else { return false } }
        try embeddings.withUnsafeBytes { try append(item: item, source: source, frameIndex: frameIndex, rows: $0, labels: labels) }
    }

    /// Appends an item of a `.scores` shard: `scores` is its row(s) of K class scores, float32.
    public func append(item: String, source: String, frameIndex: [Int32], scores: [Float], labels: [UInt8]? = nil) throws {
        try requirePayload("scores") { if case .scores = $0 { return true } else { return false } }
        try scores.withUnsafeBytes { try append(item: item, source: source, frameIndex: frameIndex, rows: $0, labels: labels) }
    }

    private func requirePayload(_ requested: String, _ matches: (Payload) -> Bool) throws {
        guard matches(payload) else {
            throw StoreError.payloadMismatch(path: temporaryURL.path, requested: requested, stored: payload.summary)
        }
    }
}
