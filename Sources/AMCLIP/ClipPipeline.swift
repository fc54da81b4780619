import Foundation
import Torch

/// Sampler + cache + builder: the clip classifier m of M sees of a video in an epoch.
public struct ClipPipeline: Sendable {
    /// Where rows come from.
    public let source: ClipSource
    /// Which indices each classifier sees.
    public let sampler: Sampler
    /// How rows become model input.
    public let builder: ClipBuilder
    /// Training's colour jitter of the RGB frames (one draw per video and epoch, `ColorJitter`); nil for none.
    public var jitter: ColorJitter?

    public init(source: ClipSource, sampler: Sampler, builder: ClipBuilder) throws {
        if builder.modality.needsFlow, source.flow == nil {
            throw ClipError.unusableFolder("\(builder.modality) clips need a flow folder; the source has only \(source.frames.directory.path)")
        }
        self.source = source
        self.sampler = sampler
        self.builder = builder
    }

    /// X-CLIP's `num_frames` for these clips (P, or 2P for rgb+flow).
    public var modelFrames: Int { builder.modality.modelFrames(indices: sampler.frames) }

    /// The P indices classifier `m` sees of `video`; throws `ClipError` for a video that cannot give this modality
    /// a clip (missing, no frames, one frame with flow).
    public func indices(video: String, classifier m: Int, epoch: Int, training: Bool) throws -> [Int] {
        let fields = try builder.modality.indexCount(frames: source.frameCount(of: video), video: video)
        return sampler.indices(video: video, fields: fields, classifier: m, epoch: epoch, training: training)
    }

    /// The clip (T, 3, R, R) classifier `m` sees of `video` in `epoch`, mirrored when `flip`.
    public func clip(video: String, classifier m: Int, epoch: Int, training: Bool, flip: Bool = false) throws -> Tensor {
        let chosen = try indices(video: video, classifier: m, epoch: epoch, training: training)
        return try builder.clip(source.read(video: video, indices: chosen, modality: builder.modality), flip: flip)
    }

    /// The clips of all M classifiers for `video` in `epoch`, (M, T, 3, R, R), from one read of the union of their
    /// indices (each row read and each flow field coloured once).
    public func clips(video: String, epoch: Int, training: Bool, flip: Bool = false) throws -> Tensor {
        let selections = try (0..<sampler.classifiers).map { try indices(video: video, classifier: $0, epoch: epoch, training: training) }
        let union = Array(Set(selections.joined())).sorted()
        let draw = training && builder.modality.needsFrames ? jitter?.draw(sampler.random, key: [video, String(epoch)]) : nil
        return try builder.clips(source.read(video: video, indices: union, modality: builder.modality), selections: selections, flip: flip,
                                 jitter: draw)
    }

    /// Clips of `videos` stacked (B, T, 3, R, R); `flips[b]` mirrors video b (none when nil).
    public func batch(videos: [String], classifier m: Int, epoch: Int, training: Bool, flips: [Bool]? = nil) throws -> Tensor {
        try ClipBuilder.batch(videos.enumerated().map { b, video in
            try clip(video: video, classifier: m, epoch: epoch, training: training, flip: flips?[b] ?? false)
        })
    }

    /// The clips of all M classifiers for each of `videos`, (B, M, T, 3, R, R) on the CPU, the videos built at once
    /// on all cores (each as `clips(video:…)`: its rows read and its flow fields coloured once); `flips[b]` mirrors
    /// video b. The first video that cannot give a clip throws.
    public func clips(videos: [String], epoch: Int, training: Bool, flips: [Bool]) throws -> Tensor {
        precondition(flips.count == videos.count, "ClipPipeline.clips: \(flips.count) flips for \(videos.count) videos")
        let results = Results(count: videos.count)
        DispatchQueue.concurrentPerform(iterations: videos.count) { b in
            results.set(b, Result { try clips(video: videos[b], epoch: epoch, training: training, flip: flips[b]) })
        }
        return try ClipBuilder.batch(try results.values())
    }
}

/// Per-video results written from several threads.
private final class Results: @unchecked Sendable {
    private var slots: [Result<Tensor, Error>?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ result: Result<Tensor, Error>) {
        lock.lock()
        slots[index] = result
        lock.unlock()
    }
    func values() throws -> [Tensor] {
        try slots.map { slot in
            guard let slot else { throw TorchError.invalidArgument("ClipPipeline.clips: a clip was not built") }
            return try slot.get()
        }
    }
}
