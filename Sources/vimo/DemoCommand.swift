import ArgumentParser
import Foundation
import Pipeline

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate the demo dataset (synthetic clips + Big Buck Bunny) if missing, run pipelines/demo.yaml, print the metrics and where everything is.",
        discussion: "A second run finds everything cached and finishes in seconds. Exit status as for `vimo run`.")

    @Option(name: .long, help: ArgumentHelp("Cache folder (default: $VIMO_CACHE, else data/cache).", valueName: "dir"))
    var cache: String?
    @Option(name: .long, help: "Synthetic clips to generate.") var clips: Int = 48
    @Option(name: .long, help: "Stages run at once.") var jobs: Int = 2
    @Flag(name: .long, help: "Do not echo the stages' output.") var quiet = false

    func run() throws {
        let console = Console(quiet: quiet)
        let options = try PipelineOptions.parse(["demo"] + (cache.map { ["--cache", $0] } ?? []))
        // The dataset goes where the pipeline's `dataset` var says; generate it before planning reads it.
        let definition: PipelineDefinition
        do { definition = try options.load() } catch {
            console.error(error.localizedDescription)
            throw ExitCode(2)
        }
        guard case .string(let dataset)? = definition.vars["dataset"] else {
            console.error("\(definition.file.path) has no 'dataset' var naming where the demo dataset goes")
            throw ExitCode(2)
        }
        try makeDataset(at: dataset.description, console: console)
        let planner = try options.open(console: console, definition: definition)
        var runOptions = RunOptions()
        runOptions.jobs = jobs
        runOptions.command = (["vimo"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        let record = try RunReporter(console: console, planner: planner).run(runOptions)
        guard record.succeeded else { throw ExitCode(record.interrupted ? 130 : 1) }
        let preview = preview(record, dataset: URL(fileURLWithPath: dataset.description))
        report(record, preview: preview, console: console)
    }

    private func makeDataset(at dataset: String, console: Console) throws {
        let root = URL(fileURLWithPath: dataset)
        guard !FileManager.default.fileExists(atPath: root.appendingPathComponent("annotation/train.csv").path) else { return }
        var arguments = ["--out", dataset, "--clips", String(clips), "--frames", "40"]
        let bunny = "data/samples/bigbuckbunny.mp4"
        if FileManager.default.fileExists(atPath: bunny) {
            arguments += ["--extra", "BUNNYCLP=\(bunny):2"]  // real footage, labelled "keeping still" for show
        } else {
            console.note("\(bunny) is missing (make bootstrap downloads it); the demo runs on synthetic clips only")
        }
        console.line("generating the demo dataset in \(dataset)")
        let process = Process()
        process.executableURL = Console.siblingFolders[0].appendingPathComponent("vimo-synth")
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            console.error("vimo-synth failed (exit status \(process.terminationStatus))")
            throw ExitCode(2)
        }
    }

    /// The colour-coded flow of one clip (Big Buck Bunny when present) as an .mp4 beside the dataset.
    private func preview(_ record: RunRecord, dataset: URL) -> URL? {
        guard let flow = record.stages.first(where: { $0.stage == "flow" })?.directory else { return nil }
        let videos = (try? FileManager.default.contentsOfDirectory(atPath: dataset.appendingPathComponent("video").path)) ?? []
        guard let item = (videos.contains("BUNNYCLP.mp4") ? "BUNNYCLP.mp4" : videos.sorted().first)?.replacingOccurrences(of: ".mp4", with: "") else {
            return nil
        }
        let out = dataset.deletingLastPathComponent().appendingPathComponent("flow-\(item).mp4")
        if FileManager.default.fileExists(atPath: out.path) { return out }
        let process = Process()
        process.executableURL = Console.siblingFolders[0].appendingPathComponent("vimo-flow")
        process.arguments = ["preview", item, "--flow", flow, "--out", out.path]
        process.standardOutput = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        process.waitUntilExit()
        return process.terminationStatus == 0 ? out : nil
    }

    private func report(_ record: RunRecord, preview: URL?, console: Console) {
        let folders = Dictionary(uniqueKeysWithValues: record.stages.compactMap { stage in stage.directory.map { (stage.stage, $0) } })
        if let eval = folders["eval"],
           let data = try? Data(contentsOf: URL(fileURLWithPath: eval).appendingPathComponent("metrics.json")),
           let metrics = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            console.line("")
            console.line("TFAM (cross fusion) on the validation split:")
            if let map = metrics["map"] as? Double { console.line(String(format: "  mAP (macro, official AK)  %6.2f %%", map * 100)) }
            if let micro = metrics["micro_ap"] as? Double { console.line(String(format: "  micro AP                  %6.2f %%", micro * 100)) }
            for segment in (metrics["segments"] as? [[String: Any]]) ?? [] {
                if let name = segment["segment"] as? String, let map = segment["map"] as? Double {
                    console.line("  " + Console.pad("mAP " + name, 26) + String(format: "%6.2f %%", map * 100))
                }
            }
        }
        console.line("")
        console.line("Where everything is:")
        let explanations = [
            "decode": "frames, uint8 N×224×224×3 HDF5 shards",
            "flow": "optical flow, float16 N×2×224×224",
            "clip": "CLIP frame embeddings",
            "moclip-train": "the MoCLIP student (student.safetensors)",
            "moclip": "motion embeddings",
            "tfam-train": "TFAM weights (best.safetensors) and training log",
            "tfam-predict": "scores on the validation split",
            "eval": "metrics.json, per_class.csv, predictions.csv, per_class_ap.svg, pr_curve.svg",
        ]
        for stage in record.stages {
            guard let directory = stage.directory else { continue }
            console.line("  " + Console.pad(stage.stage, 14) + Console.short(URL(fileURLWithPath: directory))
                         + (explanations[stage.stage].map { "  (\($0))" } ?? ""))
        }
        if let preview { console.line("  " + Console.pad("flow preview", 14) + Console.short(preview) + "  (colour-coded optical flow)") }
        console.line("  " + Console.pad("run record", 14) + Console.short(URL(fileURLWithPath: record.folder)) + "  (record.json, logs/)")
        console.line("Open the frames in Python: /usr/bin/python3 -c \"import h5py, glob; "
                     + "f = h5py.File(sorted(glob.glob('\(Console.short(folders["decode"].map { URL(fileURLWithPath: $0) }))/shard-*.h5'))[0]); "
                     + "print(dict(f.attrs), f['frames'].shape)\"")
        console.line("`vimo status demo` tells what is up to date; `make demo` again finishes in seconds.")
    }
}
