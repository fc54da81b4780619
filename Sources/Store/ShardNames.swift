/// The file names of the commit protocol (DESIGN.md §3).
///
/// - committed: `shard-<worker>-<seq>.h5`, seq zero-padded to 6 digits;
/// - temporary: `shard-<worker>.<host>.<pid>.<counter>.h5.tmp`. It does not end in `.h5`, so no
///   reader can take it for a shard, and it names its owner, so a cleaner can tell whether the
///   process that wrote it is gone. Worker names may not contain '.', which keeps both parseable.
enum ShardNames {
    static let prefix = "shard-"
    static let committedSuffix = ".h5"
    static let temporarySuffix = ".h5.tmp"
    static let sequenceDigits = 6

    /// Who wrote a temporary file.
    struct TemporaryOwner: Equatable {
        var worker: String
        var host: String
        var pid: Int32
    }

    /// Throws unless `worker` is non-empty and only letters, digits, '_' or '-'.
    static func validate(worker: String) throws {
        let allowed = worker.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-")
        }
        guard !worker.isEmpty, allowed else { throw StoreError.invalidWorkerName(worker) }
    }

    /// Whether `name` is a committed shard of any worker (temporaries end in `.tmp`, so never are).
    static func isCommitted(_ name: String) -> Bool {
        name.hasPrefix(prefix) && name.hasSuffix(committedSuffix)
    }

    /// `shard-<worker>-<seq>.h5`.
    static func committed(worker: String, sequence: Int) -> String {
        let digits = String(sequence)
        let padding = String(repeating: "0", count: max(0, sequenceDigits - digits.count))
        return "\(prefix)\(worker)-\(padding)\(digits)\(committedSuffix)"
    }

    /// The sequence number of `name` when it is a committed shard of exactly `worker`.
    /// ("shard-a-1-000002.h5" belongs to worker "a-1", not "a": the rest must be all digits.)
    static func sequence(ofCommitted name: String, worker: String) -> Int? {
        let head = "\(prefix)\(worker)-"
        guard name.hasPrefix(head), name.hasSuffix(committedSuffix) else { return nil }
        let digits = name.dropFirst(head.count).dropLast(committedSuffix.count)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }

    /// `shard-<worker>.<host>.<pid>.<counter>.h5.tmp`.
    static func temporary(worker: String, host: String, pid: Int32, counter: Int) -> String {
        "\(prefix)\(worker).\(sanitized(host: host)).\(pid).\(counter)\(temporarySuffix)"
    }

    /// The owner named by a temporary file, or nil when `name` is not one this library writes.
    static func owner(ofTemporary name: String) -> TemporaryOwner? {
        guard name.hasPrefix(prefix), name.hasSuffix(temporarySuffix) else { return nil }
        let parts = name.dropFirst(prefix.count).dropLast(temporarySuffix.count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 4, let pid = Int32(parts[parts.count - 2]), Int(parts[parts.count - 1]) != nil else { return nil }
        let host = parts[1..<(parts.count - 2)].joined(separator: ".")
        return TemporaryOwner(worker: String(parts[0]), host: host, pid: pid)
    }

    /// Host names are letters, digits, '-' and '.'; anything else is replaced so parsing stays sound.
    static func sanitized(host: String) -> String {
        String(host.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") ? $0 : "_" })
    }
}
