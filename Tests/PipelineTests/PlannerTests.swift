@testable import Pipeline
import Core
import Foundation
import TestSupport
import XCTest

/// Fingerprints and plans on stub stages (shell scripts), and the shipped pipeline files.
final class PlannerTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try TestSupport.temporaryFolder("vimo-planner")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("dataset"), withIntermediateDirectories: true)
        try Data("a".utf8).write(to: folder.appendingPathComponent("dataset/a.mp4"))
        try Data("video,labels\na,walk\n".utf8).write(to: folder.appendingPathComponent("dataset/labels.csv"))
        try Data("walk\nrun\n".utf8).write(to: folder.appendingPathComponent("dataset/classes.txt"))
        try Data("w1".utf8).write(to: folder.appendingPathComponent("weights.bin"))
    }

    private func plans(_ yaml: String, cache: String = "cache") throws -> [String: StagePlan] {
        let file = folder.appendingPathComponent("p.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        let workspace = try Workspace(cache: folder.appendingPathComponent(cache), searchPath: [])
        let planner = Planner(pipeline: try PipelineDefinition.load(file), workspace: workspace)
        var plans: [String: StagePlan] = [:]
        for entry in PipelineStatus.check(planner) {
            if let error = entry.error { XCTFail(error) }
            plans[entry.stage] = entry.plan
        }
        return plans
    }

    private func stub(params: String, kind: String = "items", input: String = "dataset", option: String = "dataset") -> String {
        """
        stages:
          a:
            run: /bin/true
            kind: \(kind)
            version: "a-1"
            inputs: {\(option): \(folder.appendingPathComponent(input).path)}
            params: \(params)
        """
    }

    func testFingerprintIgnoresParamOrderAndExecutionOnlyOptionsButNotValues() throws {
        let base = try plans(stub(params: "{x: 1, y: fast}"))["a"]!.fingerprint
        XCTAssertNotNil(base)
        XCTAssertEqual(try plans(stub(params: "{y: fast, x: 1}"))["a"]!.fingerprint, base, "key order does not matter")
        XCTAssertEqual(try plans(stub(params: "{y: fast, x: 1, workers: 4, max-failures: 9}"))["a"]!.fingerprint, base,
                       "workers and max-failures do not change what is written")
        XCTAssertNotEqual(try plans(stub(params: "{x: 2, y: fast}"))["a"]!.fingerprint, base)
        XCTAssertNotEqual(try plans(stub(params: "{x: 1.0, y: fast}"))["a"]!.fingerprint, base, "1 and 1.0 are different params")
        XCTAssertEqual(try plans(stub(params: "{x: 1, y: fast}"), cache: "other")["a"]!.fingerprint, base,
                       "the fingerprint does not depend on where the cache is")
        // DESIGN §4 written out: SHA-256 over the stage name, code version and canonical params JSON (no upstream);
        // the dataset enters by its label space (the class names in id order), not its path.
        let classes = "classes:" + FileDigest.sha256(of: Data("walk\nrun".utf8))
        let params = #"{"inputs":{"dataset":{"dataset":"\#(classes)"}},"params":{"x":1,"y":"fast"}}"#
        let expected = FileDigest.sha256(of: Data("a\na-1\n\(params)\n".utf8))
        XCTAssertEqual(base, expected)
    }

    func testAnItemStageFollowsItsDatasetByIdentityAWholeStageByContent() throws {
        let items = try plans(stub(params: "{}"))["a"]!
        let whole = try plans(stub(params: "{}", kind: "whole"))["a"]!
        try Data("b".utf8).write(to: folder.appendingPathComponent("dataset/b.mp4"))
        XCTAssertEqual(try plans(stub(params: "{}"))["a"]!.fingerprint, items.fingerprint,
                       "adding a video keeps the item stage's folder (only the new item is computed)")
        XCTAssertNotEqual(try plans(stub(params: "{}", kind: "whole"))["a"]!.fingerprint, whole.fingerprint,
                          "a whole-set stage depends on every file")
        let otherFolder = try plans(stub(params: "{}", option: "model"))["a"]!
        try Data("c".utf8).write(to: folder.appendingPathComponent("dataset/c.mp4"))
        XCTAssertNotEqual(try plans(stub(params: "{}", option: "model"))["a"]!.fingerprint, otherFolder.fingerprint,
                          "a folder that is not the item stage's dataset (a model directory) enters by content")
        // Annotations of a whole-set stage enter by their files' content, not the videos'.
        let annotations = try plans(stub(params: "{}", kind: "whole", option: "annotations"))["a"]!
        try Data("d".utf8).write(to: folder.appendingPathComponent("dataset/d.mp4"))
        XCTAssertEqual(try plans(stub(params: "{}", kind: "whole", option: "annotations"))["a"]!.fingerprint, annotations.fingerprint,
                       "a new video is not a new annotation")
        // The same dataset elsewhere: the same folders for both kinds.
        let copy = folder.appendingPathComponent("elsewhere/dataset")
        try FileManager.default.createDirectory(at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: folder.appendingPathComponent("dataset"), to: copy)
        XCTAssertEqual(try plans(stub(params: "{}", input: "elsewhere/dataset"))["a"]!.fingerprint, items.fingerprint,
                       "a copy of the dataset reuses the item stage's folder")
        XCTAssertEqual(try plans(stub(params: "{}", kind: "whole", input: "elsewhere/dataset", option: "annotations"))["a"]!.fingerprint,
                       annotations.fingerprint, "and the trainer's")
        try Data("video,labels\na,run\n".utf8).write(to: folder.appendingPathComponent("dataset/labels.csv"))
        XCTAssertNotEqual(try plans(stub(params: "{}", kind: "whole", option: "annotations"))["a"]!.fingerprint, annotations.fingerprint,
                          "a relabelled clip reruns the trainer")
        try Data("walk\nrun\njump\n".utf8).write(to: folder.appendingPathComponent("dataset/classes.txt"))
        XCTAssertNotEqual(try plans(stub(params: "{}"))["a"]!.fingerprint, items.fingerprint,
                          "another label space is another folder (the shards' label vectors change)")
        // A weights file enters item stages by content too.
        let weights = try plans(stub(params: "{}", input: "weights.bin"))["a"]!
        try Data("w2".utf8).write(to: folder.appendingPathComponent("weights.bin"))
        XCTAssertNotEqual(try plans(stub(params: "{}", input: "weights.bin"))["a"]!.fingerprint, weights.fingerprint)
    }

    func testAnUnchangedDatasetIsListedNotReadAgain() throws {
        let yaml = stub(params: "{}", kind: "whole")
        let file = folder.appendingPathComponent("p.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        let check = { () throws -> (reads: Int, fingerprint: String?) in
            let workspace = try Workspace(cache: self.folder.appendingPathComponent("cache"), searchPath: [])
            let planner = Planner(pipeline: try PipelineDefinition.load(file), workspace: workspace)
            let fingerprint = PipelineStatus.check(planner)[0].plan?.fingerprint
            return (workspace.digests.filesRead, fingerprint)
        }
        let first = try check()
        XCTAssertEqual(first.reads, 3, "the first look reads the dataset's three files")
        let second = try check()
        XCTAssertEqual(second.reads, 0, "the digest cache (path, inode, size, mtime) answers the second")
        XCTAssertEqual(second.fingerprint, first.fingerprint)
        try Data("changed".utf8).write(to: folder.appendingPathComponent("dataset/a.mp4"))
        let third = try check()
        XCTAssertEqual(third.reads, 1, "a changed file is read again")
        XCTAssertNotEqual(third.fingerprint, first.fingerprint)
    }

    func testArgumentsCarryInputsParamsOutputAndFingerprint() throws {
        let plan = try plans("""
        stages:
          up:
            run: /bin/true
            version: "1"
          a:
            run: /bin/true compute
            kind: items
            version: "1"
            inputs: {frames: up, weights: up/w.bin}
            params: {n: 3, flag: true, off: false, k: [1, 5], note: "${up.out}/x"}
        """)
        let a = plan["a"]!, up = plan["up"]!
        XCTAssertEqual(a.status, .stale(["never run"]), "an item stage's fingerprint needs only upstream fingerprints")
        let folder = up.directory!.path
        XCTAssertEqual(a.arguments, ["compute", "--frames", folder, "--weights", folder + "/w.bin", "--n", "3", "--flag",
                                     "--k", "1", "--k", "5", "--note", folder + "/x", "--out", a.directory!.path,
                                     "--fingerprint", a.fingerprint!])
    }

    func testShippedPipelinesParseAndTheAblationsShareEveryUpstreamStage() throws {
        let pipelines = TestSupport.repositoryRoot.appendingPathComponent("pipelines")
        let names = try FileManager.default.contentsOfDirectory(atPath: pipelines.path).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertTrue(names.contains("demo.yaml") && names.contains("animal-kingdom.yaml"), "\(names)")
        for family in ["animal-kingdom", "demo"] {
            let base = try PipelineDefinition.load(pipelines.appendingPathComponent("\(family).yaml"))
            var variants = 0
            for name in names {
                let definition = try PipelineDefinition.load(pipelines.appendingPathComponent(name))
                guard name.hasPrefix("\(family)-"), !name.hasPrefix("demo-amclip") else { continue }
                variants += 1
                for stage in base.stages where !stage.name.hasPrefix("tfam") && stage.name != "eval" {
                    XCTAssertEqual(definition[stage: stage.name], stage, "\(name): \(stage.name) is shared")
                }
                XCTAssertNotEqual(definition[stage: "tfam-train"], base[stage: "tfam-train"], "\(name) changes the fusion")
            }
            XCTAssertEqual(variants, 4, "\(family): rgb, motion, concat-embedding, concat-temporal (cross is the base)")
        }

        // AnimalMotionCLIP shares decode and flow with ViMoCLIP (the same definitions, so the same fingerprints and
        // folders); its ablations change only the training stage's modality or scheme.
        let vimoclip = try PipelineDefinition.load(pipelines.appendingPathComponent("animal-kingdom.yaml"))
        let amclip = try PipelineDefinition.load(pipelines.appendingPathComponent("animal-motion-clip.yaml"))
        for stage in ["decode", "flow"] {
            XCTAssertNotNil(amclip[stage: stage])
            XCTAssertEqual(Self.shape(amclip[stage: stage]), Self.shape(vimoclip[stage: stage]),
                           "animal-motion-clip.yaml shares \(stage) with animal-kingdom.yaml")
        }
        let train = try XCTUnwrap(amclip[stage: "amclip-train"])
        var settings: [String: String] = [:]
        for name in names where name.hasPrefix("animal-motion-clip-") {
            let definition = try PipelineDefinition.load(pipelines.appendingPathComponent(name))
            for stage in amclip.stages where stage.name != "amclip-train" {
                XCTAssertEqual(definition[stage: stage.name], stage, "\(name): \(stage.name) is shared")
            }
            let variant = try XCTUnwrap(definition[stage: "amclip-train"])
            let changed = Set(Self.params(train).filter { Self.params(variant)[$0.key] != $0.value }.map(\.key))
            XCTAssertTrue(changed.isSubset(of: ["modality", "scheme"]), "\(name) changes \(changed)")
            settings[name] = "\(Self.params(variant)["modality"] ?? "?") \(Self.params(variant)["scheme"] ?? "?")"
        }
        XCTAssertEqual(settings, [
            "animal-motion-clip-dense.yaml": "rgb dense:8", "animal-motion-clip-semi-dense.yaml": "rgb semi-dense:6+2",
            "animal-motion-clip-sparse.yaml": "rgb sparse:8", "animal-motion-clip-rgb.yaml": "rgb sparse:8",
            "animal-motion-clip-flow.yaml": "flow sparse:8", "animal-motion-clip-rgb+flow.yaml": "rgb+flow sparse:8",
        ], "Table 2 (schemes on rgb) and Table 3 (modalities)")

        // The demo's AnimalMotionCLIP rows share every stage of demo.yaml but eval, and differ from each other by modality.
        let demo = try PipelineDefinition.load(pipelines.appendingPathComponent("demo.yaml"))
        let rows = try ["demo-amclip.yaml", "demo-amclip-rgb.yaml", "demo-amclip-flow.yaml"].map {
            try PipelineDefinition.load(pipelines.appendingPathComponent($0))
        }
        for definition in rows {
            for stage in demo.stages where stage.name != "eval" {
                XCTAssertEqual(definition[stage: stage.name], stage, "\(definition.name): \(stage.name) is shared")
            }
            XCTAssertEqual(definition[stage: "eval"]?.inputs.first { $0.option == "scores" }?.source, .stage("amclip-predict", file: nil))
        }
        XCTAssertEqual(rows.map { $0[stage: "amclip-train"].flatMap { Self.params($0)["modality"] } }, ["rgb+flow", "rgb", "flow"])
    }

    /// A stage's params as text by key.
    static func params(_ stage: StageDefinition) -> [String: String] {
        Dictionary(stage.params.map { ($0.key, "\($0.value)") }, uniquingKeysWith: { a, _ in a })
    }

    /// What a stage's fingerprint is made of (command, kind, version, inputs, params), without where the file says it.
    static func shape(_ stage: StageDefinition?) -> String? {
        guard let stage else { return nil }
        return "\(stage.name) \(stage.command) \(String(describing: stage.kind)) \(stage.version ?? "") "
            + "\(stage.inputs.map { "\($0.option)=\($0.source)" }) \(stage.params.map { "\($0.key)=\($0.value)" })"
    }
}

/// Every stage of every shipped pipeline, run with its planned options against inputs that do
/// not exist: each executable must accept the options (a usage error exits 64) and refuse the
/// inputs (exit 2). Catches a pipeline file drifting from the executables' options.
final class ShippedPipelineOptionTests: XCTestCase {
    func testEveryShippedStageAcceptsItsOptions() throws {
        let folder = try TestSupport.temporaryFolder("vimo-options")
        let pipelines = TestSupport.repositoryRoot.appendingPathComponent("pipelines")
        let missing = folder.appendingPathComponent("missing")
        // vimo-decode checks in its option validation that the dataset folder exists; an empty one gets past it.
        try FileManager.default.createDirectory(at: missing.appendingPathComponent("dataset"), withIntermediateDirectories: true)
        var checked = Set<[String]>()
        for name in try FileManager.default.contentsOfDirectory(atPath: pipelines.path).filter({ $0.hasSuffix(".yaml") }).sorted() {
            let definition = try PipelineDefinition.load(pipelines.appendingPathComponent(name))
            for stage in definition.stages {
                var inputs: [String: String] = [:]
                for binding in stage.inputs { inputs[binding.option] = missing.appendingPathComponent(binding.option).path }
                let kind = StageCatalog.kind(of: stage)
                let arguments = Planner.arguments(stage, kind: kind, inputs: inputs, upstream: [:],
                                                  output: folder.appendingPathComponent("out-\(stage.name)"), fingerprint: "sha256:0")
                    + (kind == .items ? ["--summary", folder.appendingPathComponent("summary.json").path] : [])
                guard checked.insert([stage.command[0]] + arguments).inserted else { continue }  // shared by the ablations
                let result = try TestSupport.run(TestSupport.product(stage.command[0]), arguments)
                XCTAssertEqual(result.status, 2, "\(name): \(stage.name): \(stage.command.joined(separator: " ")) \(arguments.joined(separator: " "))\n\(result.stderr)")
            }
        }
        XCTAssertEqual(checked.count, 33, "the demo's 8 stages, Animal Kingdom's 8 (eval is the same command line as the demo's), "
                       + "each of the 4 + 4 ablations' own tfam-train; AnimalMotionCLIP's train and predict and the distinct "
                       + "trainings of its ablations (rgb dense, semi-dense, sparse, flow; rgb+flow is the base's); the demo's "
                       + "AnimalMotionCLIP predict and its three trainings (rgb+flow, rgb, flow)")
    }
}
