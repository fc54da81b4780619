import Datasets
import Foundation
import XCTest

final class AnimalKingdomLoaderTests: XCTestCase {
    /// An Animal Kingdom folder with the real class list and the given annotation files.
    private func makeRoot(files: [String: String] = [:], videos: [String]) throws -> URL {
        let root = try temporaryFolder(self)
        let annotation = root.appendingPathComponent("annotation")
        try FileManager.default.createDirectory(at: annotation, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: SharedData.ak("df_action.csv"), to: annotation.appendingPathComponent("df_action.csv"))
        for (name, text) in files { try write(text, to: "annotation/" + name, in: root) }
        try touchVideos(videos, in: root)
        return root
    }

    func testPerFrameLayoutGivesItemsWithFrameCountsAndMultiHot() throws {
        let root = try makeRoot(videos: ["AAAA", "BBBB", "CCCC"])
        try AnimalKingdom.writeCharadesCSV(videos: [("AAAA", 4, [49, 2]), ("BBBB", 2, [139])],
                                           to: root.appendingPathComponent("annotation/train.csv"))
        try AnimalKingdom.writeCharadesCSV(videos: [("CCCC", 3, [0])], to: root.appendingPathComponent("annotation/val.csv"))

        let all = try DatasetLoader.load(root: root, split: .all)
        XCTAssertEqual(all.kind, .animalKingdom)
        XCTAssertEqual(all.format, .charadesFrames)
        XCTAssertEqual(all.classes.count, 140)
        XCTAssertEqual(all.items, [
            VideoItem(id: "AAAA", video: root.appendingPathComponent("video/AAAA.mp4"), labels: [2, 49], split: .train, annotatedFrames: 4),
            VideoItem(id: "BBBB", video: root.appendingPathComponent("video/BBBB.mp4"), labels: [139], split: .train, annotatedFrames: 2),
            VideoItem(id: "CCCC", video: root.appendingPathComponent("video/CCCC.mp4"), labels: [0], split: .val, annotatedFrames: 3),
        ])
        let hot = all.multiHot(all.items[0])
        XCTAssertEqual(hot.count, 140)
        XCTAssertEqual(hot.indices.filter { hot[$0] == 1 }, [2, 49])
        XCTAssertEqual(all.classes[49].name, "Flapping Tail")

        XCTAssertEqual(try DatasetLoader.load(root: root, split: .val).items.map(\.id), ["CCCC"])
        XCTAssertEqual(try DatasetLoader.load(root: root, split: .train).items.map(\.id), ["AAAA", "BBBB"])
    }

    func testARMetadataIsUsedWhenThePerFrameFilesAreAbsentAndTestMeansVal() throws {
        let root = try makeRoot(files: ["AR_metadata.csv": "S/N,video_id,type,labels\n1,AAAA,train,\"2,40\"\n2,BBBB,test,7\n"],
                                videos: ["AAAA", "BBBB"])
        let dataset = try DatasetLoader.load(root: root, split: .all)
        XCTAssertEqual(dataset.format, .arMetadata)
        XCTAssertEqual(dataset.items.map(\.split), [.train, .val])
        XCTAssertEqual(dataset.items.map(\.labels), [[2, 40], [7]])
        XCTAssertEqual(dataset.items.map(\.annotatedFrames), [nil, nil])
        XCTAssertEqual(try DatasetLoader.load(root: root, split: .val).items.map(\.id), ["BBBB"])
    }

    func testRealARMetadataLoadsEveryClip() throws {
        let ids = try AnimalKingdom.readARMetadata(SharedData.ak("AR_metadata_AR.csv")).rows.map(\.id)
        let root = try makeRoot(videos: ids)
        try FileManager.default.copyItem(at: SharedData.ak("AR_metadata_AR.csv"),
                                         to: root.appendingPathComponent("annotation/AR_metadata_AR.csv"))
        let dataset = try DatasetLoader.load(root: root, split: .all)
        XCTAssertEqual(dataset.items.count, 30_100)
        XCTAssertEqual(dataset.items(in: .train).count, 24_004)
        XCTAssertEqual(dataset.items(in: .val).count, 6_096)
        XCTAssertEqual(dataset.problems, [])
    }

    func testListFormatsAreLaterFallbacks() throws {
        let msqnet = try makeRoot(files: ["train_light.csv": "video_id;labels\nAAAA;2,40\n", "val_light.csv": "video_id;labels\nBBBB;3\n"],
                                  videos: ["AAAA", "BBBB"])
        let fromMSQNet = try DatasetLoader.load(root: msqnet, split: .all)
        XCTAssertEqual(fromMSQNet.format, .msqnetList)
        XCTAssertEqual(fromMSQNet.items.map(\.labels), [[2, 40], [3]])

        let vimoclip = try makeRoot(files: ["train_multi.txt": " AAAA.mp4   40 2\n", "val_multi.txt": "BBBB.mp4 3\n"],
                                    videos: ["AAAA", "BBBB"])
        let fromViMoCLIP = try DatasetLoader.load(root: vimoclip, split: .all)
        XCTAssertEqual(fromViMoCLIP.format, .vimoclipList)
        XCTAssertEqual(fromViMoCLIP.items.map(\.labels), [[2, 40], [3]])
        XCTAssertEqual(fromViMoCLIP.items.map(\.split), [.train, .val])
    }

    func testAMissingSplitFileNamesThePathAndWhatWasExpected() throws {
        let root = try makeRoot(videos: ["AAAA"])
        try AnimalKingdom.writeCharadesCSV(videos: [("AAAA", 1, [1])], to: root.appendingPathComponent("annotation/train.csv"))
        XCTAssertNoThrow(try DatasetLoader.load(root: root, split: .train))
        XCTAssertThrowsError(try DatasetLoader.load(root: root, split: .val)) { error in
            guard case let .missingAnnotation(path, expected) = error as? DatasetError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, root.appendingPathComponent("annotation/val.csv").path)
            XCTAssertTrue(expected.contains { $0.contains("AR_metadata.csv") })
            XCTAssertTrue(error.localizedDescription.contains("annotation/val.csv"), error.localizedDescription)
        }
    }

    func testWithoutAClassListTheBuiltInAnimalKingdomListIsUsed() throws {
        let root = try temporaryFolder(self)
        try write("S/N,video_id,type,labels\n1,AAAA,train,139\n", to: "annotation/AR_metadata.csv", in: root)
        try touchVideos(["AAAA"], in: root)
        let dataset = try DatasetLoader.load(root: root, split: .all)
        XCTAssertEqual(dataset.classes.count, 140)
        XCTAssertEqual(dataset.classes[139].name, "Yawning")
        XCTAssertEqual(dataset.items.first?.labels, [139])
        XCTAssertTrue(dataset.notes.contains { $0.contains("built in") }, "\(dataset.notes)")
    }

    func testClassesTxtStandsInForDfAction() throws {
        let root = try temporaryFolder(self)
        try write(threeClasses, to: "annotation/classes.txt", in: root)
        try write("S/N,video_id,type,labels\n1,AAAA,train,2\n", to: "annotation/AR_metadata.csv", in: root)
        try touchVideos(["AAAA"], in: root)
        let dataset = try DatasetLoader.load(root: root, split: .all)
        XCTAssertEqual(dataset.classes.names, ["a", "b", "c"])
        XCTAssertEqual(dataset.multiHot(dataset.items[0]), [0, 0, 1])
    }

    func testAFolderWithNeitherLayoutIsRejected() throws {
        let root = try temporaryFolder(self)
        XCTAssertThrowsError(try DatasetLoader.load(root: root, split: .all)) { error in
            guard case .noAnnotations = error as? DatasetError else { return XCTFail("\(error)") }
            XCTAssertTrue(error.localizedDescription.contains("labels.csv"), error.localizedDescription)
        }
    }
}

/// Labels without videos: stages that train on cached embeddings need only the annotations.
final class VideosOptionalTests: XCTestCase {
    func testMissingVideosAreAcceptedWhenNotRequired() throws {
        let root = try temporaryFolder(self)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("annotation"), withIntermediateDirectories: true)
        try AnimalKingdom.writeARMetadata(videos: [(id: "AAAA", split: .train, labels: [1]), (id: "BBBB", split: .val, labels: [0])],
                                          to: root.appendingPathComponent("annotation/AR_metadata.csv"))
        try ClassList.named(["a", "b"]).writeDfAction(to: root.appendingPathComponent("annotation/df_action.csv"))
        XCTAssertThrowsError(try DatasetLoader.load(root: root, split: .all)) { error in
            XCTAssertTrue(error.localizedDescription.contains("video file AAAA.mp4 not found"), error.localizedDescription)
        }
        let loose = try DatasetLoader.load(root: root, split: .all, requireVideos: false)
        XCTAssertEqual(loose.items.map(\.id).sorted(), ["AAAA", "BBBB"])
        XCTAssertEqual(loose.problems, [])
        XCTAssertEqual(loose.items.first { $0.id == "AAAA" }?.video.lastPathComponent, "AAAA.mp4")
    }
}
