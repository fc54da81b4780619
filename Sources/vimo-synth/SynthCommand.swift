import ArgumentParser
import Datasets
import Foundation

/// `vimo-synth`: write the synthetic motion dataset in the Animal Kingdom layout.
@main
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vimo-synth",
        abstract: "Generate the synthetic motion dataset (real encoded videos + Animal Kingdom annotations).",
        discussion: """
        Textured animals on textured backgrounds perform motion-defined actions, several per clip. \
        --task mixed (the default): seven long-tailed actions (walking left/right, keeping still, jumping, \
        swimming, spinning, shaking), 1 to 3 animals per clip. --task motion: five balanced actions (walking \
        left/right, keeping still, jumping, running) and exactly --animals animals per clip, whose look, size, \
        position and background are drawn independently of what they do, so no single frame tells the labels: \
        only motion does (direction, speed, periodicity, stillness). The same options always produce the same dataset. Layout: <out>/video/<id>.mp4, <out>/annotation/{train,val}.csv \
        (per-frame Charades format), AR_metadata.csv, df_action.csv.
        """,
        version: "synth-2")

    @Option(name: .long, help: ArgumentHelp("Folder to write the dataset into.", valueName: "dir"))
    var out: String

    @Option(name: .long, help: "Number of clips.")
    var clips: Int = 48

    @Option(name: .long, help: "Average frames per clip (each clip varies by ±25%).")
    var frames: Int = 40

    @Option(name: .long, help: "Video width in pixels (even).")
    var width: Int = 256

    @Option(name: .long, help: "Video height in pixels (even).")
    var height: Int = 192

    @Option(name: .long, help: "Frames per second.")
    var fps: Int = 25

    @Option(name: .long, help: "Random seed.")
    var seed: UInt64 = 49

    @Option(name: .long, help: "Fraction of clips in the val split.")
    var valFraction: Double = 0.25

    @Option(name: .long, help: "Dataset: mixed (varied footage) or motion (only motion carries the labels).")
    var task: String = SyntheticTask.mixed.rawValue

    @Option(name: .long, help: "Animals per clip (--task motion).")
    var animals: Int = 2

    @Option(name: .long, help: ArgumentHelp("Add a real video to the train split: ID=PATH:LABEL,LABEL (repeatable).",
                                            valueName: "id=path:labels"))
    var extra: [String] = []

    mutating func validate() throws {
        _ = try parsedExtras()
        guard clips > 0 else { throw ValidationError("--clips must be positive") }
        guard frames >= 2 else { throw ValidationError("--frames must be at least 2") }
        guard width >= 16, height >= 16, width % 2 == 0, height % 2 == 0 else {
            throw ValidationError("--width and --height must be even and at least 16")
        }
        guard fps > 0 else { throw ValidationError("--fps must be positive") }
        guard (0...1).contains(valFraction) else { throw ValidationError("--val-fraction must lie in 0...1") }
        guard SyntheticTask(rawValue: task) != nil else { throw ValidationError("--task must be mixed or motion") }
        guard (1...6).contains(animals) else { throw ValidationError("--animals must lie in 1...6") }
    }

    func parsedExtras() throws -> [SyntheticDataset.ExtraVideo] {
        try extra.map { text in
            guard let eq = text.firstIndex(of: "="), let colon = text.lastIndex(of: ":"), eq < colon else {
                throw ValidationError("--extra '\(text)': expected ID=PATH:LABEL,LABEL")
            }
            let id = String(text[..<eq]), path = String(text[text.index(after: eq)..<colon])
            let labels = text[text.index(after: colon)...].split(separator: ",").map { Int($0) }
            let classes = SyntheticDataset.classes(for: SyntheticTask(rawValue: task) ?? .mixed).count
            guard !id.isEmpty, labels.allSatisfy({ $0 != nil && $0! >= 0 && $0! < classes }) else {
                throw ValidationError("--extra '\(text)': labels must be class ids 0..<\(classes)")
            }
            guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("--extra: \(path) does not exist") }
            return SyntheticDataset.ExtraVideo(id: id, source: URL(fileURLWithPath: path), labels: labels.map { $0! })
        }
    }

    func run() throws {
        let spec = SyntheticDataset.Spec(clips: clips, frames: frames, width: width, height: height, fps: fps,
                                         valFraction: valFraction, seed: seed, task: SyntheticTask(rawValue: task)!,
                                         animals: animals)
        let root = URL(fileURLWithPath: out)
        let interactive = isatty(STDERR_FILENO) != 0
        let written = try SyntheticDataset.generate(at: root, spec: spec, extras: try parsedExtras()) { done, total in
            if interactive || done == total || done % 25 == 0 {
                FileHandle.standardError.write(Data("\(interactive ? "\r" : "")generated \(done)/\(total) clips\(interactive && done < total ? "" : "\n")".utf8))
            }
        }
        let train = written.filter { $0.split == .train }.count
        print("wrote \(written.count) clips (\(train) train, \(written.count - train) val) to \(root.path)")
    }
}
