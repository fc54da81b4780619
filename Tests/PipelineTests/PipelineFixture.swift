import Foundation
import Store
import TestSupport
import XCTest

/// A small real pipeline for the runner's tests: a synthetic dataset (8 clips of 12 frames),
/// the real stage executables with tiny settings, and a cache, all in a temporary folder.
struct PipelineFixture {
    let root: URL
    var dataset: URL { root.appendingPathComponent("dataset") }
    var cache: URL { root.appendingPathComponent("cache") }
    var pipeline: URL { root.appendingPathComponent("small.yaml") }
    static let clips = 8

    static let itemStages = ["decode", "flow", "clip", "moclip"]
    static let allStages = ["decode", "flow", "clip", "moclip-train", "moclip", "tfam-train", "tfam-predict", "eval"]

    /// `storage` sets decode's and flow's storage profile (nil: the stages' default, `exact`).
    init(name: String = "vimo-runner", flowPreset: String = "ultrafast", storage: String? = nil) throws {
        root = try TestSupport.temporaryFolder(name)
        let synth = try TestSupport.run(TestSupport.product("vimo-synth"), [
            "--out", root.appendingPathComponent("dataset").path, "--clips", String(Self.clips), "--frames", "12",
            "--width", "96", "--height", "64"])
        XCTAssertEqual(synth.status, 0, synth.stderr)
        try writePipeline(flowPreset: flowPreset, storage: storage)
    }

    func writePipeline(flowPreset: String, storage: String? = nil) throws {
        let store = storage.map { ", storage: \($0)" } ?? ""
        let yaml = """
        vars:
          dataset: \(dataset.path)
        stages:
          decode:
            run: vimo-decode
            inputs: {dataset: "${dataset}"}
            params: {split: all, sampling: all, items-per-shard: 2\(store)}
          flow:
            run: vimo-flow compute
            inputs: {frames: decode}
            params: {method: dis, preset: \(flowPreset), items-per-shard: 2\(store)}
          clip:
            run: vimo-clip
            inputs: {frames: decode}
            params: {model: tiny, weights: "random:1", items-per-shard: 2}
          moclip-train:
            run: vimo-moclip train
            inputs: {flow: flow, clip: clip, labels: "${dataset}"}
            params: {model: tiny, teacher: "random:1", segment: 4, batch: 4, epochs: 1, min-validation: 1}
          moclip:
            run: vimo-moclip embed
            inputs: {flow: flow, weights: moclip-train/student.safetensors}
          tfam-train:
            run: vimo-tfam train
            inputs: {clip: clip, motion: moclip, annotations: "${dataset}"}
            params: {fusion: cross, layers: 1, heads: 2, feed-forward: 32, epochs: 2, batch: 4, min-validation: 1}
          tfam-predict:
            run: vimo-tfam predict
            inputs: {clip: clip, motion: moclip, annotations: "${dataset}", weights: tfam-train/best.safetensors}
            params: {split: all}
          eval:
            run: vimo-eval
            inputs: {scores: tfam-predict, annotations: "${dataset}"}
        """
        try yaml.write(to: pipeline, atomically: true, encoding: .utf8)
    }

    /// Runs `vimo <arguments> <pipeline> --cache <cache>`.
    @discardableResult
    func vimo(_ arguments: [String]) throws -> TestSupport.ProcessResult {
        try TestSupport.run(TestSupport.product("vimo"), arguments + [pipeline.path, "--cache", cache.path])
    }

    /// Starts `vimo run` in the background; output goes to `<root>/<name>.out`.
    func startRun(_ name: String, extra: [String] = [], environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        process.executableURL = URL(fileURLWithPath: TestSupport.product("vimo"))
        process.arguments = ["run", pipeline.path, "--cache", cache.path] + extra
        let log = root.appendingPathComponent(name + ".out")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    func output(_ name: String) -> String {
        (try? String(contentsOf: root.appendingPathComponent(name + ".out"), encoding: .utf8)) ?? ""
    }

    /// The newest run record.
    func lastRecord() throws -> [String: Any] { try Self.newestRecord(cache: cache) }

    /// The newest run record in `cache` (the run folders' names start with the time, to the millisecond).
    static func newestRecord(cache: URL) throws -> [String: Any] {
        let runs = cache.appendingPathComponent("runs")
        let newest = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: runs.path).sorted().last)
        let data = try Data(contentsOf: runs.appendingPathComponent(newest).appendingPathComponent("record.json"))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Stage → what the newest run did with it (`ran`, `up to date`, …).
    func actions() throws -> [String: String] {
        let stages = try lastRecord()["stages"] as! [[String: Any]]
        return Dictionary(uniqueKeysWithValues: stages.map { ($0["stage"] as! String, $0["action"] as! String) })
    }

    /// Stage → items processed by the newest run (item stages that ran).
    func processed() throws -> [String: Int] {
        let stages = try lastRecord()["stages"] as! [[String: Any]]
        return Dictionary(uniqueKeysWithValues: stages.compactMap { s in (s["processed"] as? Int).map { (s["stage"] as! String, $0) } })
    }

    /// The stage's complete folders (those with a run.json).
    func folders(_ stage: String) -> [URL] {
        let base = cache.appendingPathComponent(stage)
        return ((try? FileManager.default.contentsOfDirectory(atPath: base.path)) ?? []).sorted()
            .map { base.appendingPathComponent($0) }
    }

    /// Every item of every committed shard of a folder, duplicates kept.
    static func itemOccurrences(_ folder: URL) throws -> [String] {
        try ShardDirectory.committedShards(in: folder).flatMap { try ShardReader(url: $0).items }
    }

    /// Item → its payload bytes (frames, flow or embeddings), for comparing two caches.
    static func payloads(_ folder: URL) throws -> [String: Data] {
        let index = try ShardIndex.build(directory: folder)
        var result: [String: Data] = [:]
        for item in index.items {
            let entry = index[item]!
            let reader = try ShardReader(url: entry.shard)
            switch reader.payload {
            case .frames: result[item] = Data(try reader.readFrames(rows: entry.rows))
            case .flow: result[item] = try reader.readFlowHalf(rows: entry.rows).withUnsafeBytes { Data($0) }
            case .scores: result[item] = try reader.readScores(rows: entry.rows).withUnsafeBytes { Data($0) }
            default: result[item] = try reader.readEmbeddings(rows: entry.rows).withUnsafeBytes { Data($0) }
            }
        }
        return result
    }

    /// Hides clips from the dataset (video file and annotation rows) and returns a function that brings them back.
    func hide(_ count: Int) throws -> () throws -> Void {
        let videos = dataset.appendingPathComponent("video")
        let ids = try FileManager.default.contentsOfDirectory(atPath: videos.path).sorted().suffix(count)
            .map { String($0.dropLast(4)) }
        let annotation = dataset.appendingPathComponent("annotation")
        var saved: [(URL, Data)] = []
        for name in ["train.csv", "val.csv", "AR_metadata.csv"] {
            let url = annotation.appendingPathComponent(name)
            let data = try Data(contentsOf: url)
            saved.append((url, data))
            let kept = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                .filter { line in !ids.contains { line.contains($0) } }
            try kept.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        }
        let stash = root.appendingPathComponent("stash")
        try FileManager.default.createDirectory(at: stash, withIntermediateDirectories: true)
        for id in ids {
            try FileManager.default.moveItem(at: videos.appendingPathComponent(id + ".mp4"), to: stash.appendingPathComponent(id + ".mp4"))
        }
        return {
            for (url, data) in saved { try data.write(to: url) }
            for id in ids {
                try FileManager.default.moveItem(at: stash.appendingPathComponent(id + ".mp4"), to: videos.appendingPathComponent(id + ".mp4"))
            }
        }
    }
}

extension PipelineFixture {
    /// The run in `fixture` completed with the same item sets, bytes and metrics as `reference`.
    static func assertSameResults(_ fixture: PipelineFixture, _ reference: PipelineFixture, context: String) throws {
        XCTAssertEqual(Set(try fixture.actions().values).subtracting(["ran", "up to date"]), [], context)
        for stage in PipelineFixture.itemStages {
            let folder = try XCTUnwrap(fixture.folders(stage).first, "\(stage) \(context)")
            let items = try PipelineFixture.itemOccurrences(folder)
            XCTAssertEqual(items.count, PipelineFixture.clips, "\(stage): every item exactly once (\(context))")
            XCTAssertEqual(Set(items).count, PipelineFixture.clips, "\(stage) (\(context))")
            let mine = try PipelineFixture.payloads(folder), theirs = try PipelineFixture.payloads(reference.folders(stage)[0])
            let differing = mine.keys.filter { mine[$0] != theirs[$0] }.sorted()
            XCTAssertEqual(mine, theirs, "\(stage): same bytes as the uninterrupted run (\(context)); items that differ: \(differing)")
        }
        let metrics = { (f: PipelineFixture) throws -> Data in
            try Data(contentsOf: f.folders("eval")[0].appendingPathComponent("metrics.json"))
        }
        XCTAssertEqual(try metrics(fixture), try metrics(reference), "same metrics as the uninterrupted run (\(context))")
    }

    /// Committed shard path → (inode, mtime), to show later that a rerun rewrote none of them.
    static func committedShards(_ fixture: PipelineFixture) throws -> [String: String] {
        var result: [String: String] = [:]
        for stage in PipelineFixture.itemStages {
            for folder in fixture.folders(stage) {
                for shard in try ShardDirectory.committedShards(in: folder) {
                    let attributes = try FileManager.default.attributesOfItem(atPath: shard.path)
                    result[shard.path] = "\(attributes[.systemFileNumber] ?? 0) \(attributes[.modificationDate] ?? 0)"
                }
            }
        }
        return result
    }

    static func assertStillThere(_ before: [String: String]) throws {
        for (path, identity) in before {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            XCTAssertEqual("\(attributes[.systemFileNumber] ?? 0) \(attributes[.modificationDate] ?? 0)", identity,
                           "\(path) was committed before the rerun and must not be rewritten")
        }
    }

}
