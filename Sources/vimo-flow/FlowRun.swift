import Core
import Foundation
import Models
import StageCLI
import Store
import Torch

/// Everything a flow run needs.
struct FlowSettings {
    var frames: URL
    var output: URL
    var method: FlowMethodName
    var weights: String?
    var iterations: Int
    var batch: Int
    var preset: String
    var device: Device
    var shard: ShardSelector
    var itemsPerShard: Int
    var storage: StorageProfile
    var fingerprint: String?

    /// flow-2: fields are rounded as the storage profile says (`exact`: FlowRounding at k = 10).
    static let codeVersion = "flow-2"
}

/// Reads decode shards item by item, computes flow, writes flow shards.
final class FlowRun {
    let settings: FlowSettings
    let terminal: Terminal

    init(settings: FlowSettings, terminal: Terminal) {
        self.settings = settings
        self.terminal = terminal
    }

    func run() throws -> StageSummary {
        try OutputFolder.create(settings.output)
        let stage = ItemStage(stage: "flow", upstream: settings.frames, output: settings.output, shard: settings.shard,
                              itemsPerShard: settings.itemsPerShard, storage: settings.storage, rowUnit: "pairs",
                              inputs: ["frames": settings.frames.path, "weights": settings.weights ?? ""])
        let (upstream, first) = try stage.openUpstream()
        guard case .frames(let height, let width, 3) = first.payload else { throw FlowError.notFrames(first.url.path) }
        let estimator = try makeEstimator()
        let params = "{\"iters\":\(settings.method == .dis ? 0 : settings.iterations),\"method\":\"\(settings.method.rawValue)\","
            + "\"preset\":\"\(settings.method == .dis ? settings.preset : "")\",\"storage\":\"\(settings.storage)\","
            + "\"weights\":\"\(estimator.weightsDigest)\"}"
        let fingerprint = settings.fingerprint ?? FileDigest.sha256(of: Data(
            ("flow\n\(FlowSettings.codeVersion)\n\(params)\n\(first.metadata.fingerprint)").utf8))
        return try stage.run(upstream: upstream, upstreamFingerprint: first.metadata.fingerprint, params: params,
                             fingerprint: fingerprint, payload: .flow(height: height, width: width),
                             labelCount: first.labelCount, terminal: terminal) { reader, entry, report in
            let frameIndex = try reader.frameIndex(rows: entry.rows)
            let flow = try estimator.flow(frames: reader.readFrames(rows: entry.rows), count: entry.rows.count,
                                          height: height, width: width, progress: report)
            let pairs = max(0, entry.rows.count - 1)
            return ItemStage.Output(rows: flow, frameIndex: Array(frameIndex.prefix(pairs)),
                                    warning: pairs == 0 ? "\(entry.rows.count) frame(s), so no flow pairs" : nil)
        }
    }

    private func makeEstimator() throws -> FlowEstimator {
        switch settings.method {
        case .raftLarge, .raftSmall:
            return try RAFTEstimator(variant: settings.method == .raftLarge ? .large : .small, weights: settings.weights!,
                                     iterations: settings.iterations, batch: settings.batch, device: settings.device)
        case .dis:
            return try DISEstimator(preset: settings.preset)
        }
    }
}

enum FlowError: Error, LocalizedError {
    case notFrames(String)

    var errorDescription: String? {
        switch self {
        case .notFrames(let path): return "\(path) is not a decode shard of 224×224 RGB frames"
        }
    }
}
