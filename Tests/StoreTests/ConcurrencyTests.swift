import Foundation
import XCTest
@testable import Store

/// Debian's HDF5 is not thread-safe; the library's one lock must let threads use their own
/// writers and readers at the same time.
final class ConcurrencyTests: XCTestCase {
    func testTwoThreadsWritingTheirOwnShardsAtOnce() throws {
        let directory = try makeTemporaryDirectory()
        let payload = Payload.frames(height: 8, width: 8, channels: 3)
        let itemsPerWriter = 200
        @Sendable func frames(worker: Int, item: Int) -> [UInt8] {
            var random = SplitMix64(seed: UInt64(worker * 1000 + item))
            return random.bytes(3 * payload.rowByteCount)
        }

        let results = ThreadResults()
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            do {
                let writer = try ShardWriter(directory: directory, worker: "t\(worker)", metadata: testMetadata(), payload: payload,
                                             labelCount: 1, compression: .gzip(level: 1))
                for item in 0..<itemsPerWriter {
                    try writer.append(item: "w\(worker)-\(item)", source: "s", frameIndex: [0, 1, 2],
                                      frames: frames(worker: worker, item: item), labels: [UInt8(worker)])
                }
                results.record(worker, .success(try writer.commit()))
            } catch {
                results.record(worker, .failure(error))
            }
        }

        for worker in 0..<2 {
            let shard = try XCTUnwrap(results.result(worker)).get()
            XCTAssertEqual(shard.lastPathComponent, "shard-t\(worker)-000001.h5")
            let reader = try ShardReader(url: shard)
            XCTAssertEqual(reader.items, (0..<itemsPerWriter).map { "w\(worker)-\($0)" })
            for item in 0..<itemsPerWriter {
                XCTAssertTrue(try reader.readFrames(rows: reader.rows(ofItem: item)) == frames(worker: worker, item: item),
                              "worker \(worker) item \(item): frames differ")
                XCTAssertEqual(try reader.labels(item: item), [UInt8(worker)])
            }
        }
        XCTAssertEqual(try ShardIndex.build(directory: directory).count, 2 * itemsPerWriter)
    }

    /// Every public path into HDF5 must wait while another thread is inside the library: each
    /// operation below is started while a helper thread holds the HDF5 lock for `hold` seconds.
    func testEveryPublicOperationWaitsForTheHDF5Lock() throws {
        let directory = try makeTemporaryDirectory()
        let payload = Payload.frames(height: 2, width: 2, channels: 1)
        let setup = try ShardWriter(directory: directory, worker: "setup", metadata: testMetadata(), payload: payload)
        try setup.append(item: "a", source: "s", frameIndex: [0], frames: [1, 2, 3, 4])
        let shard = try setup.commit()
        let reader = try ShardReader(url: shard)
        var writer: ShardWriter?

        let operations: [(String, () throws -> Void)] = [
            ("ShardWriter.init", { writer = try ShardWriter(directory: directory, worker: "w", metadata: testMetadata(), payload: payload) }),
            ("append", { try writer?.append(item: "b", source: "s", frameIndex: [0], frames: [5, 6, 7, 8]) }),
            ("commit", { _ = try writer?.commit() }),
            ("ShardReader.init", { _ = try ShardReader(url: shard) }),
            ("readFrames", { _ = try reader.readFrames(rows: 0..<1) }),
            ("frameIndex", { _ = try reader.frameIndex(rows: 0..<1) }),
            // Without index.json, which would spare it from opening the shard (and so from HDF5 altogether).
            ("ShardIndex.build", {
                try? FileManager.default.removeItem(at: directory.appendingPathComponent("index.json"))
                _ = try ShardIndex.build(directory: directory)
            }),
            ("Compression.isAvailable", { _ = Compression.lz4.isAvailable }),
        ]
        let hold = 0.2
        for (name, operation) in operations {
            let entered = DispatchSemaphore(value: 0)
            let holder = Thread {
                HDF5.serialized {
                    entered.signal()
                    Thread.sleep(forTimeInterval: hold)
                }
            }
            holder.start()
            entered.wait()
            let start = Date()
            try operation()
            XCTAssertGreaterThan(Date().timeIntervalSince(start), hold * 0.5, "\(name) ran while another thread was inside HDF5")
        }
    }

    func testOneReaderSharedByTwoThreads() throws {
        let directory = try makeTemporaryDirectory()
        let writer = try ShardWriter(directory: directory, worker: "w", metadata: testMetadata(), payload: .embeddings(dim: 64))
        var random = SplitMix64(seed: 8)
        let values = random.floats(200 * 64)
        try writer.append(item: "all", source: "s", frameIndex: (0..<200).map(Int32.init), embeddings: values)
        let reader = try ShardReader(url: try writer.commit())

        let results = ThreadResults()
        DispatchQueue.concurrentPerform(iterations: 2) { thread in
            do {
                for row in stride(from: thread, to: 200, by: 2) {
                    guard try reader.readEmbeddings(rows: row..<(row + 1)) == Array(values[(row * 64)..<((row + 1) * 64)]) else {
                        throw StoreError.invalidShape(path: reader.url.path, detail: "row \(row) differs")
                    }
                }
                results.record(thread, .success(reader.url))
            } catch {
                results.record(thread, .failure(error))
            }
        }
        XCTAssertNoThrow(try XCTUnwrap(results.result(0)).get())
        XCTAssertNoThrow(try XCTUnwrap(results.result(1)).get())
    }
}

/// Results handed back from worker threads.
private final class ThreadResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Int: Result<URL, Error>] = [:]

    func record(_ worker: Int, _ result: Result<URL, Error>) {
        lock.lock()
        defer { lock.unlock() }
        results[worker] = result
    }

    func result(_ worker: Int) -> Result<URL, Error>? {
        lock.lock()
        defer { lock.unlock() }
        return results[worker]
    }
}
