import Foundation
import XCTest
@testable import Pipeline

/// The Slurm settings of a pipeline file and their precedence, and the parsing of what Slurm prints.
final class SlurmSettingsTests: XCTestCase {
    private func parse(_ yaml: String) throws -> PipelineDefinition {
        try PipelineDefinition.parse(yaml: yaml, file: URL(fileURLWithPath: "demo.yaml"))
    }

    func testExecutorAndSlurmBlocksParseAndMergeStageOverPipelineOverEnvironmentUnderTheCommandLine() throws {
        let pipeline = try parse("""
        vars: {part: gpu}
        executor: slurm
        slurm: {partition: cpu, time: "01:00:00", memory: 8G, extra: [--exclude=n7]}
        stages:
          a: {run: a, slurm: {partition: "${part}", gpus: 1, cpus: 4, extra: "--constraint=a100"}}
          b: {run: b, executor: local, inputs: {in: a}}
        """)
        XCTAssertEqual(pipeline.executor, .slurm)
        XCTAssertEqual(pipeline[stage: "b"]?.executor, .local)
        let a = try XCTUnwrap(pipeline[stage: "a"])
        let environment = try SlurmResources.environment(["VIMO_SLURM_ACCOUNT": "lab", "VIMO_SLURM_PARTITION": "env", "VIMO_SLURM_CPUS": "2"])
        var command = SlurmResources()
        command.time = "02:00:00"
        let merged = command.over(a.slurm.over(pipeline.slurm.over(environment)))
        XCTAssertEqual(merged.sbatchArguments, ["--partition=gpu", "--account=lab", "--time=02:00:00", "--cpus-per-task=4",
                                                "--mem=8G", "--gpus=1", "--exclude=n7", "--constraint=a100"])
        XCTAssertTrue(merged.wantsGPUs)
        XCTAssertThrowsError(try SlurmResources.environment(["VIMO_SLURM_CPUS": "many"]))
    }

    func testAStageOnTheClusterThatAsksForGPUsRunsOnCUDAUnlessItSaysOtherwise() throws {
        let pipeline = try parse("""
        slurm: {partition: cpu}
        stages:
          decode: {run: vimo-decode, slurm: {gres: "gpu:1"}}
          flow: {run: vimo-flow compute, inputs: {frames: decode}, slurm: {gpus: 1}}
          clip: {run: vimo-clip, inputs: {frames: decode}, params: {device: cpu}, slurm: {gpus: 1}}
          moclip: {run: vimo-moclip embed, inputs: {flow: flow}, slurm: {gres: "gpu:a100:1"}}
          tfam: {run: vimo-tfam train, inputs: {clip: clip}}
          other: {run: ./my-tool, slurm: {gpus: 2}}
        """)
        func devices(_ options: RunOptions) throws -> [String: String] {
            let placed = try GPUPlacement.apply(to: pipeline, options: options)
            var result: [String: String] = [:]
            for stage in placed.stages {
                if let binding = stage.params.first(where: { $0.key == "device" }) { result[stage.name] = binding.value.description }
            }
            return result
        }
        var slurm = RunOptions()
        slurm.environment = [:]
        slurm.executor = .slurm
        // Only the stages that take --device, ask for GPUs and set no device.
        XCTAssertEqual(try devices(slurm), ["flow": "cuda", "clip": "cpu", "moclip": "cuda"])
        // Locally the same file keeps the CPU (and so the folders a laptop filled).
        var local = RunOptions()
        local.environment = [:]
        XCTAssertEqual(try devices(local), ["clip": "cpu"])
        // GPUs asked for on the command line or in the environment count too; a stage's executor: local wins over the pipeline's.
        var everywhere = slurm
        everywhere.slurm.gpus = "1"
        XCTAssertEqual(try devices(everywhere), ["flow": "cuda", "clip": "cpu", "moclip": "cuda", "tfam": "cuda"])
        var fromEnvironment = RunOptions()
        fromEnvironment.environment = ["VIMO_EXECUTOR": "slurm", "VIMO_SLURM_GRES": "gpu:2"]
        XCTAssertEqual(try devices(fromEnvironment), ["flow": "cuda", "clip": "cpu", "moclip": "cuda", "tfam": "cuda"])
        let onePinned = try parse("""
        executor: slurm
        slurm: {gpus: 1}
        stages:
          flow: {run: vimo-flow compute, inputs: {frames: "/data/frames"}, executor: local}
          clip: {run: vimo-clip, inputs: {frames: "/data/frames"}}
        """)
        var plain = RunOptions()
        plain.environment = [:]
        let placed = try GPUPlacement.apply(to: onePinned, options: plain)
        XCTAssertEqual(placed[stage: "flow"]?.params.map(\.key), [])
        XCTAssertEqual(placed[stage: "clip"]?.params.map(\.key), ["device"])
    }

    /// `vimo status` with the run's cluster options plans the folder `vimo run --executor slurm` fills: the
    /// GPU stage's fingerprint changes with `device: cuda`, the others' do not.
    func testStatusWithTheRunsClusterOptionsSeesTheCUDAFingerprint() throws {
        let fixture = try PipelineFixture(name: "vimo-gpu-status")
        addTeardownBlock { try? FileManager.default.removeItem(at: fixture.root) }
        func fingerprints(_ extra: [String]) throws -> [String: String] {
            let result = try fixture.vimo(["status", "--verbose"] + extra)
            XCTAssertNotEqual(result.status, 2, result.stderr)
            var found: [String: String] = [:], stage: String?
            for line in String(decoding: result.stdout, as: UTF8.self).split(separator: "\n") {
                let words = line.split(separator: " ")
                if line.hasPrefix("  ") && !line.hasPrefix("   "), let first = words.first { stage = String(first) }
                else if let stage, let first = words.first, first.hasPrefix("sha256:") || (first.count >= 20 && first.allSatisfy(\.isHexDigit)) {
                    found[stage] = String(first)
                }
            }
            return found
        }
        let local = try fingerprints([]), gpu = try fingerprints(["--executor", "slurm", "--slurm-gpus", "1"])
        // Before a run only the item stages that read the dataset or decode have a fingerprint (the others
        // hold their upstream's item sets). decode takes no --device; flow and clip do.
        XCTAssertEqual(Set(local.keys), ["decode", "flow", "clip"], "\(local)")
        XCTAssertEqual(Set(gpu.keys), ["decode", "flow", "clip"], "\(gpu)")
        XCTAssertEqual(local["decode"], gpu["decode"])
        XCTAssertNotEqual(local["flow"], gpu["flow"])
        XCTAssertNotEqual(local["clip"], gpu["clip"])
        let cpuPinned = try fingerprints(["--executor", "slurm"])
        XCTAssertEqual(cpuPinned, local, "on the cluster without GPUs nothing changes")
    }

    func testBadSlurmSettingsAreNamedWithTheirLine() throws {
        for (yaml, message) in [
            ("stages:\n  a: {run: a, executor: pbs}\n", "executor must be 'local' or 'slurm', found 'pbs'"),
            ("slurm: {partitions: x}\nstages:\n  a: {run: a}\n", "unknown key 'partitions'"),
            ("stages:\n  a: {run: a, slurm: {cpus: 0}}\n", "'cpus' must be a whole number of at least 1"),
        ] {
            XCTAssertThrowsError(try parse(yaml)) { error in
                XCTAssertTrue(error.localizedDescription.contains(message), "\(error.localizedDescription) lacks \(message)")
                XCTAssertTrue(error.localizedDescription.hasPrefix("demo.yaml:"), error.localizedDescription)
            }
        }
    }

    func testArrayIndicesAndScontrolLinesParse() {
        XCTAssertEqual(SlurmClient.expandIndices("0-3,7,9-10%2"), [0, 1, 2, 3, 7, 9, 10])
        XCTAssertEqual(SlurmClient.compressIndices([5, 0, 1, 2, 7, 8, 1]), "0-2,5,7-8")
        let text = """
        JobId=14 ArrayJobId=12 ArrayTaskId=2-3 JobState=PENDING Reason=Dependency ExitCode=0:0 StartTime=Unknown NodeList=
        JobId=13 ArrayJobId=12 ArrayTaskId=1 JobState=FAILED Reason=NonZeroExitCode ExitCode=3:0 StartTime=2026-12-02T12:00:01 NodeList=n2
        JobId=12 ArrayJobId=12 ArrayTaskId=0 JobState=COMPLETED Reason=None ExitCode=0:0 StartTime=2026-12-02T12:00:00 NodeList=n1
        """
        let tasks = SlurmClient.parseScontrol(text, count: 4)
        XCTAssertEqual(tasks.map(\.task), [0, 1, 2, 3])
        XCTAssertEqual(tasks.map(\.state), ["COMPLETED", "FAILED", "PENDING", "PENDING"])
        XCTAssertEqual(tasks.map(\.succeeded), [true, false, false, false])
        XCTAssertEqual(tasks[1].node, "n2")
        XCTAssertEqual(tasks[1].exitCode, "3:0")
        XCTAssertFalse(tasks[2].started)
        let cancelled = SlurmClient.parseScontrol(
            "JobId=20 JobState=CANCELLED Reason=DependencyNeverSatisfied ExitCode=0:0 StartTime=Unknown NodeList=(null)", count: 1)
        XCTAssertEqual(cancelled.map(\.blockedByDependency), [true])
        XCTAssertEqual(SlurmClaim.progress(Dictionary(uniqueKeysWithValues: tasks.map { ($0.task, $0) }), count: 4, jobs: ["12"]),
                       "1/4 tasks done, 2 pending, 1 failed (job 12)")
        let accounted = SlurmClient.parseSacct("12_0|COMPLETED|0:0|n1|2026-12-02T12:00:00\n12_[1-2]|PENDING|0:0||Unknown\n", job: "12", count: 3)
        XCTAssertEqual(accounted.map(\.state), ["COMPLETED", "PENDING", "PENDING"])
    }

    func testAWholeSetStageAfterAnItemStageWaitsForItButOtherStagesChain() {
        XCTAssertFalse(Runner.canChain(upstream: .items, downstream: .whole))
        XCTAssertTrue(Runner.canChain(upstream: .items, downstream: .items))
        XCTAssertTrue(Runner.canChain(upstream: .whole, downstream: .whole))
        XCTAssertTrue(Runner.canChain(upstream: .whole, downstream: .items))
    }
}
