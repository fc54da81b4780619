import Foundation

/// `--shard i/N`: which items one of N cooperating workers (Slurm array tasks, say) takes.
/// Items are assigned by a stable hash of their id, so the split does not depend on
/// the order or number of items and stays put when videos are added.
public struct ShardSelector: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    /// Every item (one worker).
    public static let all = ShardSelector(uncheckedIndex: 0, count: 1)

    private init(uncheckedIndex: Int, count: Int) {
        self.index = uncheckedIndex
        self.count = count
    }

    /// Parses `i/N`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/").map { Int($0) }
        guard parts.count == 2, let i = parts[0], let n = parts[1], n > 0, i >= 0, i < n else {
            throw CoreError.invalidShard(text)
        }
        self.init(uncheckedIndex: i, count: n)
    }

    /// Whether item `id` belongs to this shard.
    public func contains(_ id: String) -> Bool {
        count == 1 || Int(Self.stableHash(id) % UInt64(count)) == index
    }

    /// FNV-1a 64 of the UTF-8 bytes: fixed across runs, machines and Swift versions
    /// (Swift's own Hasher is seeded per process).
    public static func stableHash(_ id: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    public var description: String { "\(index)/\(count)" }
}
