import Datasets
import Foundation
import XCTest

final class GenericDatasetTests: XCTestCase {
    private func touch(_ names: [String], in root: URL) throws {
        for name in names { try write("", to: name, in: root) }
    }

    func testVideosAreFoundAsPathsIdsInVideoFolderOrIdsWithAnExtension() throws {
        let root = try temporaryFolder(self)
        try touch(["clips/walk1.mkv", "video/run2.mp4", "jump3.avi"], in: root)
        try write(threeClasses, to: "classes.txt", in: root)
        try write("""
            video,labels
            clips/walk1.mkv,a
            run2,b;C
            jump3,"0,2"

            """, to: "labels.csv", in: root)
        let dataset = try DatasetLoader.load(root: root, split: .all)
        XCTAssertEqual(dataset.kind, .generic)
        XCTAssertEqual(dataset.items, [
            VideoItem(id: "clips/walk1", video: root.appendingPathComponent("clips/walk1.mkv"), labels: [0], split: .train),
            VideoItem(id: "run2", video: root.appendingPathComponent("video/run2.mp4"), labels: [1, 2], split: .train),
            VideoItem(id: "jump3", video: root.appendingPathComponent("jump3.avi"), labels: [0, 2], split: .train),
        ])
    }

    func testWithoutAClassListLabelsAreIdsAndKIsTheLargestPlusOne() throws {
        let root = try temporaryFolder(self)
        try touch(["a.mp4", "b.mp4"], in: root)
        try write("video,labels,split\na,3;1,train\nb,\"0,4\",test\n", to: "labels.csv", in: root)
        let dataset = try DatasetLoader.load(root: root, split: .all)
        XCTAssertEqual(dataset.classes.count, 5)
        XCTAssertEqual(dataset.items.map(\.labels), [[1, 3], [0, 4]])
        XCTAssertEqual(dataset.items.map(\.split), [.train, .val])
        XCTAssertEqual(dataset.multiHot(dataset.items[1]), [1, 0, 0, 0, 1])
        XCTAssertEqual(try DatasetLoader.load(root: root, split: .val).items.map(\.id), ["b"])
    }

    func testClassesCSVGivesNames() throws {
        let root = try temporaryFolder(self)
        try touch(["x.mp4"], in: root)
        try write("id,name\n1,run\n0,walk\n", to: "classes.csv", in: root)
        try write("video,labels\nx,run\n", to: "labels.csv", in: root)
        XCTAssertEqual(try DatasetLoader.load(root: root, split: .all).items.first?.labels, [1])
    }

    func testBadRowsAreProblemsWithLines() throws {
        let root = try temporaryFolder(self)
        try touch(["ok.mp4", "twice.mp4", "name.mp4"], in: root)
        try write(threeClasses, to: "classes.txt", in: root)
        try write("""
            video,labels
            ok,a
            missing,b
            twice,a
            twice,b
            name,nope
            ,a
            ok,a,extra

            """, to: "labels.csv", in: root)
        XCTAssertThrowsError(try DatasetLoader.load(root: root, split: .all)) { error in
            XCTAssertEqual((error as? DatasetProblem)?.file, "labels.csv")
            XCTAssertEqual((error as? DatasetProblem)?.line, 3)
        }
        let dataset = try DatasetLoader.load(root: root, split: .all, continueOnError: true)
        XCTAssertEqual(dataset.items.map(\.id), ["ok", "twice"])
        XCTAssertEqual(dataset.problems.map(\.line), [3, 5, 6, 7, 8])
        XCTAssertEqual(dataset.problems.map(\.item), ["missing", "twice", "name", nil, "ok"])
    }

    func testLabelsCSVRoundTrip() throws {
        let root = try temporaryFolder(self)
        let url = root.appendingPathComponent("labels.csv")
        try GenericDataset.writeLabelsCSV(rows: [("a.mp4", ["walk", "run"]), ("b", [])], to: url)
        let parsed = try GenericDataset.readLabelsCSV(url)
        XCTAssertEqual(parsed.rows, [
            GenericLabelRow(line: 2, video: "a.mp4", labels: ["walk", "run"]),
            GenericLabelRow(line: 3, video: "b", labels: []),
        ])
    }

    func testAHeaderIsRequired() throws {
        let root = try temporaryFolder(self)
        let url = try write("a.mp4,1\n", to: "labels.csv", in: root)
        XCTAssertThrowsError(try GenericDataset.readLabelsCSV(url)) { error in
            XCTAssertEqual((error as? DatasetProblem)?.line, 1)
        }
    }
}
