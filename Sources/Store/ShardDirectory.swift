import Foundation

/// The directory side of the commit protocol: which shards are committed, how a finished
/// temporary becomes a shard without replacing one, and which temporaries crashed writers left.
public enum ShardDirectory {
    /// How old an unowned temporary must be before any cleaner may delete it.
    public static let staleAge: TimeInterval = 24 * 3600

    /// The committed shards (`shard-*.h5`) in `directory`, sorted by name; empty when it does not exist.
    public static func committedShards(in directory: URL) throws -> [URL] {
        let names = try SystemCalls.listDirectory(directory.path) ?? []
        return names.filter(ShardNames.isCommitted).sorted().map { directory.appendingPathComponent($0) }
    }

    /// Deletes temporaries (`*.h5.tmp`) that no live writer owns and returns what it deleted:
    /// those written on this host by a process that no longer exists, and any not modified for
    /// `staleAge` (24 h), whoever wrote them (a writer on another host cannot be asked whether it
    /// lives, so a live writer must append at least once a day). Files it may not delete are left.
    public static func removeStaleTemporaries(in directory: URL) throws -> [URL] {
        guard let names = try SystemCalls.listDirectory(directory.path) else { return [] }
        let thisHost = ShardNames.sanitized(host: SystemCalls.hostName())
        let now = Date()
        var removed: [URL] = []
        for name in names where name.hasSuffix(ShardNames.temporarySuffix) {
            let url = directory.appendingPathComponent(name)
            guard let modified = try SystemCalls.modificationTime(url.path) else { continue }
            let owner = ShardNames.owner(ofTemporary: name)
            let ownerIsGone = owner.map { $0.host == thisHost && !SystemCalls.processExists($0.pid) } ?? false
            let isOld = now.timeIntervalSince(modified) > staleAge
            guard ownerIsGone || isOld else { continue }
            do {
                try SystemCalls.unlinkIfPresent(url.path)
                removed.append(url)
            } catch StoreError.system(_, _, let code) where code == EACCES || code == EPERM {
                continue
            }
        }
        return removed
    }

    /// One more than the highest sequence number `worker` has committed in `directory`.
    static func nextSequence(in directory: URL, worker: String) throws -> Int {
        let names = try SystemCalls.listDirectory(directory.path) ?? []
        return (names.compactMap { ShardNames.sequence(ofCommitted: $0, worker: worker) }.max() ?? 0) + 1
    }

    /// Gives the complete, fsynced temporary file its shard name and returns the shard's URL.
    ///
    /// link() fails with EEXIST instead of replacing, so two processes racing for one sequence
    /// number (same worker name) both succeed with different numbers; the temporary name is then
    /// unlinked and the directory fsynced so the new name survives a crash.
    static func publish(temporary: URL, in directory: URL, worker: String) throws -> URL {
        var sequence = try nextSequence(in: directory, worker: worker)
        while true {
            let shard = directory.appendingPathComponent(ShardNames.committed(worker: worker, sequence: sequence))
            if try SystemCalls.linkWithoutReplacing(temporary.path, as: shard.path) {
                try SystemCalls.unlinkIfPresent(temporary.path)
                try SystemCalls.fsync(path: directory.path)
                return shard
            }
            sequence += 1
        }
    }
}
