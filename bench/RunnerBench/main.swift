// A stand-in item stage for bench/runner.sh: the runner's bookkeeping is measured on 30,100
// items without decoding 30,100 videos. It behaves like the real item stages (skips committed
// items, same source digests, summary JSON, --fingerprint, --out) but writes a 4-float row per item.
//
//   vimo-bench-stage --dataset DIR --out DIR --fingerprint F --summary FILE     (like vimo-decode)
//   vimo-bench-stage --upstream DIR --out DIR --fingerprint F --summary FILE    (like vimo-flow)
//   vimo-bench-stage --train DIR... --out DIR                                   (a trainer: one file)
//   vimo-bench-stage --version
import Core
import Foundation
import StageCLI
import Store

var arguments = Array(CommandLine.arguments.dropFirst())
func take(_ name: String) -> String? {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    defer { arguments.removeSubrange(i...(i + 1)) }
    return arguments[i + 1]
}
if arguments.first == "--version" { print("bench-stage-1"); exit(0) }
let terminal = Terminal(program: "vimo-bench-stage", quiet: true)
guard let out = take("--out") else { terminal.error("--out is required"); exit(64) }
let output = URL(fileURLWithPath: out)
let row = [Float](repeating: 0.5, count: 4)

do {
    if let train = take("--train") {
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        try Data("trained on \(train)\n".utf8).write(to: output.appendingPathComponent("model.bin"))
        exit(0)
    }
    let fingerprint = take("--fingerprint") ?? "bench"
    let summary = take("--summary").map { URL(fileURLWithPath: $0) }
    if let upstream = take("--upstream") {
        // Like vimo-flow: the shared item-stage loop (skipping, source digests, summary).
        let stage = ItemStage(stage: "bench", upstream: URL(fileURLWithPath: upstream), output: output, shard: .all,
                              itemsPerShard: 64, storage: .raw, rowUnit: "rows", inputs: ["upstream": upstream])
        let (index, first) = try stage.openUpstream()
        let bytes = row.withUnsafeBytes { Array($0) }
        let result = try stage.run(upstream: index, upstreamFingerprint: first.metadata.fingerprint, params: "{}",
                                   fingerprint: fingerprint, payload: .embeddings(dim: 4), labelCount: nil,
                                   terminal: terminal) { _, _ in ItemStage.Output(rows: bytes, frameIndex: [0]) }
        if let summary { try result.write(to: summary) }
        exit(0)
    }
    // Like vimo-decode: one item per video file, its source the file's digest.
    guard let dataset = take("--dataset") else { terminal.error("--dataset, --upstream or --train is required"); exit(64) }
    let start = Date()
    let metadata = ShardMetadata(stage: "bench", fingerprint: fingerprint, params: "{}", schema: Store.schemaVersion)
    try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
    let done = try ShardIndex.build(directory: output)
    var todo: [(String, String)] = []
    let videos = URL(fileURLWithPath: dataset).appendingPathComponent("video")
    let cache = DigestCache(file: output.appendingPathComponent(".digests.tsv"))
    for name in try FileManager.default.contentsOfDirectory(atPath: videos.path).sorted() where name.hasSuffix(".mp4") {
        let source = try cache.digest(of: videos.appendingPathComponent(name))
        let id = String(name.dropLast(4))
        if !done.contains(item: id, source: source) { todo.append((id, source)) }
    }
    try cache.save()
    let sink = ShardSink(directory: output, worker: "w0", metadata: metadata, payload: .embeddings(dim: 4), labelCount: nil,
                         layout: ShardLayout(), itemsPerShard: 64)
    for (id, source) in todo {
        try row.withUnsafeBytes { try sink.append(item: id, source: source, frameIndex: [0], rows: $0, labels: nil) }
    }
    try sink.commit()
    if let summary {
        let result = StageSummary(stage: "bench", inputs: [:], shard: "0/1", params: "{}", fingerprint: fingerprint,
                                  itemsInInput: done.count + todo.count, itemsInShard: done.count + todo.count,
                                  alreadyCached: done.count, processed: todo.count, failed: [], warnings: [], inputProblems: [],
                                  rows: todo.count, rowUnit: "rows", seconds: Date().timeIntervalSince(start),
                                  digestsComputed: 0, shardsWritten: sink.committed.map(\.lastPathComponent))
        try result.write(to: summary)
    }
} catch {
    terminal.error(error.localizedDescription)
    exit(2)
}
