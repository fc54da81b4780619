import ArgumentParser
import Foundation
import Pipeline

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate the demo dataset (the synthetic motion task + Big Buck Bunny) if missing, run pipelines/demo.yaml and its fusion ablations (demo-*.yaml), print the ablation against chance and where everything is.",
        discussion: """
        The dataset's labels are carried by motion alone (direction, speed, periodicity, stillness), so appearance-only \
        fusion (rgb) should score near the chance level of random scores, and every fusion that sees motion well above it. \
        The table's chance row is the expected mAP / micro AP of random scores on the same test videos (exact). \
        A chart of the table is written as SVG (and PNG when rsvg-convert is installed) beside the dataset, with \
        ablation.json holding the numbers. A second run finds everything cached and finishes in seconds. \
        Exit status as for `vimo run`.
        """)

    @Option(name: .long, help: ArgumentHelp("Cache folder (default: $VIMO_CACHE, else data/cache).", valueName: "dir"))
    var cache: String?
    @Option(name: .long, help: ArgumentHelp("Where the dataset goes (default: the pipeline's `dataset` var, data/demo/dataset).", valueName: "dir"))
    var dataset: String?
    @Option(name: .long, help: "Synthetic clips to generate (20 % of them form the test split).") var clips: Int = 320
    @Option(name: .long, help: "Average frames per synthetic clip.") var frames: Int = 24
    @Option(name: .long, help: "Stages run at once.") var jobs: Int = 2
    @Flag(name: .long, help: "Do not echo the stages' output.") var quiet = false
    @Option(name: .long, help: ArgumentHelp("Leave out the variants whose name starts with this (repeatable; demo.yaml itself always runs): e.g. demo-amclip for the TFAM rows alone.", valueName: "prefix"))
    var skip: [String] = []

    mutating func validate() throws {
        guard clips >= 10 else { throw ValidationError("--clips must be at least 10") }
        guard frames >= 4 else { throw ValidationError("--frames must be at least 4") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        let console = Console(quiet: quiet)
        // Two stages at once on a small machine: one libtorch thread each beats two fighting over the cores.
        if ProcessInfo.processInfo.environment["VIMO_THREADS"] == nil {
            setenv("VIMO_THREADS", String(max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, jobs))), 1)
        }
        let family: [(options: PipelineOptions, definition: PipelineDefinition)]
        let root: String
        do {
            let base = try PipelineDefinition.load(try PipelineOptions.parse(["demo"]).file())
            guard case .string(let defaultDataset)? = base.vars["dataset"] else {
                console.error("\(base.file.path) has no 'dataset' var naming where the demo dataset goes")
                throw ExitCode(2)
            }
            root = dataset ?? defaultDataset.description
            let names = try Self.family(folder: base.file.deletingLastPathComponent())
            family = try names.filter { name in name == "demo" || !skip.contains { name.hasPrefix($0) } }.map { name in
                let arguments = [name] + (cache.map { ["--cache", $0] } ?? []) + (dataset.map { ["--set", "dataset=\($0)"] } ?? [])
                let options = try PipelineOptions.parse(arguments)
                return (options, try options.load())
            }
            try DemoDataset(root: URL(fileURLWithPath: root), isDefault: dataset == nil || dataset == defaultDataset.description,
                            clips: clips, frames: frames).prepare(console: console)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            console.error(error.localizedDescription)
            throw ExitCode(2)
        }
        var records: [(definition: PipelineDefinition, record: RunRecord)] = []
        for (options, definition) in family {
            let planner = try options.open(console: console, definition: definition)
            var runOptions = RunOptions()
            runOptions.jobs = jobs
            runOptions.command = (["vimo"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
            let record = try RunReporter(console: console, planner: planner).run(runOptions)
            guard record.succeeded else { throw ExitCode(record.interrupted ? 130 : 1) }
            records.append((definition, record))
            console.line("")
        }
        let datasetURL = URL(fileURLWithPath: root)
        let ablation: DemoAblation
        do {
            ablation = try DemoAblation(runs: records.map { ($0.definition, $0.record) })
        } catch {
            console.error(error.localizedDescription)
            throw ExitCode(1)
        }
        let outputs = ablation.write(beside: datasetURL, console: console)
        let preview = preview(records[0].record, dataset: datasetURL)
        ablation.print(console: console)
        report(records[0].record, variants: records.dropFirst().map(\.record), preview: preview, outputs: outputs, console: console)
    }

    /// `demo` first (it runs every shared stage), then its variants `demo-*.yaml` in name order.
    static func family(folder: URL) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasPrefix("demo-") && $0.hasSuffix(".yaml") }.sorted()
        return ["demo"] + names.map { String($0.dropLast(".yaml".count)) }
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

    private func report(_ record: RunRecord, variants: [RunRecord], preview: URL?, outputs: [URL], console: Console) {
        let folders = Dictionary(uniqueKeysWithValues: record.stages.compactMap { stage in stage.directory.map { (stage.stage, $0) } })
        console.line("")
        console.line("Where everything is:")
        let width = max(14, (variants.map(\.pipeline.count).max() ?? 0) + 2)
        let explanations = [
            "decode": "frames, uint8 N×224×224×3 HDF5 shards",
            "flow": "optical flow, float16 N×2×224×224",
            "clip": "CLIP frame embeddings",
            "moclip-train": "the MoCLIP student (student.safetensors)",
            "moclip": "motion embeddings",
            "tfam-train": "TFAM weights (best.safetensors) and training log",
            "tfam-predict": "scores on the test split",
            "eval": "metrics.json, per_class.csv, predictions.csv, per_class_ap.svg, pr_curve.svg",
        ]
        for stage in record.stages {
            guard let directory = stage.directory else { continue }
            console.line("  " + Console.pad(stage.stage, width) + Console.short(URL(fileURLWithPath: directory))
                         + (explanations[stage.stage].map { "  (\($0))" } ?? ""))
        }
        for variant in variants {
            if let eval = variant.stages.first(where: { $0.stage == "eval" })?.directory {
                console.line("  " + Console.pad(variant.pipeline, width) + Console.short(URL(fileURLWithPath: eval))
                             + "  (its evaluation; tfam-train and tfam-predict beside it)")
            }
        }
        for output in outputs {
            let what = output.pathExtension == "json" ? "the table's numbers" : "the ablation chart"
            console.line("  " + Console.pad("ablation", width) + Console.short(output) + "  (\(what))")
        }
        if let preview { console.line("  " + Console.pad("flow preview", width) + Console.short(preview) + "  (colour-coded optical flow)") }
        console.line("  " + Console.pad("run record", width) + Console.short(URL(fileURLWithPath: record.folder)) + "  (record.json, logs/)")
        // The frames are zstd-compressed (storage `exact`): h5py reads them after `import hdf5plugin`,
        // which the bootstrap installs with pip's h5py in data/.venv-h5; python/ is the reader package.
        console.line("Open the cache in Python (pip install ./python, with h5py and hdf5plugin; `make bootstrap` put both in data/.venv-h5): "
                     + "PYTHONPATH=python data/.venv-h5/bin/python -c \"import vimo_cache; "
                     + "s = vimo_cache.open_stage('\(Console.short(Workspace.defaultCache(option: cache)))', pipeline='demo', stage='decode'); "
                     + "i = s.items[0]; print(s, i, s[i].shape, s.labels(i))\"")
        console.line("`vimo status demo` tells what is up to date; `make demo` again finishes in seconds.")
    }
}
