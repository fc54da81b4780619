import XCTest
@testable import Store

/// The file names of the commit protocol parse back to what they were built from.
final class ShardNamesTests: XCTestCase {
    func testCommittedNamesAndSequences() {
        XCTAssertEqual(ShardNames.committed(worker: "w3", sequence: 7), "shard-w3-000007.h5")
        XCTAssertEqual(ShardNames.committed(worker: "w3", sequence: 1_234_567), "shard-w3-1234567.h5")
        XCTAssertEqual(ShardNames.sequence(ofCommitted: "shard-w3-000007.h5", worker: "w3"), 7)
        XCTAssertNil(ShardNames.sequence(ofCommitted: "shard-w3-000007.h5", worker: "w"))
        XCTAssertNil(ShardNames.sequence(ofCommitted: "shard-a-1-000002.h5", worker: "a"))
        XCTAssertEqual(ShardNames.sequence(ofCommitted: "shard-a-1-000002.h5", worker: "a-1"), 2)
        XCTAssertNil(ShardNames.sequence(ofCommitted: "shard-w3-000007.h5.tmp", worker: "w3"))
        XCTAssertTrue(ShardNames.isCommitted("shard-x-000001.h5"))
        XCTAssertFalse(ShardNames.isCommitted("shard-x.host.12.1.h5.tmp"))
    }

    func testTemporaryNamesNameTheirOwner() {
        let name = ShardNames.temporary(worker: "gpu-0", host: "node7.cluster.example", pid: 4242, counter: 3)
        XCTAssertEqual(name, "shard-gpu-0.node7.cluster.example.4242.3.h5.tmp")
        XCTAssertFalse(ShardNames.isCommitted(name), "a temporary must never look like a shard")
        XCTAssertEqual(ShardNames.owner(ofTemporary: name),
                       ShardNames.TemporaryOwner(worker: "gpu-0", host: "node7.cluster.example", pid: 4242))
        XCTAssertEqual(ShardNames.owner(ofTemporary: ShardNames.temporary(worker: "w", host: "we ird/host", pid: 1, counter: 1))?.host,
                       "we_ird_host")
        XCTAssertNil(ShardNames.owner(ofTemporary: "shard-w.host.notapid.1.h5.tmp"))
        XCTAssertNil(ShardNames.owner(ofTemporary: "junk.h5.tmp"))
    }

    func testCommitTimestampsParse() throws {
        let now = CommitTimestamp.now()
        let parsed = try XCTUnwrap(CommitTimestamp.secondsSinceEpoch(now))
        XCTAssertEqual(parsed, Date().timeIntervalSince1970, accuracy: 5)
        XCTAssertEqual(CommitTimestamp.secondsSinceEpoch("1970-01-01T00:00:01.5Z"), 1.5)
        XCTAssertEqual(CommitTimestamp.secondsSinceEpoch("1970-01-01T01:00:00+01:00"), 0)
        XCTAssertEqual(CommitTimestamp.secondsSinceEpoch("2025-01-02T03:04:05.678901+00:00")!, 1_735_787_045.678901, accuracy: 1e-6)
        XCTAssertNil(CommitTimestamp.secondsSinceEpoch("yesterday"))
        XCTAssertNil(CommitTimestamp.secondsSinceEpoch("2025-01-02T03:04:05Zjunk"))
    }
}
