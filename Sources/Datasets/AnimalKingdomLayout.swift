import Foundation

/// Loads a dataset laid out the way Animal Kingdom (or a repository built on it) distributes it.
///
/// Folders, each looked for under the root in this order:
/// - annotations: `annotation/` (the release), `dataset/annotations/` (ViMoCLIP's repository), `annotations/`,
///   and the root itself (the release keeps `AR_metadata.xlsx` there);
/// - videos: `--videos DIR` when given, else `dataset/video/` (the release), `video/`, `dataset/videos/`
///   (ViMoCLIP), `videos/`;
/// - frame folders: `dataset/image/<id>/` (the release), `image/<id>/`.
///
/// Annotation formats, the first whose files all exist in one annotation folder: per-frame `train.csv` /
/// `val.csv`; AR metadata (`AR_metadata.csv`, `AR_metadata_AR.csv`, or `AR_metadata.xlsx` sheet `AR`;
/// `test` rows are `val`); MSQNet's `train_light.csv` / `val_light.csv`; ViMoCLIP's `train_multi.txt` /
/// `val_multi.txt`. Every split's file is read, so a clip in two splits is caught whatever is selected.
///
/// Class list: `df_action.csv` or `df_action.xlsx` (ids corrected), `ak_action.csv` (`id,name`),
/// `classes.txt`, `classes.csv`; without one, the built-in Animal Kingdom list. A file that looks like
/// Animal Kingdom's list but differs from the built-in one is reported in `notes`.
struct AnimalKingdomLayout {
    let root: URL
    let selection: SplitSelection
    let options: DatasetOptions

    static let annotationFolders = ["annotation", "dataset/annotations", "annotations", ""]
    static let videoFolders = ["dataset/video", "video", "dataset/videos", "videos"]
    static let imageFolders = ["dataset/image", "image"]
    private static let perFrameFiles: [Split: String] = [.train: "train.csv", .val: "val.csv"]
    private static let msqnetFiles: [Split: String] = [.train: "train_light.csv", .val: "val_light.csv"]
    private static let vimoclipFiles: [Split: String] = [.train: "train_multi.txt", .val: "val_multi.txt"]
    private static let arMetadataNames = ["AR_metadata.csv", "AR_metadata_AR.csv", "AR_metadata.xlsx"]
    private static let allSplits: [Split] = [.train, .val]

    /// True when `root` has one of the annotation folders (the root itself counts only with AR metadata).
    static func recognises(_ root: URL) -> Bool {
        annotationFolders.dropLast().contains { DatasetFolder.isFolder(root.appendingPathComponent($0)) }
            || arMetadataNames.contains { DatasetFolder.isFile(root.appendingPathComponent($0)) }
    }

    func load() throws -> VideoDataset {
        let folders = self.folders
        var notes: [String] = []
        let classes = try loadClasses(notes: &notes)
        let videoFolder = options.videos ?? Self.videoFolders.lazy.map { root.appendingPathComponent($0) }
            .first(where: DatasetFolder.isFolder)
        let imageFolder = Self.imageFolders.lazy.map { root.appendingPathComponent($0) }.first(where: DatasetFolder.isFolder)
        if options.media != .videos, imageFolder == nil, options.media == .images {
            throw DatasetError.unknownLayout(root: root.path, expected: [
                "frame folders in dataset/image/<id>/ or image/<id>/ (asked for frames from images)"])
        }
        let locator = MediaLocator(root: root, videos: videoFolder.map(FolderListing.init),
                                   images: options.media == .videos ? nil : imageFolder.map(FolderListing.init),
                                   source: options.media)
        var collector = ItemCollector(classCount: classes.count, selection: selection)
        func add(_ id: String, _ split: Split, _ labels: [Int], video: String, file: String, line: Int,
                 labelLine: @escaping (Int) -> Int = { _ in 0 }, frames: Int? = nil) {
            let (media, expected, fallback) = locator.locate(id: id, videoName: video)
            collector.add(id: id, split: split, labels: labels, media: media ?? (options.requireMedia ? nil : fallback),
                          expectedMedia: expected,
                          file: file, line: line, labelLine: labelLine, annotatedFrames: frames)
        }

        let format: VideoDataset.Format
        if let files = filesForAllSplits(Self.perFrameFiles, in: folders) {
            format = .charadesFrames
            for (split, url) in files {
                let name = relative(url)
                let parsed = try rethrowingInFile(name) { try AnimalKingdom.readCharadesCSV(url) }
                collector.addReaderProblems(parsed.problems, file: name)
                for video in parsed.rows {
                    add(video.id, split, video.labels, video: video.id + ".mp4", file: name, line: video.line,
                        labelLine: { video.labelLines[$0] ?? video.line }, frames: video.frames)
                }
            }
        } else if let url = firstFile(Self.arMetadataNames, in: folders) {
            format = .arMetadata
            let name = relative(url)
            let parsed: ParsedRows<ARMetadataRow>
            var sheetName: String?
            if url.pathExtension.lowercased() == "xlsx" {
                let sheet = try SpreadsheetText.csvBytes(of: url, sheet: "AR", shownAs: name)
                sheetName = sheet.sheet
                parsed = try rethrowingInFile(name, sheet: sheet.sheet) {
                    try AnimalKingdom.readARMetadata(bytes: sheet.bytes, file: name)
                }
            } else {
                parsed = try rethrowingInFile(name) { try AnimalKingdom.readARMetadata(url) }
            }
            collector.addReaderProblems(parsed.problems, file: name, sheet: sheetName)
            for row in parsed.rows {
                add(row.id, row.split, row.labels, video: row.id + ".mp4", file: name, line: row.line)
            }
        } else if let files = filesForAllSplits(Self.msqnetFiles, in: folders) {
            format = .msqnetList
            for (split, url) in files {
                let name = relative(url)
                let parsed = try rethrowingInFile(name) { try MSQNetList.read(url) }
                collector.addReaderProblems(parsed.problems, file: name)
                for row in parsed.rows { add(row.id, split, row.labels, video: row.id + ".mp4", file: name, line: row.line) }
            }
        } else if let files = filesForAllSplits(Self.vimoclipFiles, in: folders) {
            format = .vimoclipList
            for (split, url) in files {
                let name = relative(url)
                let parsed = try rethrowingInFile(name) { try ViMoCLIPList.read(url) }
                collector.addReaderProblems(parsed.problems, file: name)
                for row in parsed.rows { add(row.id, split, row.labels, video: row.video, file: name, line: row.line) }
            }
        } else if let missing = missingSplitFile(in: folders) {
            throw DatasetError.missingAnnotation(path: missing.path, expected: [
                relative(missing), "AR_metadata.xlsx (sheet AR) or annotation/AR_metadata.csv (one row per clip, both splits)",
            ])
        } else {
            throw DatasetError.noAnnotations(root: root.path, expected: [
                "annotation/train.csv and annotation/val.csv (per-frame, as the release ships them)",
                "AR_metadata.xlsx (sheet AR) or annotation/AR_metadata.csv (one row per clip)",
                "annotation/train_light.csv and val_light.csv (MSQNet)",
                "dataset/annotations/train_multi.txt and val_multi.txt (ViMoCLIP)",
            ], found: found(folders: folders, videos: videoFolder, images: imageFolder))
        }
        var dataset = VideoDataset(root: root, kind: .animalKingdom, format: format, classes: classes, items: [], problems: [])
        dataset.notes = notes
        dataset.videoFolder = videoFolder
        dataset.imageFolder = imageFolder
        return try collector.finish(dataset, continueOnError: options.continueOnError)
    }

    /// What the folders hold, for the error that says no annotation format matched.
    private func found(folders: [URL], videos: URL?, images: URL?) -> [String] {
        var parts: [String] = []
        for folder in folders {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
                .filter { folder != root || !DatasetFolder.isFolder(folder.appendingPathComponent($0)) }
            let shown = names.prefix(8).map { relative(folder.appendingPathComponent($0)) }
            parts += shown
            if names.count > 8 { parts.append("\(names.count - 8) more in \(relative(folder))/") }
        }
        if let videos { parts.append(DatasetFolder.describe(videos, under: root)) }
        if let images { parts.append(DatasetFolder.describe(images, under: root)) }
        return parts
    }

    /// The files of one format, from the first annotation folder that has the selected splits' files:
    /// those, plus the other split's file when it is there too (so a clip in both splits is caught).
    private func filesForAllSplits(_ names: [Split: String], in folders: [URL]) -> [(Split, URL)]? {
        for folder in folders {
            let files = Self.allSplits.compactMap { split in names[split].map { (split, folder.appendingPathComponent($0)) } }
                .filter { DatasetFolder.isFile($0.1) }
            if selection.splits.allSatisfy({ split in files.contains { $0.0 == split } }) { return files }
        }
        return nil
    }

    /// A format's file for a selected split that is missing while its other files are there
    /// (`annotation/val.csv` beside `annotation/train.csv`).
    private func missingSplitFile(in folders: [URL]) -> URL? {
        for names in [Self.perFrameFiles, Self.msqnetFiles, Self.vimoclipFiles] {
            for folder in folders {
                let present = names.values.filter { DatasetFolder.isFile(folder.appendingPathComponent($0)) }
                guard !present.isEmpty else { continue }
                if let missing = selection.splits.compactMap({ names[$0] }).first(where: { !present.contains($0) }) {
                    return folder.appendingPathComponent(missing)
                }
            }
        }
        return nil
    }

    private func firstFile(_ names: [String], in folders: [URL]) -> URL? {
        for folder in folders {
            for name in names where DatasetFolder.isFile(folder.appendingPathComponent(name)) {
                return folder.appendingPathComponent(name)
            }
        }
        return nil
    }

    private var folders: [URL] {
        Self.annotationFolders.map { $0.isEmpty ? root : root.appendingPathComponent($0) }.filter(DatasetFolder.isFolder)
    }

    /// The class list (see the type's documentation); `notes` gets where it came from.
    func loadClasses(notes: inout [String]) throws -> ClassList {
        let builtIn = ClassList.animalKingdomBuiltIn
        let names = ["df_action.csv", "df_action.xlsx", "ak_action.csv", "classes.txt", "classes.csv"]
        guard let url = firstFile(names, in: folders) else {
            notes.append("class list: Animal Kingdom's 140 classes, built in (no df_action file found)")
            return builtIn
        }
        let name = relative(url)
        let classes: ClassList
        switch url.lastPathComponent {
        case "df_action.csv":
            classes = try rethrowingInFile(name) { try ClassList.animalKingdom(dfAction: url) }
        case "df_action.xlsx":
            let sheet = try SpreadsheetText.csvBytes(of: url, sheet: nil, shownAs: name)
            classes = try rethrowingInFile(name, sheet: sheet.sheet) {
                try ClassList.dfAction(bytes: sheet.bytes, file: name, correctIndices: true)
            }
        case "classes.txt":
            classes = try rethrowingInFile(name) { try ClassList.read(classesTxt: url) }
        default:
            classes = try rethrowingInFile(name) { try ClassList.read(classesCSV: url) }
        }
        notes.append("class list: \(name) (\(classes.count) classes)")
        // A list meant to be Animal Kingdom's (most names known) that differs from the built-in one.
        let known = Set(builtIn.names.map { $0.lowercased() })
        let shared = classes.names.filter { known.contains($0.trimmingWhitespace.lowercased()) }.count
        if shared * 2 > builtIn.count {
            let differences = classes.differences(from: builtIn)
            if !differences.isEmpty {
                notes.append("warning: \(name) differs from Animal Kingdom's built-in class list: " + differences.joined(separator: "; "))
            }
        }
        return classes
    }

    private func relative(_ url: URL) -> String { relativePath(of: url, under: root) }
}

/// `url`'s path relative to `root` when it lies under it, else its full path.
func relativePath(of url: URL, under root: URL) -> String {
    let base = root.standardizedFileURL.path
    let path = url.standardizedFileURL.path
    let prefix = base.hasSuffix("/") ? base : base + "/"
    return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
}

/// Runs `body`, showing any `DatasetProblem` it throws as coming from `name` (and its worksheet `sheet`).
func rethrowingInFile<T>(_ name: String, sheet: String? = nil, _ body: () throws -> T) throws -> T {
    do { return try body() } catch let problem as DatasetProblem {
        var shown = problem.inFile(name)
        shown.sheet = sheet
        throw shown
    }
}
