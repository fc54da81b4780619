import Foundation
@testable import Store

/// The exact content of one shard as JSON, shared with Tests/interop/check_shard.py. Payload
/// values travel as raw bit patterns (uint8, half bits, float32 bits) so nothing is rounded.
struct InteropSpec: Codable {
    struct PayloadSpec: Codable {
        var name: String?
        var shape: [Int]
        var chunks: [Int]
        var compression: String
        var bits: [UInt32]
    }

    struct LabelsSpec: Codable {
        var shape: [Int]
        var values: [UInt8]
    }

    struct Attributes: Codable {
        var schema: Int
        var stage: String
        var fingerprint: String
        var params: String
        var committedAt: String?
        /// The storage profile attribute, when the shard has one.
        var storage: String?
    }

    /// float32 inputs and the half bits Swift rounded them to; Python checks numpy agrees.
    struct Rounding: Codable {
        var float32Bits: [UInt32]
        var float16Bits: [UInt16]
    }

    var attrs: Attributes
    var items: [String]
    var source: [String]
    var offsets: [Int]
    var frameIndex: [Int32]
    var payload: PayloadSpec
    var labels: LabelsSpec?
    var float16FromFloat32: Rounding?

    /// For flow: the float32 values that round to the stored halves, for `append(flow:)`.
    var flowInput: [Float]? { float16FromFloat32?.float32Bits.map(Float.init(bitPattern:)) }

    func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        try encoder.encode(self).write(to: url)
    }

    /// Rows of item `i` as a range into the flat payload values.
    func valueRange(ofItem i: Int) -> Range<Int> {
        let perRow = payload.shape.dropFirst().reduce(1, *)
        return (offsets[i] * perRow)..<(offsets[i + 1] * perRow)
    }

    func labels(ofItem i: Int) -> [UInt8]? {
        labels.map { Array($0.values[(i * $0.shape[1])..<((i + 1) * $0.shape[1])]) }
    }
}

/// Deterministic specs for each payload kind.
enum InteropSpecs {
    static let attributes = InteropSpec.Attributes(schema: Store.schemaVersion, stage: "decode", fingerprint: "ab12cd34",
                                                   params: #"{"size": 224, "label": "ünïcode"}"#, committedAt: nil)
    static let items = ["bear", "ürsus 🐻", "empty", "wolf"]
    static let sources = ["sha256:01", "sha256:02", "", "sha256:04"]
    static let rowsPerItem = [2, 3, 0, 1]

    static var offsets: [Int] { rowsPerItem.reduce(into: [0]) { $0.append($0.last! + $1) } }
    static var frameIndex: [Int32] { (0..<offsets.last!).map { Int32($0 * 5 - 3) } }

    /// `rowsPerChunk` above 1 makes chunks that span items (the `exact` profile's 8-frame chunks).
    static func frames(compression: String, rowsPerChunk: Int = 1) -> InteropSpec {
        var random = SplitMix64(seed: 11)
        let shape = [offsets.last!, 6, 5, 3]
        let bits = random.bytes(shape.reduce(1, *)).map(UInt32.init)
        let labels = InteropSpec.LabelsSpec(shape: [items.count, 4], values: random.bytes(items.count * 4).map { $0 & 1 })
        return InteropSpec(attrs: attributes, items: items, source: sources, offsets: offsets, frameIndex: frameIndex,
                           payload: .init(name: "frames", shape: shape, chunks: [rowsPerChunk, 6, 5, 3], compression: compression, bits: bits),
                           labels: labels)
    }

    /// Values that exercise half rounding: 0.1, the largest half, -0, subnormals, overflow to
    /// infinity, ties to even, underflow to zero, infinities; then pseudo-random values.
    static let specialFlowValues: [Float] = [
        0.1, 65504, -0.0, 5.9604645e-8, 1e-7, 3e-5, 6.1035156e-5, -4.5e-6, 65519, 65520, -70000, 1 + 1.0 / 2048,
        1 + 3.0 / 2048, 1e-9, .infinity, -.infinity, 0.33333334, -2.5, 2049, 2051,
    ]

    static func flow(compression: String) -> InteropSpec {
        var random = SplitMix64(seed: 12)
        let shape = [offsets.last!, 2, 3, 4]
        var values = random.floats(shape.reduce(1, *), scale: 30)
        values.replaceSubrange(0..<specialFlowValues.count, with: specialFlowValues)
        let halfBits = values.map { Float16($0).bitPattern }
        var spec = InteropSpec(attrs: attributes, items: items, source: sources, offsets: offsets, frameIndex: frameIndex,
                               payload: .init(name: "flow", shape: shape, chunks: [1, 2, 3, 4], compression: compression,
                                              bits: halfBits.map(UInt32.init)))
        spec.float16FromFloat32 = .init(float32Bits: values.map(\.bitPattern), float16Bits: halfBits)
        return spec
    }

    static func embeddings(compression: String) -> InteropSpec {
        var random = SplitMix64(seed: 13)
        let dim = 5
        var values = random.floats(offsets.last! * dim, scale: 3)
        values.replaceSubrange(0..<6, with: [-0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .nan, 0.1, -.infinity])
        let shape = [offsets.last!, dim]
        return InteropSpec(attrs: attributes, items: items, source: sources, offsets: offsets, frameIndex: frameIndex,
                           payload: .init(name: "embeddings", shape: shape, chunks: [Payload.embeddings(dim: dim).rowsPerChunk, dim],
                                          compression: compression, bits: values.map(\.bitPattern)))
    }

    /// A scores shard: one row of K class scores per video, with the videos' labels (vimo-tfam predict's).
    static func scores() -> InteropSpec {
        var random = SplitMix64(seed: 14)
        let classes = 4
        let values = random.floats(items.count * classes, scale: 1)
        let labels = InteropSpec.LabelsSpec(shape: [items.count, classes], values: random.bytes(items.count * classes).map { $0 & 1 })
        return InteropSpec(attrs: attributes, items: items, source: sources, offsets: Array(0...items.count),
                           frameIndex: [Int32](repeating: 0, count: items.count),
                           payload: .init(name: "scores", shape: [items.count, classes], chunks: [Payload.scores(classes: classes).rowsPerChunk, classes],
                                          compression: "none", bits: values.map(\.bitPattern)), labels: labels)
    }
}
