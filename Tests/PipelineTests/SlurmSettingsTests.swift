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
