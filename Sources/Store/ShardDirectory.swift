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

    /// The folder inside a stage folder where damaged shards are set aside (`vimo verify --repair`).
    /// Its name starts with "." and its files do not end in ".h5", so no reader or glob takes them for shards.
    public static let quarantineFolder = ".quarantine"

    /// Moves `file` (a damaged shard, or a stage's run record) into `<its folder>/.quarantine/` by one
    /// rename, as `<name>.<UTC time>` (e.g. `shard-w0-000002.h5.20261123T101502.123Z`), and fsyncs both
    /// folders. The folder then no longer holds it, so the next run recomputes its items. Returns the new URL.
    @discardableResult
    public static func quarantine(_ file: URL, now: Date = Date()) throws -> URL {
        let folder = file.deletingLastPathComponent().appendingPathComponent(quarantineFolder)
        try SystemCalls.makeDirectories(folder.path)
        let stamp = quarantineStamp(now)
        var target = folder.appendingPathComponent("\(file.lastPathComponent).\(stamp)")
        var attempt = 1
        while SystemCalls.exists(target.path) {
            attempt += 1
            target = folder.appendingPathComponent("\(file.lastPathComponent).\(stamp)-\(attempt)")
        }
        try SystemCalls.rename(file.path, to: target.path)
        try SystemCalls.fsync(path: folder.path)
        try SystemCalls.fsync(path: file.deletingLastPathComponent().path)
        return target
    }

    /// The names in `directory`'s quarantine folder that were once `name` (newest last).
    public static func quarantined(_ name: String, in directory: URL) -> [String] {
        let names = (try? SystemCalls.listDirectory(directory.appendingPathComponent(quarantineFolder).path)) ?? nil
        return (names ?? []).filter { $0.hasPrefix(name + ".") }.sorted()
    }

    /// `20261123T101502.123Z`: sortable, no ':' (which some file systems and tools refuse).
    private static func quarantineStamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let millis = Int((date.timeIntervalSince1970 - Double(seconds)) * 1000)
        return String(format: "%04d%02d%02dT%02d%02d%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), millis)
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
