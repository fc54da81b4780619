// Read side of bench/storage.sh: how fast a stage gets its rows back from shard folders, per storage
// profile. Reads every item of each folder through Store's ShardReader, as the stages do (vimo-flow
// and vimo-clip read an item's frames whole, vimo-moclip its flow fields whole), best of --repeat.
//
//   vimo-bench-store [--repeat N] [--rows whole|single] DIR...
//
// --rows single reads one row per call instead (AnimalMotionCLIP's sparse sampling: 8 frames of a
// video, each its own read). Prints, per folder: rows, decoded MB, seconds, decoded MB/s.
//
//   vimo-bench-store --compare-flow REFERENCE OTHER
//
// What a storage profile's flow rounding does downstream: over every field of the items both flow
// folders hold, the largest change of a value (px), and how the colour-coded images MoCLIP learns
// from change (per-field maximum normalisation as ViMoCLIP, and a fixed 2 px as the demo): the
// largest change of a colour level and the share of colour bytes that change at all; then the mean
// end-point error (px) between the two folders' vectors; last, how far the bytes that change move on average.
//
//   vimo-bench-store --compare-frames REFERENCE OTHER
//
// Frames of two decode folders (compact's JPEG against exact's): frames compared, PSNR (dB) over all
// of them, mean and largest absolute difference of a byte.
//
//   vimo-bench-store --compare-embeddings REFERENCE OTHER
//
// Embeddings of two folders (CLIP of JPEG frames against CLIP of exact ones): rows, mean and smallest cosine.
//
//   vimo-bench-store --index DIR
//
// What the folder index (index.json) saves: ShardIndex.build of DIR without it (every shard opened), with
// it (none opened), and with it after one shard changed; then one commit's cost (a new shard added).
import Foundation
import Media
import Store

var arguments = Array(CommandLine.arguments.dropFirst())
func take(_ name: String) -> String? {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    defer { arguments.removeSubrange(i...(i + 1)) }
    return arguments[i + 1]
}
if let folder = take("--index") {
    do { try benchIndex(URL(fileURLWithPath: folder)) } catch {
        FileHandle.standardError.write(Data("vimo-bench-store: \(error.localizedDescription)\n".utf8))
        exit(1)
    }
    exit(0)
}

/// Prints seconds of ShardIndex.build in each situation, best of 5.
func benchIndex(_ folder: URL) throws {
    let indexFile = folder.appendingPathComponent("index.json")
    func best(_ prepare: () throws -> Void) throws -> (Double, Int) {
        var seconds = Double.infinity, items = 0
        for _ in 0..<5 {
            try prepare()
            let start = Date()
            items = try ShardIndex.build(directory: folder).count
            seconds = min(seconds, Date().timeIntervalSince(start))
        }
        return (seconds, items)
    }
    let shards = try ShardIndex.build(directory: folder).shards
    let (cold, items) = try best { try? FileManager.default.removeItem(at: indexFile) }
    let (warm, _) = try best {}
    let (oneChanged, _) = try best {
        // A new modification time on one shard: that one is read again, the rest come from the index.
        try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: shards[shards.count / 2].path)
    }
    let size = (try? FileManager.default.attributesOfItem(atPath: indexFile.path)[.size] as? Int) ?? 0
    print(String(format: "shards %d items %d index.json %.1f MB | build without index %.3f s, with index %.3f s (%.1fx), one shard changed %.3f s",
                 shards.count, items, Double(size) / 1e6, cold, warm, cold / warm, oneChanged))
}

if let reference = take("--compare-flow") {
    guard let other = arguments.first else { FileHandle.standardError.write(Data("--compare-flow needs two folders\n".utf8)); exit(64) }
    do { try compareFlow(URL(fileURLWithPath: reference), URL(fileURLWithPath: other)) } catch {
        FileHandle.standardError.write(Data("vimo-bench-store: \(error.localizedDescription)\n".utf8))
        exit(1)
    }
    exit(0)
}

for (option, compare) in [("--compare-frames", compareFrames), ("--compare-embeddings", compareEmbeddings)] {
    guard let reference = take(option) else { continue }
    guard let other = arguments.first else { FileHandle.standardError.write(Data("\(option) needs two folders\n".utf8)); exit(64) }
    do { try compare(URL(fileURLWithPath: reference), URL(fileURLWithPath: other)) } catch {
        FileHandle.standardError.write(Data("vimo-bench-store: \(error.localizedDescription)\n".utf8))
        exit(1)
    }
    exit(0)
}

/// The rows of every item both folders hold, read through each folder's shards, handed to `body` in pairs.
func pairedItems(_ reference: URL, _ other: URL, _ body: (ShardReader, Range<Int>, ShardReader, Range<Int>) throws -> Void) throws {
    let a = try ShardIndex.build(directory: reference), b = try ShardIndex.build(directory: other)
    for item in a.items {
        guard let ea = a[item], let eb = b[item], ea.rows.count == eb.rows.count, !ea.rows.isEmpty else { continue }
        try body(try ShardReader(url: ea.shard), ea.rows, try ShardReader(url: eb.shard), eb.rows)
    }
}

/// Prints "frames psnr meanAbsDifference maxAbsDifference".
func compareFrames(_ reference: URL, _ other: URL) throws {
    var frames = 0, squared = 0.0, absolute = 0.0, largest = 0, bytes = 0
    try pairedItems(reference, other) { ra, rowsA, rb, rowsB in
        let x = try ra.readFrames(rows: rowsA), y = try rb.readFrames(rows: rowsB)
        for (p, q) in zip(x, y) {
            let d = abs(Int(p) - Int(q))
            squared += Double(d * d)
            absolute += Double(d)
            largest = max(largest, d)
        }
        frames += rowsA.count
        bytes += x.count
    }
    let mse = squared / Double(max(1, bytes))
    print(String(format: "%d %.2f %.3f %d", frames, 10 * log10(255 * 255 / max(mse, 1e-12)), absolute / Double(max(1, bytes)), largest))
}

/// Prints "rows meanCosine minCosine".
func compareEmbeddings(_ reference: URL, _ other: URL) throws {
    var rows = 0, total = 0.0, smallest = 1.0
    try pairedItems(reference, other) { ra, rowsA, rb, rowsB in
        guard case .embeddings(let dim) = ra.payload else { return }
        let x = try ra.readEmbeddings(rows: rowsA), y = try rb.readEmbeddings(rows: rowsB)
        for row in 0..<rowsA.count {
            var dot = 0.0, nx = 0.0, ny = 0.0
            for k in (row * dim)..<((row + 1) * dim) {
                dot += Double(x[k]) * Double(y[k])
                nx += Double(x[k]) * Double(x[k])
                ny += Double(y[k]) * Double(y[k])
            }
            let cosine = dot / max((nx * ny).squareRoot(), 1e-30)
            total += cosine
            smallest = min(smallest, cosine)
            rows += 1
        }
    }
    print(String(format: "%d %.6f %.6f", rows, total / Double(max(1, rows)), smallest))
}

/// Prints "fields maxChange perFrameMaxLevels perFrameChangedShare fixedMaxLevels fixedChangedShare meanEPE
/// perFrameMeanLevels fixedMeanLevels" (the mean level change of the bytes that change).
func compareFlow(_ reference: URL, _ other: URL) throws {
    let a = try ShardIndex.build(directory: reference), b = try ShardIndex.build(directory: other)
    var fields = 0, largest: Float = 0, endPoint = 0.0, pixels = 0
    var levels = [0, 0], changed = [0, 0], moved = [0, 0], bytes = 0
    for item in a.items {
        guard let ea = a[item], let eb = b[item], ea.rows.count == eb.rows.count, !ea.rows.isEmpty else { continue }
        let ra = try ShardReader(url: ea.shard), rb = try ShardReader(url: eb.shard)
        guard case .flow(let height, let width) = ra.payload else { continue }
        let x = try ra.readFlow(rows: ea.rows), y = try rb.readFlow(rows: eb.rows)
        let plane = height * width
        for field in 0..<ea.rows.count {
            let base = field * 2 * plane
            for index in base..<(base + 2 * plane) { largest = max(largest, abs(x[index] - y[index])) }
            for index in base..<(base + plane) {
                endPoint += Double(hypotf(x[index] - y[index], x[index + plane] - y[index + plane]))
            }
            pixels += plane
            for (k, normalization) in [FlowColor.Normalization.perFrameMaximum, .fixed(2)].enumerated() {
                let ia = FlowColor.image(u: Array(x[base..<(base + plane)]), v: Array(x[(base + plane)..<(base + 2 * plane)]),
                                         width: width, height: height, normalization: normalization)
                let ib = FlowColor.image(u: Array(y[base..<(base + plane)]), v: Array(y[(base + plane)..<(base + 2 * plane)]),
                                         width: width, height: height, normalization: normalization)
                for (p, q) in zip(ia, ib) where p != q {
                    levels[k] = max(levels[k], abs(Int(p) - Int(q)))
                    changed[k] += 1
                    moved[k] += abs(Int(p) - Int(q))
                }
                if k == 0 { bytes += ia.count }
            }
            fields += 1
        }
    }
    print(String(format: "%d %.6f %d %.6f %d %.6f %.4f %.3f %.3f", fields, largest, levels[0], Double(changed[0]) / Double(max(1, bytes)),
                 levels[1], Double(changed[1]) / Double(max(1, bytes)), endPoint / Double(max(1, pixels)),
                 Double(moved[0]) / Double(max(1, changed[0])), Double(moved[1]) / Double(max(1, changed[1]))))
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
            case .scores: bytes += try reader.readScores(rows: part).count * 4
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
