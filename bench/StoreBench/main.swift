// Read side of bench/storage.sh: how fast a stage gets its rows back from shard folders, per storage
// profile. Reads every item of each folder through Store's ShardReader, as the stages do (vimo-flow
// and vimo-clip read an item's frames whole, vimo-moclip its flow fields whole), best of --repeat.
//
//   vimo-bench-store [--repeat N] [--rows whole|single] DIR...
//
// --rows single reads one row per call instead (AnimalMotionCLIP's sparse sampling: 8 frames of a
// video, each its own read). Prints, per folder: rows, decoded MB, seconds, decoded MB/s.
import Foundation
import Store

var arguments = Array(CommandLine.arguments.dropFirst())
func take(_ name: String) -> String? {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    defer { arguments.removeSubrange(i...(i + 1)) }
    return arguments[i + 1]
}
let repeats = Int(take("--repeat") ?? "3") ?? 3
let single = take("--rows") == "single"
guard !arguments.isEmpty else {
    FileHandle.standardError.write(Data("usage: vimo-bench-store [--repeat N] [--rows whole|single] DIR...\n".utf8))
    exit(64)
}

/// Reads every row of every item of `folder`; returns (rows, decoded bytes).
func readAll(_ folder: URL) throws -> (rows: Int, bytes: Int) {
    let index = try ShardIndex.build(directory: folder)
    var rows = 0, bytes = 0
    var readers: [URL: ShardReader] = [:]
    for item in index.items {
        guard let entry = index[item] else { continue }
        let reader = try readers[entry.shard] ?? ShardReader(url: entry.shard)
        readers[entry.shard] = reader
        let parts: [Range<Int>] = single ? entry.rows.map { $0..<($0 + 1) } : [entry.rows]
        for part in parts where !part.isEmpty {
            switch reader.payload {
            case .frames: bytes += try reader.readFrames(rows: part).count
            case .flow: bytes += try reader.readFlowHalf(rows: part).count * 2
            case .embeddings: bytes += try reader.readEmbeddings(rows: part).count * 4
            case .none: break
            }
        }
        rows += entry.rows.count
    }
    return (rows, bytes)
}

do {
    for path in arguments {
        let folder = URL(fileURLWithPath: path)
        var best = Double.infinity
        var counted = (rows: 0, bytes: 0)
        for _ in 0..<max(1, repeats) {
            let start = Date()
            counted = try readAll(folder)
            best = min(best, Date().timeIntervalSince(start))
        }
        let megabytes = Double(counted.bytes) / 1e6
        print(String(format: "%@ %d %.1f %.3f %.1f", path, counted.rows, megabytes, best, megabytes / best))
    }
} catch {
    FileHandle.standardError.write(Data("vimo-bench-store: \(error.localizedDescription)\n".utf8))
    exit(1)
}
