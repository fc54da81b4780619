import Foundation
import XCTest
@testable import Pipeline

final class PipelineFileTests: XCTestCase {
    // MARK: - Helpers

    private func parse(_ yaml: String, file: String = "demo.yaml") throws -> PipelineDefinition {
        try PipelineDefinition.parse(yaml: yaml, file: URL(fileURLWithPath: file))
    }

    /// Parses `yaml`, expects a `PipelineError`, and checks its line, key path, message and one-line form.
    private func assertError(_ yaml: String, line: Int, key: String, message: String,
                             file: StaticString = #filePath, sourceLine: UInt = #line) {
        XCTAssertThrowsError(try parse(yaml), file: file, line: sourceLine) { error in
            guard let error = error as? PipelineError else {
                return XCTFail("expected a PipelineError, got \(error)", file: file, line: sourceLine)
            }
            XCTAssertEqual(error.location?.file, "demo.yaml", file: file, line: sourceLine)
            XCTAssertEqual(error.location?.line, line, "\(error.localizedDescription)", file: file, line: sourceLine)
            XCTAssertEqual(error.key, key, file: file, line: sourceLine)
            XCTAssertTrue(error.message.contains(message), "'\(error.message)' lacks '\(message)'",
                          file: file, line: sourceLine)
            let column = error.location?.column ?? 0
            let prefix = key.isEmpty ? "demo.yaml:\(line):\(column): " : "demo.yaml:\(line):\(column): \(key): "
            XCTAssertEqual(error.errorDescription, prefix + error.message, file: file, line: sourceLine)
        }
    }

    private func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder
    }

    private func write(_ text: String, to name: String, in folder: URL) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    private func text(_ value: String) -> ParamValue { .string(Template(value)) }

    // MARK: - The full example

    static let example = """
    description: "optional free text"
    vars:
      dataset: data/demo/dataset
      model: tiny
      epochs: 3
    stages:
      decode:
        run: vimo-decode
        kind: items
        version: "decode-1"
        inputs:
          dataset: ${dataset}
        params:
          split: all
          sampling: all
      flow:
        run: vimo-flow compute
        inputs:
          frames: decode
        params: {method: dis, preset: fast, iters: 12}
      clip:
        run: vimo-clip embed
        kind: whole
        inputs: {frames: decode}
      moclip-train:
        run: [vimo-moclip, train]
        inputs: {flow: flow, clip: clip, labels: "${dataset}"}
        params: {model: "${model}", epochs: "${epochs}"}
      moclip:
        run: vimo-moclip embed
        inputs:
          flow: flow
          weights: moclip-train/student.safetensors
          extra: {path: /data/ak, name: animal-kingdom}
          other: {stage: clip, file: sub/x.bin}
        params:
          note: "out=${clip.out}/x"
    """

    func testExampleParsesIntoTypedStages() throws {
        let pipeline = try parse(Self.example)

        XCTAssertEqual(pipeline.name, "demo")
        XCTAssertEqual(pipeline.description, "optional free text")
        XCTAssertEqual(pipeline.vars, ["dataset": text("data/demo/dataset"), "model": text("tiny"), "epochs": .int(3)])
        XCTAssertEqual(pipeline.stages.map(\.name), ["decode", "flow", "clip", "moclip-train", "moclip"])

        let decode = try XCTUnwrap(pipeline[stage: "decode"])
        XCTAssertEqual(decode.command, ["vimo-decode"])
        XCTAssertEqual(decode.kind, .items)
        XCTAssertEqual(decode.version, "decode-1")
        XCTAssertEqual(decode.location, SourceLocation(file: "demo.yaml", line: 7, column: 3))
        XCTAssertEqual(decode.inputs, [InputBinding(option: "dataset", source: .path("data/demo/dataset", identity: nil),
                                                    location: SourceLocation(file: "demo.yaml", line: 12, column: 16))])
        XCTAssertEqual(decode.params.map(\.key), ["split", "sampling"])
        XCTAssertEqual(decode.params.map(\.value), [text("all"), text("all")])
        XCTAssertEqual(decode.dependencies, [])

        let flow = try XCTUnwrap(pipeline[stage: "flow"])
        XCTAssertEqual(flow.command, ["vimo-flow", "compute"])
        XCTAssertNil(flow.kind)
        XCTAssertNil(flow.version)
        XCTAssertEqual(flow.inputs.map(\.source), [.stage("decode", file: nil)])
        XCTAssertEqual(flow.params.map(\.key), ["method", "preset", "iters"])
        XCTAssertEqual(flow.params.map(\.value), [text("dis"), text("fast"), .int(12)])
        XCTAssertEqual(flow.params[2].location.line, 20)
        XCTAssertEqual(flow.dependencies, ["decode"])

        XCTAssertEqual(pipeline[stage: "clip"]?.kind, .whole)

        let train = try XCTUnwrap(pipeline[stage: "moclip-train"])
        XCTAssertEqual(train.command, ["vimo-moclip", "train"])
        XCTAssertEqual(train.inputs.map(\.option), ["flow", "clip", "labels"])
        XCTAssertEqual(train.inputs.map(\.source), [
            .stage("flow", file: nil), .stage("clip", file: nil), .path("data/demo/dataset", identity: nil),
        ])
        XCTAssertEqual(train.params.map(\.value), [text("tiny"), .int(3)])
        XCTAssertEqual(train.dependencies, ["flow", "clip"])

        let moclip = try XCTUnwrap(pipeline[stage: "moclip"])
        XCTAssertEqual(moclip.inputs.map(\.source), [
            .stage("flow", file: nil),
            .stage("moclip-train", file: "student.safetensors"),
            .path("/data/ak", identity: "animal-kingdom"),
            .stage("clip", file: "sub/x.bin"),
        ])
        let note = Template(parts: [.text("out="), .stageOutput("clip"), .text("/x")])
        XCTAssertEqual(moclip.params.map(\.value), [.string(note)])
        XCTAssertEqual(note.stageReferences, ["clip"])
        XCTAssertEqual(note.description, "out=${clip.out}/x")
        XCTAssertEqual(note.resolve { "/cache/\($0)" }, "out=/cache/clip/x")
        XCTAssertEqual(moclip.dependencies, ["flow", "moclip-train", "clip"])
    }

    func testStagesComeAfterTheirUpstreamsAndOtherwiseKeepFileOrder() throws {
        let pipeline = try parse("""
        stages:
          report: {run: report, params: {model: "${train.out}/model.bin"}}
          train: {run: train, inputs: {data: prep}}
          prep: {run: prep}
          other: {run: other}
        """)
        XCTAssertEqual(pipeline.stages.map(\.name), ["prep", "train", "report", "other"])
        XCTAssertEqual(pipeline[stage: "report"]?.dependencies, ["train"])
    }

    // MARK: - Values and vars

    func testScalarTypesFollowYAMLWithOnlyCanonicalBools() throws {
        let pipeline = try parse("""
        stages:
          a:
            run: a
            params: {n: 3, quoted: "3", small: 1e-3, same: 0.001, on: true, off: false, yes: yes, list: [1, two, 2.5]}
        """)
        let values = Dictionary(uniqueKeysWithValues: try XCTUnwrap(pipeline[stage: "a"]).params.map { ($0.key, $0.value) })
        XCTAssertEqual(values["n"], .int(3))
        XCTAssertEqual(values["quoted"], text("3"))
        XCTAssertEqual(values["small"], .double(0.001))
        XCTAssertEqual(values["small"], values["same"])
        XCTAssertEqual(values["on"], .bool(true))
        XCTAssertEqual(values["off"], .bool(false))
        XCTAssertEqual(values["yes"], text("yes"))
        XCTAssertEqual(values["list"], .list([.int(1), text("two"), .double(2.5)]))
    }

    func testAnExactVarReferenceKeepsTheVarsTypeAndTextFormatsIt() throws {
        let pipeline = try parse("""
        vars: {epochs: 3, lr: 1e-3, fast: true, sizes: [224, 336], tool: vimo-x}
        stages:
          a:
            run: ${tool} go
            params:
              epochs: ${epochs}
              sizes: ${sizes}
              fast: "${fast}"
              label: "e${epochs}-lr${lr}-${fast}"
              price: $5 and ${tool}
        """)
        let stage = try XCTUnwrap(pipeline[stage: "a"])
        XCTAssertEqual(stage.command, ["vimo-x", "go"])
        XCTAssertEqual(stage.params.map(\.value), [
            .int(3), .list([.int(224), .int(336)]), .bool(true), text("e3-lr0.001-true"), text("$5 and vimo-x"),
        ])
    }

    // MARK: - Errors name file, line and key path

    func testUnknownTopLevelKey() {
        assertError("stages:\n  a: {run: a}\nstage: {}\n", line: 3, key: "stage", message: "unknown key 'stage'")
    }

    func testUnknownStageKey() {
        assertError("stages:\n  a:\n    run: a\n    param: {x: 1}\n", line: 4, key: "stages.a.param",
                    message: "unknown key 'param'")
    }

    func testMissingRunPointsAtTheStage() {
        assertError("stages:\n  a:\n    kind: items\n", line: 2, key: "stages.a.run", message: "missing required key 'run'")
    }

    func testMissingStagesPointsAtTheFile() {
        assertError("vars: {x: 1}\n", line: 1, key: "stages", message: "missing required key 'stages'")
    }

    func testBadKind() {
        assertError("stages:\n  a:\n    run: a\n    kind: batch\n", line: 4, key: "stages.a.kind",
                    message: "kind must be 'items' or 'whole'")
    }

    func testUnknownVar() {
        assertError("vars: {x: 1}\nstages:\n  a:\n    run: a\n    params:\n      n: \"${y}\"\n", line: 6,
                    key: "stages.a.params.n", message: "unknown var 'y'")
    }

    func testAListVarInsideText() {
        assertError("vars: {x: [1, 2]}\nstages:\n  a:\n    run: a\n    params: {n: \"n=${x}\"}\n", line: 5,
                    key: "stages.a.params.n", message: "var 'x' is a list")
    }

    func testUnknownStageInExplicitInput() {
        assertError("stages:\n  a:\n    run: a\n    inputs:\n      src: {stage: nope}\n", line: 5,
                    key: "stages.a.inputs.src.stage", message: "unknown stage 'nope'")
    }

    func testUnknownStageInStageOutputReference() {
        assertError("stages:\n  a:\n    run: a\n    params:\n      model: ${nope.out}/m.bin\n", line: 5,
                    key: "stages.a.params.model", message: "unknown stage 'nope'")
    }

    func testStageDependingOnItself() {
        assertError("stages:\n  a:\n    run: a\n    inputs: {old: a/x}\n", line: 4, key: "stages.a.inputs.old",
                    message: "stage 'a' depends on itself")
    }

    func testDependencyCycleIsNamed() {
        assertError("""
        stages:
          start: {run: s}
          a: {run: a, inputs: {x: b}}
          b: {run: b, params: {y: "${a.out}"}}
        """, line: 3, key: "stages.a", message: "dependency cycle: a → b → a")
    }

    func testMappingAsParamValue() {
        assertError("stages:\n  a:\n    run: a\n    params:\n      opts: {deep: 1}\n", line: 5,
                    key: "stages.a.params.opts", message: "a param must be a scalar or a list of scalars")
    }

    func testNestedListAsParamValue() {
        assertError("stages:\n  a:\n    run: a\n    params:\n      grid: [[1, 2]]\n", line: 5,
                    key: "stages.a.params.grid[0]", message: "list items must be scalars")
    }

    func testNullParamWithoutExtends() {
        assertError("stages:\n  a:\n    run: a\n    params:\n      n: null\n", line: 5,
                    key: "stages.a.params.n", message: "null is only allowed")
    }

    func testBadStageName() {
        assertError("stages:\n  a: {run: a}\n  Bad_Name: {run: b}\n", line: 3, key: "stages.Bad_Name",
                    message: "invalid stage name 'Bad_Name'")
    }

    func testBadOptionName() {
        assertError("stages:\n  a:\n    run: a\n    params: {max_len: 3}\n", line: 4, key: "stages.a.params.max_len",
                    message: "invalid option name 'max_len'")
    }

    func testKeyInBothInputsAndParams() {
        assertError("stages:\n  a:\n    run: a\n    inputs: {data: /d}\n    params: {data: 1}\n", line: 5,
                    key: "stages.a.params.data", message: "'data' is given both as an input")
    }

    func testYAMLSyntaxError() {
        assertError("stages:\n  a:\n    run: a\n    params: {x: [1, 2}\n", line: 4, key: "", message: "invalid YAML")
    }

    func testMissingFileNamesIt() {
        XCTAssertThrowsError(try PipelineDefinition.load(URL(fileURLWithPath: "/nonexistent/p.yaml"))) { error in
            XCTAssertEqual((error as? PipelineError)?.key, "/nonexistent/p.yaml")
            XCTAssertTrue(error.localizedDescription.hasPrefix("/nonexistent/p.yaml: cannot read the file"))
        }
    }

    // MARK: - extends

    func testExtendsOverridesDeletesAndAppends() throws {
        let folder = try temporaryFolder()
        _ = try write("""
        description: base pipeline
        vars: {model: tiny, epochs: 3}
        stages:
          decode:
            run: vimo-decode
            params: {split: all, sampling: all}
          train:
            run: vimo-train
            inputs: {frames: decode}
            params: {model: "${model}", epochs: "${epochs}"}
        """, to: "base.yaml", in: folder)
        let child = try write("""
        extends: base.yaml
        vars: {model: large}
        stages:
          decode:
            params: {split: test, sampling: null}
          eval:
            run: vimo-eval
            inputs: {model: train}
        """, to: "child.yaml", in: folder)

        let pipeline = try PipelineDefinition.load(child)
        XCTAssertEqual(pipeline.name, "child")
        XCTAssertEqual(pipeline.description, "base pipeline")
        XCTAssertEqual(pipeline.vars, ["model": text("large"), "epochs": .int(3)])
        XCTAssertEqual(pipeline.stages.map(\.name), ["decode", "train", "eval"])
        XCTAssertEqual(pipeline[stage: "decode"]?.command, ["vimo-decode"])
        XCTAssertEqual(pipeline[stage: "decode"]?.params.map(\.key), ["split"])
        XCTAssertEqual(pipeline[stage: "decode"]?.params.first?.value, text("test"))
        XCTAssertEqual(pipeline[stage: "decode"]?.params.first?.location.file, child.relativePath)
        XCTAssertEqual(pipeline[stage: "train"]?.params.map(\.value), [text("large"), .int(3)])
        XCTAssertEqual(pipeline[stage: "eval"]?.dependencies, ["train"])
    }

    func testErrorsInABaseFileNameTheBaseFile() throws {
        let folder = try temporaryFolder()
        let base = try write("stages:\n  a:\n    run: a\n    knd: items\n", to: "base.yaml", in: folder)
        let child = try write("extends: base.yaml\n", to: "child.yaml", in: folder)
        XCTAssertThrowsError(try PipelineDefinition.load(child)) { error in
            let error = error as? PipelineError
            XCTAssertEqual(error?.location, SourceLocation(file: base.path, line: 4, column: 5))
            XCTAssertEqual(error?.key, "stages.a.knd")
        }
    }

    func testExtendsCycleNamesBothFiles() throws {
        let folder = try temporaryFolder()
        let first = try write("extends: second.yaml\nstages:\n  a: {run: a}\n", to: "first.yaml", in: folder)
        let second = try write("extends: first.yaml\n", to: "second.yaml", in: folder)
        XCTAssertThrowsError(try PipelineDefinition.load(first)) { error in
            let error = error as? PipelineError
            XCTAssertEqual(error?.location, SourceLocation(file: second.path, line: 1, column: 10))
            XCTAssertEqual(error?.key, "extends")
            XCTAssertEqual(error?.message, "extends cycle: \(first.path) → \(second.path) → \(first.path)")
        }
    }

    func testProcessesIsAPositiveWholeNumber() throws {
        let file = URL(fileURLWithPath: "/tmp/processes.yaml")
        let parsed = try PipelineDefinition.parse(yaml: "stages:\n  a:\n    run: x\n    processes: 3\n", file: file)
        XCTAssertEqual(parsed[stage: "a"]?.processes, 3)
        XCTAssertThrowsError(try PipelineDefinition.parse(yaml: "stages:\n  a:\n    run: x\n    processes: 0\n", file: file)) { error in
            let text = error.localizedDescription
            XCTAssertTrue(text.contains("processes.yaml:4:") && text.contains("at least 1"), text)
        }
    }
}
