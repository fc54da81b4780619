import Foundation
import XCTest
@testable import Store

/// A shard is complete or absent: a writer killed mid-write leaves only its temporary, which the
/// next writer deletes, and never disturbs committed shards (DESIGN.md §3).
final class CrashSafetyTests: XCTestCase {
    static let childDirectoryVariable = "VIMO_STORE_CRASH_CHILD_DIR"
    static let payload = Payload.frames(height: 32, width: 32, channels: 3)

    /// Runs this test binary again as a child that commits one shard and then appends to a second
    /// one until it is killed with SIGKILL (a real crash: no deinit, no atexit, no flush).
    func testWriterKilledMidWriteLeavesOnlyATemporary() throws {
        let directory = try makeTemporaryDirectory()
        let ready = directory.appendingPathComponent("child-ready")
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ["StoreTests.CrashSafetyChild/testAppendUntilKilled"]
        child.environment = ProcessInfo.processInfo.environment.merging([Self.childDirectoryVariable: directory.path]) { $1 }
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()

        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: ready.path), child.isRunning, Date() < deadline {
            usleep(20_000)
        }
        XCTAssertTrue(child.isRunning, "the child exited before it could be killed")
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()  // reaps it, so its pid is really gone
        XCTAssertEqual(child.terminationReason, .uncaughtSignal)

        let names = try listing(directory).filter { $0 != "child-ready" }
        let temporaries = names.filter { $0.hasSuffix(".h5.tmp") }
        XCTAssertEqual(names.filter { $0.hasSuffix(".h5") }, ["shard-child-000001.h5"], "only the committed shard may exist")
        XCTAssertEqual(temporaries.count, 1, "the killed writer's temporary: \(names)")
        XCTAssertEqual(temporaries.first.flatMap(ShardNames.owner(ofTemporary:))?.pid, child.processIdentifier)

        // The committed shard is intact, and the index sees only it.
        let committed = try ShardReader(url: directory.appendingPathComponent("shard-child-000001.h5"))
        XCTAssertEqual(committed.items, ["done-0", "done-1"])
        XCTAssertEqual(committed.offsets, [0, 2, 3])
        XCTAssertTrue(try committed.readFrames(rows: 0..<2) == CrashSafetyChild.frames(count: 2), "done-0's frames changed")
        XCTAssertTrue(try committed.readFrames(rows: 2..<3) == CrashSafetyChild.frames(count: 1), "done-1's frames changed")
        let index = try ShardIndex.build(directory: directory)
        XCTAssertEqual(index.items, ["done-0", "done-1"])
        XCTAssertEqual(index.problems.count, 0)

        // The next writer removes the dead writer's temporary and commits after the old shard.
        let next = try ShardWriter(directory: directory, worker: "child", metadata: testMetadata(), payload: Self.payload)
        XCTAssertEqual(try listing(directory).filter { $0.hasSuffix(".h5.tmp") }, [next.temporaryURL.lastPathComponent])
        XCTAssertEqual(try next.commit().lastPathComponent, "shard-child-000002.h5")
    }

    /// Simulates the leftovers of crashed writers by name and age, without killing anything.
    func testCleanupRemovesOnlyTemporariesNoLiveWriterOwns() throws {
        let directory = try makeTemporaryDirectory()
        let host = SystemCalls.hostName()
        let deadPID = try pidOfExitedProcess()
        let now = Date()
        func touch(_ name: String, age: TimeInterval) throws -> URL {
            let url = directory.appendingPathComponent(name)
            try Data("partial".utf8).write(to: url)
            try FileManager.default.setAttributes([.modificationDate: now.addingTimeInterval(-age)], ofItemAtPath: url.path)
            return url
        }
        let deadHere = try touch(ShardNames.temporary(worker: "a", host: host, pid: deadPID, counter: 1), age: 5)
        let aliveHere = try touch(ShardNames.temporary(worker: "b", host: host, pid: getpid(), counter: 999), age: 5)
        let freshElsewhere = try touch(ShardNames.temporary(worker: "c", host: "other.example.org", pid: deadPID, counter: 1), age: 3600)
        let oldElsewhere = try touch(ShardNames.temporary(worker: "d", host: "other.example.org", pid: 1, counter: 1), age: 25 * 3600)
        let oldUnparseable = try touch("junk.h5.tmp", age: 25 * 3600)
        let shard = try touch("shard-e-000001.h5", age: 48 * 3600)

        let removed = try ShardDirectory.removeStaleTemporaries(in: directory)

        XCTAssertEqual(Set(removed.map(\.lastPathComponent)),
                       Set([deadHere, oldElsewhere, oldUnparseable].map(\.lastPathComponent)))
        let left = Set(try listing(directory))
        XCTAssertEqual(left, Set([aliveHere, freshElsewhere, shard].map(\.lastPathComponent)),
                       "a live writer's, a fresh foreign temporary and every shard stay")
        XCTAssertEqual(try ShardDirectory.removeStaleTemporaries(in: directory.appendingPathComponent("missing")), [])
    }

    /// Until commit there is no file a reader would take for a shard, however many rows were written.
    func testUncommittedWriterExposesNoShard() throws {
        let directory = try makeTemporaryDirectory()
        let writer = try ShardWriter(directory: directory, worker: "w", metadata: testMetadata(), payload: Self.payload)
        for item in 0..<5 {
            try writer.append(item: "v\(item)", source: "s", frameIndex: [0, 1], frames: CrashSafetyChild.frames(count: 2))
        }
        let names = try listing(directory)
        XCTAssertEqual(names, [writer.temporaryURL.lastPathComponent])
        XCTAssertFalse(names.contains(where: ShardNames.isCommitted))
        XCTAssertEqual(try ShardDirectory.committedShards(in: directory), [])
        XCTAssertEqual(try ShardIndex.build(directory: directory).count, 0)
        // The temporary is named by its owner, so this live process's file is never cleaned away.
        XCTAssertEqual(ShardNames.owner(ofTemporary: names[0])?.pid, getpid())
        XCTAssertEqual(try ShardDirectory.removeStaleTemporaries(in: directory), [])
        try writer.commit()
    }

    /// index.json is written under a temporary too: one a killed process left is removed like a shard's
    /// (a decode killed while rewriting the index left `.index.json.<pid>.<n>.tmp` behind before).
    func testAnIndexTemporaryOfADeadWriterIsRemovedAndALiveOnesStays() throws {
        let directory = try makeTemporaryDirectory()
        let dead = directory.appendingPathComponent(FolderIndexFile.temporaryName(pid: try pidOfExitedProcess()))
        let live = directory.appendingPathComponent(FolderIndexFile.temporaryName())
        for url in [dead, live] { try Data("{\"schema\":".utf8).write(to: url) }
        let removed = try ShardDirectory.removeStaleTemporaries(in: directory)
        XCTAssertEqual(removed.map(\.lastPathComponent), [dead.lastPathComponent])
        XCTAssertEqual(try listing(directory), [live.lastPathComponent])
        XCTAssertFalse(ShardNames.isCommitted(live.lastPathComponent), "never taken for a shard")
    }

    /// The pid of a process that has exited and been reaped.
    private func pidOfExitedProcess() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }
}

/// The child side of `testWriterKilledMidWriteLeavesOnlyATemporary`; does nothing when run by
/// `swift test` directly.
final class CrashSafetyChild: XCTestCase {
    /// Deterministic frame bytes, shared by both processes.
    static func frames(count: Int) -> [UInt8] {
        var random = SplitMix64(seed: 99)
        return random.bytes(count * CrashSafetyTests.payload.rowByteCount)
    }

    func testAppendUntilKilled() throws {
        guard let path = ProcessInfo.processInfo.environment[CrashSafetyTests.childDirectoryVariable] else {
            throw XCTSkip("runs only as the child process of CrashSafetyTests")
        }
        let directory = URL(fileURLWithPath: path)
        let done = try ShardWriter(directory: directory, worker: "child", metadata: testMetadata(), payload: CrashSafetyTests.payload)
        try done.append(item: "done-0", source: "s", frameIndex: [0, 1], frames: Self.frames(count: 2))
        try done.append(item: "done-1", source: "s", frameIndex: [2], frames: Self.frames(count: 1))
        try done.commit()

        let doomed = try ShardWriter(directory: directory, worker: "child", metadata: testMetadata(), payload: CrashSafetyTests.payload)
        let deadline = Date().addingTimeInterval(60)  // in case the parent died first
        var item = 0
        while Date() < deadline {
            try doomed.append(item: "doomed-\(item)", source: "s", frameIndex: [0, 1, 2], frames: Self.frames(count: 3))
            item += 1
            if item == 20 {
                _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("child-ready").path, contents: nil)
            }
        }
        XCTFail("the parent never killed this child")
    }
}
