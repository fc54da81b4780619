import Foundation
import XCTest
@testable import Store

/// Items written in parts (`beginItem` / `appendRows` / `finishItem`, as vimo-decode streams a long
/// video) give the same shard as one `append`, and a cancelled item leaves no row behind.
final class StreamingWriteTests: XCTestCase {
    private let payload = Payload.frames(height: 4, width: 5, channels: 3)

    private func frames(_ count: Int, seed: UInt64) -> [UInt8] {
        var random = SplitMix64(seed: seed)
        return random.bytes(count * payload.rowByteCount)
    }

    func testPartsGiveTheSameRowsAsOneAppendInEveryLayout() throws {
        for layout in [ShardLayout(), ShardLayout(compression: .zstd(level: 3), rowsPerChunk: 8), ShardLayout(rowsPerChunk: 3)] {
            let directory = try makeTemporaryDirectory()
            let first = frames(11, seed: 1), second = frames(4, seed: 2)
            let writer = try ShardWriter(directory: directory, worker: "w0", metadata: testMetadata(), payload: payload,
                                         labelCount: 2, layout: layout)
            try writer.append(item: "whole", source: "s0", frameIndex: Array(0..<4), frames: second, labels: [0, 1])
            try writer.beginItem("parts", source: "s1", labels: [1, 0])
            let rowBytes = payload.rowByteCount
            for part in [0..<5, 5..<6, 6..<6, 6..<11] {
                try first[(part.lowerBound * rowBytes)..<(part.upperBound * rowBytes)].withUnsafeBytes { try writer.appendRows($0) }
            }
            try writer.finishItem(frameIndex: (0..<11).map { Int32($0 * 2) })
            let reader = try ShardReader(url: try writer.commit())
            XCTAssertEqual(reader.items, ["whole", "parts"], "\(layout)")
            XCTAssertEqual(reader.offsets, [0, 4, 15], "\(layout)")
            XCTAssertEqual(try reader.readFrames(rows: 0..<4), second, "\(layout)")
            XCTAssertEqual(try reader.readFrames(rows: 4..<15), first, "\(layout)")
            XCTAssertEqual(try reader.frameIndex(rows: 4..<15), (0..<11).map { Int32($0 * 2) })
            XCTAssertEqual(try reader.labels(item: 1), [1, 0])
            XCTAssertEqual(ShardCheck.read(reader.url).verdict, .intact, "\(layout)")
        }
    }

    func testACancelledItemLeavesNoRowsAndTheNextItemFollows() throws {
        for layout in [ShardLayout(), ShardLayout(compression: .zstd(level: 3), rowsPerChunk: 8)] {
            let directory = try makeTemporaryDirectory()
            let kept = frames(3, seed: 3), dropped = frames(9, seed: 4), after = frames(5, seed: 5)
            let writer = try ShardWriter(directory: directory, worker: "w0", metadata: testMetadata(), payload: payload, layout: layout)
            try writer.append(item: "kept", source: "s", frameIndex: [0, 1, 2], frames: kept)
            try writer.beginItem("broken", source: "s")
            try dropped.withUnsafeBytes { try writer.appendRows($0) }
            try writer.cancelItem()
            try writer.append(item: "after", source: "s", frameIndex: Array(0..<5), frames: after)
            let reader = try ShardReader(url: try writer.commit())
            XCTAssertEqual(reader.items, ["kept", "after"], "\(layout)")
            XCTAssertEqual(reader.rowCount, 8)
            XCTAssertEqual(try reader.readFrames(rows: 0..<8), kept + after, "\(layout)")
            XCTAssertEqual(try reader.chunkLocations(of: "frames").map(\.rows).last?.upperBound, 8, "no chunk beyond the last row")
        }
    }

    func testCallsOutOfOrderAreRefusedAndLeaveTheWriterUsable() throws {
        let directory = try makeTemporaryDirectory()
        let writer = try ShardWriter(directory: directory, worker: "w0", metadata: testMetadata(), payload: payload, labelCount: 1)
        let one = frames(1, seed: 6)
        assertStoreError(try one.withUnsafeBytes { try writer.appendRows($0) }) { error in
            guard case .writerNotOpen(_, let state) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(state.contains("no item begun"), state)
        }
        assertStoreError(try writer.beginItem("x", source: "s", labels: [1, 1])) { error in
            guard case .labelCountMismatch = error else { return XCTFail("\(error)") }
        }
        try writer.beginItem("x", source: "s", labels: [1])
        assertStoreError(try writer.beginItem("y", source: "s", labels: [1])) { error in
            guard case .writerNotOpen(_, let state) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(state.contains("'x' begun"), state)
        }
        assertStoreError(try writer.commit()) { error in
            guard case .writerNotOpen = error else { return XCTFail("\(error)") }
        }
        assertStoreError(try Array(one.dropLast()).withUnsafeBytes { try writer.appendRows($0) }) { error in
            guard case .rowSizeMismatch = error else { return XCTFail("\(error)") }
        }
        try one.withUnsafeBytes { try writer.appendRows($0) }
        assertStoreError(try writer.finishItem(frameIndex: [0, 1])) { error in
            guard case .rowSizeMismatch = error else { return XCTFail("\(error)") }
        }
        try writer.finishItem(frameIndex: [7])
        assertStoreError(try writer.beginItem("x", source: "s", labels: [1])) { error in
            guard case .duplicateItem = error else { return XCTFail("\(error)") }
        }
        let reader = try ShardReader(url: try writer.commit())
        XCTAssertEqual(reader.items, ["x"])
        XCTAssertEqual(try reader.readFrames(rows: 0..<1), one)
    }
}
