import Foundation

/// Loads a dataset laid out as Animal Kingdom distributes it:
/// `<root>/annotation/` with the annotations and class list, `<root>/video/<id>.mp4` with the clips.
///
/// Annotation formats, the first whose files for the selected splits all exist:
/// per-frame `train.csv` / `val.csv`; `AR_metadata.csv` (or `AR_metadata_AR.csv`, `test` rows are `val`);
/// MSQNet's `train_light.csv` / `val_light.csv`; ViMoCLIP's `train_multi.txt` / `val_multi.txt`.
/// Class list: `annotation/df_action.csv` (ids corrected), else `annotation/classes.txt`, else `classes.txt`.
struct AnimalKingdomLayout {
    let root: URL
    let selection: SplitSelection
    let continueOnError: Bool
    var requireVideos = true

    private var annotation: URL { root.appendingPathComponent("annotation") }

    private static let perFrameFiles: [Split: String] = [.train: "train.csv", .val: "val.csv"]
    private static let msqnetFiles: [Split: String] = [.train: "train_light.csv", .val: "val_light.csv"]
    private static let vimoclipFiles: [Split: String] = [.train: "train_multi.txt", .val: "val_multi.txt"]
    private static let arMetadataNames = ["AR_metadata.csv", "AR_metadata_AR.csv"]

    func load() throws -> VideoDataset {
        let classes = try loadClasses()
        let videos = VideoFolder(root.appendingPathComponent("video"))
        var collector = ItemCollector(classCount: classes.count, videosOptional: requireVideos ? nil : root)
        let format: VideoDataset.Format

        if let files = filesForSelection(Self.perFrameFiles) {
            format = .charadesFrames
            for (split, url) in files {
                let name = relative(url)
                let parsed = try rethrowingInFile(name) { try AnimalKingdom.readCharadesCSV(url) }
                collector.addReaderProblems(parsed.problems, file: name)
                for video in parsed.rows {
                    collector.add(id: video.id, split: split, labels: video.labels, video: videos.file(video.id + ".mp4"),
                                  expectedVideo: "video/\(video.id).mp4", file: name, line: video.line,
                                  labelLine: { video.labelLines[$0] ?? video.line }, annotatedFrames: video.frames)
                }
            }
        } else if let url = Self.arMetadataNames.lazy.map({ self.annotation.appendingPathComponent($0) })
                    .first(where: { FileManager.default.fileExists(atPath: $0.path) }) {
            format = .arMetadata
            let name = relative(url)
            let parsed = try rethrowingInFile(name) { try AnimalKingdom.readARMetadata(url) }
            collector.addReaderProblems(parsed.problems, file: name)
            for split in selection.splits {
                for row in parsed.rows where row.split == split {
                    collector.add(id: row.id, split: split, labels: row.labels, video: videos.file(row.id + ".mp4"),
                                  expectedVideo: "video/\(row.id).mp4", file: name, line: row.line)
                }
            }
        } else if let files = filesForSelection(Self.msqnetFiles) {
            format = .msqnetList
            for (split, url) in files {
                let name = relative(url)
                let parsed = try rethrowingInFile(name) { try MSQNetList.read(url) }
                collector.addReaderProblems(parsed.problems, file: name)
                for row in parsed.rows {
                    collector.add(id: row.id, split: split, labels: row.labels, video: videos.file(row.id + ".mp4"),
                                  expectedVideo: "video/\(row.id).mp4", file: name, line: row.line)
                }
            }
        } else if let files = filesForSelection(Self.vimoclipFiles) {
            format = .vimoclipList
            for (split, url) in files {
                let name = relative(url)
                let parsed = try rethrowingInFile(name) { try ViMoCLIPList.read(url) }
                collector.addReaderProblems(parsed.problems, file: name)
                for row in parsed.rows {
                    collector.add(id: row.id, split: split, labels: row.labels, video: videos.file(row.video),
                                  expectedVideo: "video/\(row.video)", file: name, line: row.line)
                }
            }
        } else {
            let missing = selection.splits.map { annotation.appendingPathComponent(Self.perFrameFiles[$0]!) }
                .first { !FileManager.default.fileExists(atPath: $0.path) }!
            throw DatasetError.missingAnnotation(path: missing.path, expected: [
                "annotation/train.csv and annotation/val.csv (per-frame, Charades format)",
                "annotation/AR_metadata.csv (one row per clip)",
                "annotation/train_light.csv and val_light.csv (MSQNet)",
                "annotation/train_multi.txt and val_multi.txt (ViMoCLIP)",
            ])
        }
        return try collector.finish(root: root, kind: .animalKingdom, format: format, classes: classes,
                                    continueOnError: continueOnError)
    }

    /// The files of one format for the selected splits, or nil if any of them is missing.
    private func filesForSelection(_ names: [Split: String]) -> [(Split, URL)]? {
        let files = selection.splits.map { ($0, annotation.appendingPathComponent(names[$0]!)) }
        return files.allSatisfy({ FileManager.default.fileExists(atPath: $0.1.path) }) ? files : nil
    }

    private func loadClasses() throws -> ClassList {
        let dfAction = annotation.appendingPathComponent("df_action.csv")
        if FileManager.default.fileExists(atPath: dfAction.path) {
            return try rethrowingInFile(relative(dfAction)) { try ClassList.animalKingdom(dfAction: dfAction) }
        }
        for url in [annotation.appendingPathComponent("classes.txt"), root.appendingPathComponent("classes.txt")]
        where FileManager.default.fileExists(atPath: url.path) {
            return try rethrowingInFile(relative(url)) { try ClassList.read(classesTxt: url) }
        }
        throw DatasetError.missingAnnotation(path: dfAction.path, expected: [
            "annotation/df_action.csv", "annotation/classes.txt", "classes.txt",
        ])
    }

    private func relative(_ url: URL) -> String { relativePath(of: url, under: root) }
}

/// The files of a video folder, listed once so that 30,000 existence checks cost one directory read.
struct VideoFolder {
    let folder: URL
    private let names: Set<String>

    init(_ folder: URL) {
        self.folder = folder
        names = Set((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
    }

    /// The URL of `name` in the folder, if it is there.
    func file(_ name: String) -> URL? {
        names.contains(name) ? folder.appendingPathComponent(name) : nil
    }
}

/// `url`'s path relative to `root` when it lies under it, else its full path.
func relativePath(of url: URL, under root: URL) -> String {
    let base = root.standardizedFileURL.path
    let path = url.standardizedFileURL.path
    let prefix = base.hasSuffix("/") ? base : base + "/"
    return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
}

/// Runs `body`, showing any `DatasetProblem` it throws as coming from `name`.
func rethrowingInFile<T>(_ name: String, _ body: () throws -> T) throws -> T {
    do { return try body() } catch let problem as DatasetProblem { throw problem.inFile(name) }
}
