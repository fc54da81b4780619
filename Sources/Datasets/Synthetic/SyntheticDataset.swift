import Foundation
import Media

/// The synthetic motion dataset: textured animals on textured backgrounds doing
/// motion-defined actions, written as real encoded videos with Animal Kingdom
/// annotations. It feeds the demo, the tests and the benchmarks of every stage.
public enum SyntheticDataset {
    /// What to generate. The same spec always gives the same files.
    public struct Spec: Sendable, Equatable {
        /// Number of clips.
        public var clips = 48
        /// Frames per clip (a clip's length varies by up to ±25% around this).
        public var frames = 40
        /// Video size before vimo's resize to 224×224.
        public var width = 256
        public var height = 192
        public var fps = 25
        /// Fraction of clips in the val split.
        public var valFraction = 0.25
        /// At most this many animals (and so labels) per clip.
        public var maxAnimals = 3
        public var seed: UInt64 = 49
        /// Video encoder settings (key frame interval and B-frames matter for decoding tests).
        public var keyframeInterval = 25
        /// Which dataset: the varied `mixed` one, or the `motion` task where only motion carries the labels.
        public var task = SyntheticTask.mixed
        /// Animals in every clip of the `motion` task (`mixed` draws 1…maxAnimals).
        public var animals = 2

        public init(clips: Int = 48, frames: Int = 40, width: Int = 256, height: Int = 192, fps: Int = 25,
                    valFraction: Double = 0.25, maxAnimals: Int = 3, seed: UInt64 = 49, keyframeInterval: Int = 25,
                    task: SyntheticTask = .mixed, animals: Int = 2) {
            self.clips = clips
            self.frames = frames
            self.width = width
            self.height = height
            self.fps = fps
            self.valFraction = valFraction
            self.maxAnimals = maxAnimals
            self.seed = seed
            self.keyframeInterval = keyframeInterval
            self.task = task
            self.animals = animals
        }
    }

    /// One generated clip.
    public struct Clip: Sendable, Equatable {
        public var id: String
        public var split: Split
        public var frames: Int
        public var labels: [Int]
    }

    /// The class list of the synthetic dataset (ids = `SyntheticAction` raw values), with
    /// head/middle/tail segments by frequency as in Animal Kingdom.
    public static var classes: ClassList {
        let list = SyntheticAction.allCases.map { action -> ActionClass in
            let segment: Segment = action.weight >= 5 ? .head : action.weight >= 2 ? .middle : .tail
            return ActionClass(id: action.rawValue, name: action.name, category: action.category, segment: segment)
        }
        return try! ClassList(list)  // ids are 0..<count by construction
    }

    /// The class list of `task`: the `motion` task's five balanced actions have no head/middle/tail.
    public static func classes(for task: SyntheticTask) -> ClassList {
        switch task {
        case .mixed: return classes
        case .motion:
            let list = MotionAction.allCases.map { ActionClass(id: $0.rawValue, name: $0.name, category: $0.category) }
            return try! ClassList(list)  // ids are 0..<count by construction
        }
    }

    /// A real video to add to the train split as-is (the demo adds Big Buck Bunny).
    public struct ExtraVideo: Sendable, Equatable {
        public var id: String
        public var source: URL
        public var labels: [Int]
        public init(id: String, source: URL, labels: [Int]) {
            self.id = id
            self.source = source
            self.labels = labels
        }
    }

    /// Writes the dataset under `root` in the Animal Kingdom layout:
    /// `video/<id>.mp4`, `annotation/{train,val}.csv` (per-frame Charades format),
    /// `annotation/AR_metadata.csv`, `annotation/df_action.csv`. Returns the clips.
    /// `progress` is called after each clip with (done, total).
    @discardableResult
    public static func generate(at root: URL, spec: Spec = Spec(), extras: [ExtraVideo] = [],
                                progress: ((Int, Int) -> Void)? = nil) throws -> [Clip] {
        let videoFolder = root.appendingPathComponent("video")
        let annotationFolder = root.appendingPathComponent("annotation")
        try FileManager.default.createDirectory(at: videoFolder, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: annotationFolder, withIntermediateDirectories: true)

        var rng = SplitMix64(seed: spec.seed)
        var used = Set<String>()
        var clips: [Clip] = []
        for n in 0..<spec.clips {
            var id = ""
            repeat { id = String((0..<8).map { _ in Character(UnicodeScalar(65 + UInt8(rng.next() % 26))) }) }
            while !used.insert(id).inserted
            let length = max(2, Int(Double(spec.frames) * rng.uniform(0.75, 1.25)))
            let split: Split = rng.uniform(0, 1) < spec.valFraction ? .val : .train
            var clipRNG = SplitMix64(seed: rng.next())
            let frame: (Int) -> [UInt8], labels: [Int]
            switch spec.task {
            case .mixed:
                let clip = SyntheticClip.random(width: spec.width, height: spec.height, frames: length,
                                                maxAnimals: spec.maxAnimals, rng: &clipRNG)
                (frame, labels) = (clip.frame, clip.actions.map(\.rawValue))
            case .motion:
                let clip = MotionTaskClip.random(width: spec.width, height: spec.height, animals: spec.animals, rng: &clipRNG)
                (frame, labels) = (clip.frame, clip.labels)
            }
            let encoder = try VideoEncoder(url: videoFolder.appendingPathComponent("\(id).mp4"),
                                           width: spec.width, height: spec.height,
                                           options: EncodeOptions(fps: spec.fps, keyframeInterval: spec.keyframeInterval))
            for t in 0..<length { try encoder.append(rgb: frame(t)) }
            try encoder.finish()
            clips.append(Clip(id: id, split: split, frames: length, labels: labels))
            progress?(n + 1, spec.clips)
        }
        for extra in extras {
            let target = videoFolder.appendingPathComponent("\(extra.id).mp4")
            try? FileManager.default.removeItem(at: target)
            try FileManager.default.copyItem(at: extra.source, to: target)
            let frames = try VideoDecoder(url: target).info.frameCount
            clips.append(Clip(id: extra.id, split: .train, frames: frames, labels: extra.labels.sorted()))
        }
        try writeAnnotations(clips, classes: classes(for: spec.task), to: annotationFolder)
        return clips
    }

    static func writeAnnotations(_ clips: [Clip], classes: ClassList, to folder: URL) throws {
        for split in [Split.train, .val] {
            let rows = clips.filter { $0.split == split }.map { (id: $0.id, frames: $0.frames, labels: $0.labels) }
            try AnimalKingdom.writeCharadesCSV(videos: rows, to: folder.appendingPathComponent("\(split.rawValue).csv"),
                                               split: split)
        }
        try AnimalKingdom.writeARMetadata(videos: clips.map { (id: $0.id, split: $0.split, labels: $0.labels) },
                                          to: folder.appendingPathComponent("AR_metadata.csv"))
        try classes.writeDfAction(to: folder.appendingPathComponent("df_action.csv"))
    }
}
