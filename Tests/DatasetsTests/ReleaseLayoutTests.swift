import Datasets
import Foundation
import TestSupport
import XCTest

/// Datasets as researchers download them: the Animal Kingdom release as it unpacks, ViMoCLIP's
/// repository layout, frame folders, videos kept elsewhere, and the mistakes that must not pass.
final class ReleaseLayoutTests: XCTestCase {
    /// df_action's rows as the release's spreadsheet holds them (from the real table).
    private func dfActionRows(rename: (Int, String)? = nil) throws -> [[String]] {
        let text = try String(contentsOf: SharedData.ak("df_action.csv"), encoding: .utf8)
        var rows = text.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        if let (row, name) = rename { rows[row][2] = name }
        return rows
    }

    /// `Animal_Kingdom/action_recognition/` with per-frame train/val CSVs, df_action.xlsx,
    /// AR_metadata.xlsx (sheet AR after another sheet), dataset/video and dataset/image.
    private func makeRelease(perFrame: Bool = true, videos: [String] = ["AAAA", "BBBB", "CCCC"],
                             images: [String] = [], classes: Bool = true) throws -> (top: URL, root: URL) {
        let top = try temporaryFolder(self).appendingPathComponent("Animal_Kingdom")
        let root = top.appendingPathComponent("action_recognition")
        let annotation = root.appendingPathComponent("annotation")
        try FileManager.default.createDirectory(at: annotation, withIntermediateDirectories: true)
        if perFrame {
            try AnimalKingdom.writeCharadesCSV(videos: [("AAAA", 4, [49, 2]), ("BBBB", 2, [139])],
                                               to: annotation.appendingPathComponent("train.csv"))
            try AnimalKingdom.writeCharadesCSV(videos: [("CCCC", 3, [0])], to: annotation.appendingPathComponent("val.csv"))
        }
        if classes {
            try XLSXWriter.write([.init(name: "Sheet1", rows: try dfActionRows())], to: annotation.appendingPathComponent("df_action.xlsx"))
        }
        try XLSXWriter.write([
            .init(name: "Notes", rows: [["made by the test"]]),
            .init(name: "AR", rows: [["S/N", "video_id", "type", "labels"], ["1", "AAAA", "train", "2,49"],
                                     ["2", "BBBB", "train", "139"], ["3", "CCCC", "test", "0"]]),
        ], to: root.appendingPathComponent("AR_metadata.xlsx"))
        for id in videos { try write("", to: "dataset/video/\(id).mp4", in: root) }
        for id in images { try write("", to: "dataset/image/\(id)/\(id)_000000.jpg", in: root) }
        return (top, root)
    }

    func testTheReleaseLoadsAsItUnpacksFromEitherFolder() throws {
        let (top, root) = try makeRelease()
        for folder in [root, top] {
            let dataset = try DatasetLoader.load(root: folder, split: .all)
            XCTAssertEqual(dataset.format, .charadesFrames)
            XCTAssertEqual(dataset.root.standardizedFileURL.path, root.standardizedFileURL.path)
            XCTAssertEqual(dataset.items.map(\.id), ["AAAA", "BBBB", "CCCC"])
            XCTAssertEqual(dataset.items.map(\.video.lastPathComponent), ["AAAA.mp4", "BBBB.mp4", "CCCC.mp4"])
            XCTAssertEqual(dataset.items[0].video.deletingLastPathComponent().standardizedFileURL,
                           root.appendingPathComponent("dataset/video").standardizedFileURL)
            XCTAssertEqual(dataset.items.map(\.labels), [[2, 49], [139], [0]])
            // df_action.xlsx, with the index column corrected like the CSV.
            XCTAssertEqual(dataset.classes.count, 140)
            XCTAssertEqual(dataset.classes[49].name, "Flapping Tail")
            XCTAssertEqual(dataset.classes[50].name, "Flapping its ears")
            XCTAssertTrue(dataset.notes.contains { $0.contains("annotation/df_action.xlsx") }, "\(dataset.notes)")
        }
        let fromTop = try DatasetLoader.load(root: top, split: .all)
        XCTAssertTrue(fromTop.notes.first?.contains("action_recognition") == true, "\(fromTop.notes)")
        XCTAssertNil(try DatasetLoader.load(root: root, split: .all).notes.first { $0.hasPrefix("using") })
    }

    func testARMetadataSpreadsheetIsReadFromItsARSheetWhenThereIsNoPerFrameFile() throws {
        let (_, root) = try makeRelease(perFrame: false)
        let dataset = try DatasetLoader.load(root: root, split: .all)
        XCTAssertEqual(dataset.format, .arMetadata)
        XCTAssertEqual(dataset.items.map(\.split), [.train, .train, .val])
        XCTAssertEqual(dataset.items.map(\.labels), [[2, 49], [139], [0]])
        // The same file inside annotation/ is found too.
        try FileManager.default.moveItem(at: root.appendingPathComponent("AR_metadata.xlsx"),
                                         to: root.appendingPathComponent("annotation/AR_metadata.xlsx"))
        XCTAssertEqual(try DatasetLoader.load(root: root, split: .val).items.map(\.id), ["CCCC"])
    }

    func testABadCellInTheSpreadsheetNamesFileSheetAndRow() throws {
        let (_, root) = try makeRelease(perFrame: false)
        try XLSXWriter.write([.init(name: "AR", rows: [["S/N", "video_id", "type", "labels"], ["1", "AAAA", "train", "2"],
                                                       ["2", "BBBB", "train", "two"]])],
                             to: root.appendingPathComponent("AR_metadata.xlsx"))
        XCTAssertThrowsError(try DatasetLoader.load(root: root, split: .all)) { error in
            let text = error.localizedDescription
            XCTAssertTrue(text.hasPrefix("AR_metadata.xlsx:AR row 3: video BBBB:"), text)
        }
    }

    func testWithoutAClassFileTheBuiltInListIsUsedAndADifferingOneIsReported() throws {
        let (_, root) = try makeRelease(classes: false)
        let dataset = try DatasetLoader.load(root: root, split: .all)
        XCTAssertEqual(dataset.classes.names, ClassList.animalKingdomBuiltIn.names)
        XCTAssertTrue(dataset.notes.contains { $0.contains("built in") }, "\(dataset.notes)")

        // One class renamed in the spreadsheet.
        var rows = try dfActionRows()
        let row = rows.firstIndex { $0[2] == "Yawning" }!
        rows[row][2] = "Yawning Loudly"
        try XLSXWriter.write([.init(name: "Sheet1", rows: rows)], to: root.appendingPathComponent("annotation/df_action.xlsx"))
        let differing = try DatasetLoader.load(root: root, split: .all)
        let warning = differing.notes.first { $0.hasPrefix("warning:") }
        XCTAssertNotNil(warning, "\(differing.notes)")
        XCTAssertTrue(warning?.contains("id 139: 'Yawning Loudly' here, 'Yawning' built in") == true, warning ?? "")
    }

    func testBuiltInClassListEqualsTheSharedDfActionTable() throws {
        let fromFile = try ClassList.animalKingdom(dfAction: SharedData.ak("df_action.csv"))
        let builtIn = ClassList.animalKingdomBuiltIn
        XCTAssertEqual(builtIn.classes, fromFile.classes)
        XCTAssertEqual(fromFile.differences(from: builtIn), [])
        XCTAssertEqual(builtIn.ids(in: .head).count + builtIn.ids(in: .middle).count + builtIn.ids(in: .tail).count, 140)
    }

    func testViMoCLIPRepositoryLayoutLoadsWithItsIdNameClassFile() throws {
        let root = try temporaryFolder(self)
        try write(" AACJGIQR.mp4      2 0\n AADBIWDT.mp4   1\n", to: "dataset/annotations/train_multi.txt", in: root)
        try write(" AAIFPHUG.mp4   0\n", to: "dataset/annotations/val_multi.txt", in: root)
        // Rows not in id order: the id column decides.
        try write("id,name\n1,Attacking\n0,Abseiling\n2,Attending\n", to: "dataset/annotations/ak_action.csv", in: root)
        for id in ["AACJGIQR", "AADBIWDT", "AAIFPHUG"] { try write("", to: "dataset/videos/\(id).mp4", in: root) }
        let dataset = try DatasetLoader.load(root: root, split: .all)
        XCTAssertEqual(dataset.format, .vimoclipList)
        XCTAssertEqual(dataset.classes.names, ["Abseiling", "Attacking", "Attending"])
        XCTAssertEqual(dataset.items.map(\.id), ["AACJGIQR", "AADBIWDT", "AAIFPHUG"])
        XCTAssertEqual(dataset.items.map(\.labels), [[0, 2], [1], [0]])
        XCTAssertEqual(dataset.items[0].video.standardizedFileURL,
                       root.appendingPathComponent("dataset/videos/AACJGIQR.mp4").standardizedFileURL)
    }

    func testClassesTxtWithAnIdNameHeaderIsACSV() throws {
        let root = try temporaryFolder(self)
        try write("id,name\n1,run\n0,walk\n", to: "classes.txt", in: root)
        try write("", to: "x.mp4", in: root)
        try write("video,labels\nx,run\n", to: "labels.csv", in: root)
        let dataset = try DatasetLoader.load(root: root, split: .all)
        XCTAssertEqual(dataset.classes.names, ["walk", "run"])
        XCTAssertEqual(dataset.items.first?.labels, [1])
    }

    func testVideosKeptElsewhereAreFoundWithTheVideosOption() throws {
        let (_, root) = try makeRelease(videos: [])
        let elsewhere = try temporaryFolder(self)
        for id in ["AAAA", "BBBB", "CCCC"] { try write("", to: "\(id).mp4", in: elsewhere) }
        XCTAssertThrowsError(try DatasetLoader.load(root: root, split: .all)) { error in
            XCTAssertTrue(error.localizedDescription.contains("video file AAAA.mp4 not found: the dataset has no video folder"), error.localizedDescription)
            XCTAssertTrue(error.localizedDescription.contains("--videos DIR"), error.localizedDescription)
        }
        let dataset = try DatasetLoader.load(root: root, split: .all, options: DatasetOptions(videos: elsewhere))
        XCTAssertEqual(dataset.items.map(\.video.standardizedFileURL),
                       ["AAAA", "BBBB", "CCCC"].map { elsewhere.appendingPathComponent("\($0).mp4").standardizedFileURL })
    }

    func testFrameFoldersAreUsedOnRequestOrWhenTheVideoIsMissing() throws {
        let (_, root) = try makeRelease(videos: ["AAAA"], images: ["AAAA", "BBBB", "CCCC"])
        let images = try DatasetLoader.load(root: root, split: .all, options: DatasetOptions(media: .images))
        XCTAssertEqual(images.items.map { $0.imageFolder?.lastPathComponent }, ["AAAA", "BBBB", "CCCC"])
        let auto = try DatasetLoader.load(root: root, split: .all, options: DatasetOptions(media: .auto))
        XCTAssertEqual(auto.items.map { $0.imageFolder?.lastPathComponent }, [nil, "BBBB", "CCCC"])
        XCTAssertEqual(auto.items[0].video.lastPathComponent, "AAAA.mp4")
        XCTAssertThrowsError(try DatasetLoader.load(root: root, split: .all, options: DatasetOptions(media: .videos))) { error in
            XCTAssertTrue(error.localizedDescription.contains("BBBB"), error.localizedDescription)
        }
    }

    func testAFolderThatIsNoDatasetSaysWhatItFound() throws {
        let (_, root) = try makeRelease(perFrame: false)
        try FileManager.default.removeItem(at: root.appendingPathComponent("AR_metadata.xlsx"))
        XCTAssertThrowsError(try DatasetLoader.load(root: root, split: .all)) { error in
            let text = error.localizedDescription
            XCTAssertTrue(text.contains("found annotation/df_action.xlsx"), text)
            XCTAssertTrue(text.contains("dataset/video/ (3 entries)"), text)
            XCTAssertTrue(text.contains("annotation/train.csv"), text)
        }
    }

    func testAClipInBothSplitsIsAnErrorNamingBothPlaces() throws {
        let (_, root) = try makeRelease()
        try AnimalKingdom.writeCharadesCSV(videos: [("CCCC", 3, [0]), ("AAAA", 2, [1])],
                                           to: root.appendingPathComponent("annotation/val.csv"))
        for split in [SplitSelection.all, .val, .train] {
            XCTAssertThrowsError(try DatasetLoader.load(root: root, split: split)) { error in
                let text = error.localizedDescription
                XCTAssertTrue(text.hasPrefix("annotation/val.csv:"), text)
                XCTAssertTrue(text.contains("video AAAA: video id is in both train (annotation/train.csv:"), text)
            }
        }
        let skipped = try DatasetLoader.load(root: root, split: .all, continueOnError: true)
        XCTAssertEqual(skipped.items.map(\.id), ["AAAA", "BBBB", "CCCC"])
        XCTAssertEqual(skipped.items.first { $0.id == "AAAA" }?.split, .train)
        XCTAssertEqual(skipped.problems.map(\.item), ["AAAA"])
    }

    func testTwoVideoFilesForOneIdAndALabelOutsideTheClassListAreErrors() throws {
        let root = try temporaryFolder(self)
        for name in ["a.mkv", "a.webm", "b.mp4"] { try write("", to: name, in: root) }
        try write(threeClasses, to: "classes.txt", in: root)
        try write("video,labels\na,0\nb,7\n", to: "labels.csv", in: root)
        XCTAssertThrowsError(try DatasetLoader.load(root: root, split: .all)) { error in
            let text = error.localizedDescription
            XCTAssertTrue(text.hasPrefix("labels.csv:2: video a: two video files for one id: a.mkv and a.webm"), text)
        }
        let dataset = try DatasetLoader.load(root: root, split: .all, continueOnError: true)
        XCTAssertEqual(dataset.items.map(\.id), [])
        XCTAssertEqual(dataset.problems.map(\.line), [2, 3])
        XCTAssertTrue(dataset.problems[1].localizedDescription.contains("labels.csv:3: video b: unknown label id 7"),
                      dataset.problems[1].localizedDescription)
        // Rows naming both files are one id twice.
        try write("video,labels\na.mkv,0\na.webm,1\n", to: "labels.csv", in: root)
        XCTAssertThrowsError(try DatasetLoader.load(root: root, split: .all)) { error in
            XCTAssertTrue(error.localizedDescription.contains("labels.csv:3: video a: duplicate video id"), error.localizedDescription)
        }
    }
}
