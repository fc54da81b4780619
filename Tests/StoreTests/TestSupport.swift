import Foundation
import XCTest
@testable import Store

/// Deterministic pseudo-random numbers (SplitMix64), so failures reproduce and Python can be
/// handed the exact values.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
    }

    /// Uniform in -scale..<scale.
    mutating func floats(_ count: Int, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in (Float(next() >> 40) / Float(1 << 24) * 2 - 1) * scale }
    }
}

extension XCTestCase {
    /// A fresh empty directory, deleted when the test ends.
    func makeTemporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("vimo-store-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// The names in `directory`, sorted.
    func listing(_ directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    /// Asserts that `body` throws a `StoreError` and hands it over for more checks.
    func assertStoreError(_ body: @autoclosure () throws -> some Any, file: StaticString = #filePath, line: UInt = #line,
                          _ check: (StoreError) -> Void) {
        do {
            _ = try body()
            XCTFail("expected a StoreError, nothing was thrown", file: file, line: line)
        } catch let error as StoreError {
            check(error)
        } catch {
            XCTFail("expected a StoreError, got \(error)", file: file, line: line)
        }
    }
}

/// Metadata for test shards.
func testMetadata(stage: String = "decode") -> ShardMetadata {
    ShardMetadata(stage: stage, fingerprint: "f1ngerpr1nt", params: #"{"size":224,"fps":5}"#)
}
