import ArgumentParser
import Foundation

/// The demo's dataset: the synthetic motion task written by vimo-synth, plus Big Buck Bunny as a
/// real-video smoke item when the sample is present. The generator's arguments are kept beside the
/// dataset (`<name>.synth`), so a dataset made with other settings, or by an older vimo, is made again.
struct DemoDataset {
    let root: URL
    /// The pipeline's own dataset folder (safe to replace); a folder given with --dataset is only
    /// replaced when vimo demo made it.
    let isDefault: Bool
    let clips: Int
    let frames: Int

    static let bunny = "data/samples/bigbuckbunny.mp4"

    var marker: URL { root.deletingLastPathComponent().appendingPathComponent(root.lastPathComponent + ".synth") }

    /// vimo-synth's arguments: 20 % of the clips are the test split, two animals a clip.
    var arguments: [String] {
        var arguments = ["--task", "motion", "--animals", "2", "--clips", String(clips), "--frames", String(frames),
                         "--val-fraction", "0.2", "--seed", "49"]
        if FileManager.default.fileExists(atPath: Self.bunny) {
            arguments += ["--extra", "BUNNYCLP=\(Self.bunny):2"]  // real footage, labelled "keeping still" for show
        }
        return arguments
    }

    func prepare(console: Console) throws {
        let wanted = arguments.joined(separator: " ")
        let files = FileManager.default
        let made = try? String(contentsOf: marker, encoding: .utf8)
        if files.fileExists(atPath: root.appendingPathComponent("annotation/train.csv").path), made == wanted { return }
        if files.fileExists(atPath: root.path) {
            let empty = ((try? files.contentsOfDirectory(atPath: root.path)) ?? []).isEmpty
            guard made != nil || isDefault || empty else {
                console.error("\(root.path) exists and was not made by vimo demo; remove it or give another --dataset")
                throw ExitCode(2)
            }
            console.line("replacing \(Console.short(root)) (made with other settings: \(made ?? "an older vimo demo"))")
            try files.removeItem(at: root)
        }
        if !arguments.contains("--extra") {
            console.note("\(Self.bunny) is missing (make bootstrap downloads it); the demo runs on synthetic clips only")
        }
        console.line("generating the demo dataset in \(Console.short(root))")
        let process = Process()
        process.executableURL = Console.siblingFolders[0].appendingPathComponent("vimo-synth")
        process.arguments = ["--out", root.path] + arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            console.error("vimo-synth failed (exit status \(process.terminationStatus))")
            throw ExitCode(2)
        }
        try Data(wanted.utf8).write(to: marker, options: .atomic)
    }
}
