import Core
import Foundation
import Store
import TestSupport
import XCTest

/// The `vimo_cache` Python package (python/) against Swift's readers: the same items, rows, labels,
/// frame indices and sources for every kind of folder a real pipeline run writes, the same newest-
/// commit rule when an item sits in two shards, the pipeline record lookup, the PyTorch adapter, and
/// `pip install ./python`. Python's side is Tests/interop/check_vimo_cache.py.
final class PythonCacheTests: XCTestCase {
    private static let script = TestSupport.repositoryRoot.appendingPathComponent("Tests/interop/check_vimo_cache.py").path
    private static let package = TestSupport.repositoryRoot.appendingPathComponent("python").path

    /// Runs the script with `python` (the pip venv by default) and the package on PYTHONPATH; its JSON.
    private func python(_ arguments: [String], interpreter: String = TestSupport.pipPython,
                        extra: [String: String] = [:]) throws -> [String: Any] {
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONPATH"] = Self.package
        for (key, value) in extra { environment[key] = value }
        let result = try TestSupport.run(interpreter, [Self.script] + arguments, environment: environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try JSONSerialization.jsonObject(with: result.stdout.isEmpty ? Data("{}".utf8) : result.stdout)
        return try XCTUnwrap(object as? [String: Any], result.stderr)
    }

    /// What Swift's index and readers say of every item of `folder`, in the script's terms.
    private func swiftView(_ folder: URL) throws -> [String: [String: Any]] {
        let index = try ShardIndex.build(directory: folder)
        var result: [String: [String: Any]] = [:]
        for item in index.items {
            let entry = try XCTUnwrap(index[item])
            let reader = try ShardReader(url: entry.shard)
            let bytes: Data
            switch reader.payload {
            case .frames: bytes = Data(try reader.readFrames(rows: entry.rows))
            case .flow: bytes = try reader.readFlowHalf(rows: entry.rows).withUnsafeBytes { Data($0) }
            case .embeddings: bytes = try reader.readEmbeddings(rows: entry.rows).withUnsafeBytes { Data($0) }
            case .scores: bytes = try reader.readScores(rows: entry.rows).withUnsafeBytes { Data($0) }
            case .none: bytes = Data()
            }
            result[item] = [
                "sha256": String(FileDigest.sha256(of: bytes).dropFirst("sha256:".count)),
                "labels": try reader.labelCount.map { _ in try reader.labels(item: entry.position).map(Int.init) } as Any,
                "frame_index": try reader.frameIndex(rows: entry.rows).map(Int.init),
                "source": entry.source,
            ]
        }
        return result
    }

    private func assertSame(_ python: [String: Any], _ swift: [String: [String: Any]], _ context: String) throws {
        let items = try XCTUnwrap(python["items"] as? [String: [String: Any]], context)
        XCTAssertEqual(Set(items.keys), Set(swift.keys), context)
        for (item, mine) in swift {
            let theirs = try XCTUnwrap(items[item], "\(context) \(item)")
            XCTAssertEqual(theirs["sha256"] as? String, mine["sha256"] as? String, "\(context) \(item): rows")
            XCTAssertEqual(theirs["labels"] as? [Int], mine["labels"] as? [Int], "\(context) \(item): labels")
            XCTAssertEqual(theirs["frame_index"] as? [Int], mine["frame_index"] as? [Int], "\(context) \(item): frame_index")
            XCTAssertEqual(theirs["source"] as? String, mine["source"] as? String, "\(context) \(item): source")
        }
    }

    func testThePackageReadsEveryFolderOfARealRunAsSwiftDoes() throws {
        let fixture = try PipelineFixture(name: "vimo-python-cache")
        addTeardownBlock { try? FileManager.default.removeItem(at: fixture.root) }
        let run = try fixture.vimo(["run"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let stages = PipelineFixture.itemStages + ["tfam-predict"]
        let folders = try stages.map { try XCTUnwrap(fixture.folders($0).first, $0) }
        let dump = try python(["dump"] + folders.map(\.path))
        let expectedKinds = ["decode": "frames", "flow": "flow", "clip": "embeddings", "moclip": "embeddings", "tfam-predict": "scores"]
        for (stage, folder) in zip(stages, folders) {
            let found = try XCTUnwrap(dump[folder.path] as? [String: Any], stage)
            XCTAssertEqual(found["kind"] as? String, expectedKinds[stage], stage)
            try assertSame(found, try swiftView(folder), stage)
            let items = try XCTUnwrap(found["items"] as? [String: [String: Any]])
            XCTAssertEqual(items.count, PipelineFixture.clips, stage)
            if stage == "tfam-predict" {
                // One row of K scores per video, returned as a vector.
                XCTAssertTrue(items.values.allSatisfy { ($0["shape"] as? [Int])?.count == 1 }, "\(items.values.first ?? [:])")
            }
            if stage == "decode" {
                XCTAssertTrue(items.values.allSatisfy { ($0["shape"] as? [Int])?.suffix(3) == [224, 224, 3] && $0["dtype"] as? String == "uint8" })
            }
        }
        // A scores shard carries its folder's fingerprint (the runner's), like an item stage's shards.
        let recordJSON = try JSONSerialization.jsonObject(with: Data(contentsOf: fixture.cache.appendingPathComponent("pipelines/small.json")))
        let recorded = try XCTUnwrap(((recordJSON as? [String: Any])?["stages"] as? [String: [String: Any]])?["tfam-predict"]?["fingerprint"] as? String)
        let scoresMetadata = try XCTUnwrap((dump[folders[4].path] as? [String: Any])?["metadata"] as? [String: String])
        XCTAssertEqual(scoresMetadata["fingerprint"], recorded)
        XCTAssertTrue(folders[4].lastPathComponent.count == 20 && recorded.contains(folders[4].lastPathComponent), "\(recorded) \(folders[4])")

        // The TFAM checkpoint says what it is and which training made it (safetensors __metadata__).
        let stagesRecord = try XCTUnwrap((recordJSON as? [String: Any])?["stages"] as? [String: [String: Any]])
        let weights = try Data(contentsOf: try XCTUnwrap(fixture.folders("tfam-train").first).appendingPathComponent("best.safetensors"))
        let headerLength = Int(weights.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        let header = try XCTUnwrap(try JSONSerialization.jsonObject(with: weights.subdata(in: 8..<(8 + headerLength))) as? [String: Any])
        let embedded = try XCTUnwrap(header["__metadata__"] as? [String: String])
        XCTAssertEqual(embedded["format"], "vimo-tfam")
        XCTAssertEqual(embedded["vimo.version"], "tfam-3")
        XCTAssertEqual(embedded["vimo.fingerprint"], stagesRecord["tfam-train"]?["fingerprint"] as? String)
        let info = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try XCTUnwrap(embedded["vimo.info"]).utf8)) as? [String: Any])
        XCTAssertEqual((info["classes"] as? [String])?.count, (info["config"] as? [String: Any])?["classes"] as? Int)
        XCTAssertEqual((info["settings"] as? [String: String]) ?? ["missing": ""], [:], "the settings (paths) stay in the sidecar")

        // Through the runner's record of the pipeline, as `open_stage(cache, pipeline=, stage=)`.
        let record = try python(["record", fixture.cache.path, "small", "clip"])
        XCTAssertEqual(record["folder"] as? String, folders[2].path)

        // The PyTorch adapter over the CLIP embeddings, with Debian's torch and h5py (zstd through HDF5_PLUGIN_PATH).
        let plugins = try XCTUnwrap(TestSupport.hdf5PluginPath, "hdf5plugin's plugins folder (make bootstrap)")
        let batch = try python(["torch", folders[2].path], interpreter: "/usr/bin/python3", extra: ["HDF5_PLUGIN_PATH": plugins])
        XCTAssertEqual(batch["batches_checked"] as? Int, PipelineFixture.clips, "\(batch)")

        try runReadmeSnippets(cache: fixture.cache, pipeline: "small", plugins: plugins)

        // `vimo export`: ViMoCLIP's layout, per split, for the CLIP and the motion embeddings, and .npy files,
        // read the way ViMoCLIP's loader reads them and compared with the package.
        let exported = try TestSupport.temporaryFolder("vimo-export")
        addTeardownBlock { try? FileManager.default.removeItem(at: exported) }
        for (stage, format, folder) in [(2, "vimoclip", "rgb"), (3, "vimoclip", "flow"), (2, "npy", "npy")] {
            let result = try TestSupport.run(TestSupport.product("vimo"), ["export", folders[stage].path, "--format", format,
                                                                         "--out", exported.appendingPathComponent(folder).path,
                                                                         "--annotations", fixture.dataset.path])
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        var splitCounts: [Int] = []
        for split in ["train", "val"] {
            let rgb = exported.appendingPathComponent("rgb/\(split).h5"), flow = exported.appendingPathComponent("flow/\(split).h5")
            guard FileManager.default.fileExists(atPath: rgb.path) else { continue }
            let check = try python(["vimoclip", folders[2].path, rgb.path, flow.path, exported.appendingPathComponent("npy").path, folders[3].path],
                                   interpreter: "/usr/bin/python3", extra: ["HDF5_PLUGIN_PATH": plugins])
            splitCounts.append(try XCTUnwrap(check["videos"] as? Int, "\(check)"))
        }
        XCTAssertEqual(splitCounts.reduce(0, +), PipelineFixture.clips, "every video in train.h5 or val.h5")
        let wrong = try TestSupport.run(TestSupport.product("vimo"), ["export", folders[0].path, "--format", "npy", "--out", exported.path])
        XCTAssertEqual(wrong.status, 2)
        XCTAssertTrue(wrong.stderr.contains("is not an embedding stage (its shards hold frames (224×224×3))"), wrong.stderr)
    }

    /// The README's "Reading the cache from Python" blocks, as written, in a folder whose `data/cache`
    /// is this cache with the run recorded under the demo's name: the first and third with the pip
    /// venv (the third goes on from the first), the PyTorch one with Debian's python3.
    private func runReadmeSnippets(cache: URL, pipeline: String, plugins: String) throws {
        let readme = try String(contentsOf: TestSupport.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try XCTUnwrap(readme.components(separatedBy: "## Reading the cache from Python\n").dropFirst().first)
            .components(separatedBy: "\n## ")[0]
        let blocks = section.components(separatedBy: "```python\n").dropFirst().map { $0.components(separatedBy: "\n```")[0] }
        XCTAssertEqual(blocks.count, 3, "the section's python blocks")
        guard blocks.count == 3 else { return }
        let folder = try TestSupport.temporaryFolder("vimo-readme-python")
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("data"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("data/cache"), withDestinationURL: cache)
        let records = cache.appendingPathComponent("pipelines")
        try? FileManager.default.removeItem(at: records.appendingPathComponent("demo.json"))
        try FileManager.default.copyItem(at: records.appendingPathComponent(pipeline + ".json"), to: records.appendingPathComponent("demo.json"))
        for (name, text, interpreter) in [("readme_plain.py", blocks[0] + "\n" + blocks[2], TestSupport.pipPython),
                                          ("readme_torch.py", blocks[1], "/usr/bin/python3")] {
            let script = folder.appendingPathComponent(name)
            try text.write(to: script, atomically: true, encoding: .utf8)
            var environment = ProcessInfo.processInfo.environment
            environment["PYTHONPATH"] = Self.package
            environment["HDF5_PLUGIN_PATH"] = plugins
            let result = try TestSupport.run("/bin/sh", ["-c", "cd \"$0\" && exec \"$1\" \"$2\"", folder.path, interpreter, script.path],
                                             environment: environment)
            XCTAssertEqual(result.status, 0, "\(name): " + result.stderr)
            XCTAssertFalse(result.stdout.isEmpty, name)
        }
    }

    /// An item computed again sits in two shards until compaction: the package, like ShardIndex,
    /// returns the rows of the shard committed last (then the later file name).
    func testAnItemInTwoShardsIsReadFromTheNewerOneAsSwiftDoes() throws {
        let folder = try TestSupport.temporaryFolder("vimo-python-newest")
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let metadata = ShardMetadata(stage: "clip", fingerprint: "f", params: "{}", schema: Store.schemaVersion)
        func commit(_ rows: [String: Float]) throws {
            let writer = try ShardWriter(directory: folder, worker: "w0", metadata: metadata, payload: .embeddings(dim: 4))
            for (item, value) in rows.sorted(by: { $0.key < $1.key }) {
                try writer.append(item: item, source: "source-\(value)", frameIndex: [0, 1], embeddings: [Float](repeating: value, count: 8))
            }
            _ = try writer.commit()
        }
        try commit(["a": 1, "b": 1])
        Thread.sleep(forTimeInterval: 0.01)
        try commit(["b": 2, "c": 2])
        Thread.sleep(forTimeInterval: 0.01)
        try commit(["a": 3])
        let swift = try swiftView(folder)
        XCTAssertEqual(swift["a"]?["source"] as? String, "source-3.0")
        XCTAssertEqual(swift["b"]?["source"] as? String, "source-2.0")
        // Through the folder's index.json (the shards unchanged since vimo read them), and without it.
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("index.json").path))
        let dump = try python(["dump", folder.path])
        try assertSame(try XCTUnwrap(dump[folder.path] as? [String: Any]), swift, "three shards, with index.json")
        try FileManager.default.removeItem(at: folder.appendingPathComponent("index.json"))
        let opened = try python(["dump", folder.path])
        try assertSame(try XCTUnwrap(opened[folder.path] as? [String: Any]), swift, "three shards, without index.json")

        // A shard that is not HDF5 is named and left out, and the rest of the folder is read, as ShardIndex does.
        let junk = folder.appendingPathComponent("shard-w9-000001.h5")
        try Data(repeating: 0x41, count: 4096).write(to: junk)
        XCTAssertEqual(try ShardIndex.build(directory: folder).problems.count, 1)
        let damaged = try XCTUnwrap(try python(["dump", folder.path])[folder.path] as? [String: Any])
        try assertSame(damaged, swift, "three shards and a damaged one")
        let problems = try XCTUnwrap(damaged["problems"] as? [String])
        XCTAssertEqual(problems.count, 1)
        XCTAssertTrue(problems.first?.contains(junk.path) == true, "\(problems)")
    }

    /// A `compact` decode folder (JPEG frames): the package returns the frames decoded (Pillow), byte for byte
    /// the frames Swift's reader decodes, with the same kind, shapes and items, through index.json and without.
    func testThePackageDecodesCompactFramesAsSwiftDoes() throws {
        let folder = try TestSupport.temporaryFolder("vimo-python-compact")
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let dataset = folder.appendingPathComponent("dataset"), out = folder.appendingPathComponent("decode")
        let synth = try TestSupport.run(TestSupport.product("vimo-synth"),
                                        ["--out", dataset.path, "--clips", "4", "--frames", "10", "--width", "128", "--height", "96"])
        XCTAssertEqual(synth.status, 0, synth.stderr)
        let decode = try TestSupport.run(TestSupport.product("vimo-decode"),
                                         ["--dataset", dataset.path, "--out", out.path, "--quiet", "--storage", "compact", "--items-per-shard", "2"])
        XCTAssertEqual(decode.status, 0, decode.stderr)
        let swift = try swiftView(out)
        XCTAssertEqual(swift.count, 4)
        for pass in ["with index.json", "without index.json"] {
            let found = try XCTUnwrap(try python(["dump", out.path])[out.path] as? [String: Any], pass)
            XCTAssertEqual(found["kind"] as? String, "frames", pass)
            XCTAssertEqual((found["metadata"] as? [String: String])?["storage"], "compact;jpeg_quality=95;jpeg_subsampling=420", pass)
            try assertSame(found, swift, "compact frames, \(pass)")
            let items = try XCTUnwrap(found["items"] as? [String: [String: Any]])
            XCTAssertTrue(items.values.allSatisfy { ($0["shape"] as? [Int])?.suffix(3) == [224, 224, 3] && $0["dtype"] as? String == "uint8" })
            if pass == "with index.json" { try FileManager.default.removeItem(at: out.appendingPathComponent("index.json")) }
        }
    }

    /// `pip install ./python` works as the README says (offline here: the venv's own setuptools).
    func testThePackageInstallsWithPip() throws {
        let folder = try TestSupport.temporaryFolder("vimo-python-install")
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        // A copy of python/, as setuptools builds in the source folder (build/, *.egg-info).
        let source = folder.appendingPathComponent("python"), target = folder.appendingPathComponent("site")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: Self.package), to: source)
        let pip = try TestSupport.run(TestSupport.pipPython, ["-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps",
                                                            "--no-build-isolation", "--target", target.path, source.path])
        XCTAssertEqual(pip.status, 0, pip.stderr)
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONPATH"] = target.path
        let check = try TestSupport.run(TestSupport.pipPython, ["-c", "import vimo_cache, vimo_cache._stage as s; print(vimo_cache.__version__, s.__file__)"],
                                        environment: environment)
        XCTAssertEqual(check.status, 0, check.stderr)
        XCTAssertTrue(String(decoding: check.stdout, as: UTF8.self).contains(target.path), String(decoding: check.stdout, as: UTF8.self))
    }
}
