import Foundation
import Store
import TestSupport
import XCTest

/// A cache folder's identity never depends on where a dataset sits, and the shipped Animal Kingdom
/// pipeline reads the release as it unpacks.
final class DatasetIdentityTests: XCTestCase {
    func testACopiedDatasetReusesEveryFolderAndStatusNamesWhatChanged() throws {
        let fixture = try PipelineFixture(name: "vimo-travel")
        var result = try fixture.vimo(["run", "--quiet"])
        XCTAssertEqual(result.status, 0, String(decoding: result.stdout, as: UTF8.self) + result.stderr)
        let folders = PipelineFixture.allStages.map { fixture.folders($0) }

        // Another checkout, another user, another mount: the same content elsewhere.
        let copy = fixture.root.appendingPathComponent("elsewhere/dataset-copy")
        try FileManager.default.createDirectory(at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fixture.dataset, to: copy)
        result = try fixture.vimo(["status", "--set", "dataset=\(copy.path)"])
        XCTAssertEqual(result.status, 0, String(decoding: result.stdout, as: UTF8.self) + result.stderr)
        result = try fixture.vimo(["run", "--set", "dataset=\(copy.path)"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(Set(try fixture.actions().values), ["up to date"], "nothing recomputed")
        XCTAssertEqual(PipelineFixture.allStages.map { fixture.folders($0) }, folders, "no new folder")

        // One video of the copy replaced by another's content, one added: status says which.
        let videos = copy.appendingPathComponent("video")
        let names = try FileManager.default.contentsOfDirectory(atPath: videos.path).sorted()
        let replaced = names[0]
        try FileManager.default.removeItem(at: videos.appendingPathComponent(replaced))
        try FileManager.default.copyItem(at: videos.appendingPathComponent(names[1]), to: videos.appendingPathComponent(replaced))
        try FileManager.default.copyItem(at: videos.appendingPathComponent(names[2]), to: videos.appendingPathComponent("extra.mp4"))
        result = try fixture.vimo(["status", "--set", "dataset=\(copy.path)"])
        let status = String(decoding: result.stdout, as: UTF8.self)
        XCTAssertEqual(result.status, 1, status)
        XCTAssertTrue(status.contains("1 new file (video/extra.mp4), 1 changed (video/\(replaced))"), status)
        XCTAssertTrue(status.contains("tfam-train"), status)

        // The replaced video is decoded again and only it; every folder keeps one version of each item.
        result = try fixture.vimo(["run", "--quiet", "--set", "dataset=\(copy.path)"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try fixture.processed()["decode"], 1)
        XCTAssertEqual(try fixture.processed()["flow"], 1)
        for stage in PipelineFixture.itemStages {
            let items = try PipelineFixture.itemOccurrences(try XCTUnwrap(fixture.folders(stage).first))
            XCTAssertEqual(items.count, PipelineFixture.clips, "\(stage): \(items.sorted())")
            XCTAssertEqual(Set(items).count, PipelineFixture.clips)
        }
    }

    func testTheShippedAnimalKingdomPipelineDecodesAndFlowsTheReleaseAsItUnpacks() throws {
        let fixture = try PipelineFixture(name: "vimo-release-pipeline")
        let top = fixture.root.appendingPathComponent("Animal_Kingdom")
        try TestSupport.makeAnimalKingdomRelease(from: fixture.dataset, at: top, images: false)
        // The shipped pipeline with CPU flow (DIS) instead of RAFT-large, which needs weights and a GPU.
        let pipeline = fixture.root.appendingPathComponent("ak-cpu.yaml")
        try """
        extends: \(TestSupport.repositoryRoot.appendingPathComponent("pipelines/animal-kingdom.yaml").path)
        stages:
          flow:
            inputs: {weights: null}
            params: {method: dis, preset: ultrafast, iters: null, batch: null, device: null}
        """.write(to: pipeline, atomically: true, encoding: .utf8)
        let run = try TestSupport.run(TestSupport.product("vimo"), [
            "run", pipeline.path, "--stage", "flow", "--set", "dataset=\(top.path)", "--cache", fixture.cache.path])
        let output = String(decoding: run.stdout, as: UTF8.self) + run.stderr
        XCTAssertEqual(run.status, 0, output)
        XCTAssertEqual(try fixture.actions(), ["decode": "ran", "flow": "ran"])
        XCTAssertEqual(try fixture.processed()["decode"], PipelineFixture.clips)
        XCTAssertEqual(try fixture.processed()["flow"], PipelineFixture.clips)
        XCTAssertTrue(output.contains("using \(top.path)/action_recognition"), output)
        let flow = try XCTUnwrap(fixture.folders("flow").first)
        XCTAssertEqual(Set(try PipelineFixture.itemOccurrences(flow)).count, PipelineFixture.clips)
    }
}
