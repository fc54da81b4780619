import Foundation

// The official Animal Kingdom action-recognition files annotation/train.csv and annotation/val.csv follow
// the Charades "frame list" format of PySlowFast (sutdcv/Animal-Kingdom,
// Animal_Kingdom/action_recognition/README_action_recognition.md; configs/AK/*.yaml use DATASET: charades):
// space-separated, a header `original_vido_id video_id frame_id path labels` (the typo is PySlowFast's),
// one row per frame, labels comma-separated 0-based ids, `""` or nothing when a frame has none.
// Two third-party descriptions of the downloaded files report a sixth column `type` (train/test) and rows
// like `AAACXZTV 145 1 AAACXZTV/AAACXZTV_t000001.jpg 2,40 train`; columns are therefore found by name.

extension AnimalKingdom {
    /// The per-frame header as PySlowFast writes it.
    public static let charadesColumns = ["original_vido_id", "video_id", "frame_id", "path", "labels"]

    /// Reads a per-frame Charades-format file and aggregates it per video: label union and frame count.
    ///
    /// Fields are separated by single spaces; columns are located by the header, which must name
    /// `original_vido_id` and `labels` (an extra `type` column is read if present). A row may lack its
    /// trailing empty `labels` field. A malformed row (wrong field count, empty id, a frame_id or label
    /// that is not an integer) becomes a problem and its whole video is left out. A video whose rows are
    /// not contiguous appears once per run of rows.
    public static func readCharadesCSV(_ url: URL) throws -> ParsedRows<CharadesVideo> {
        try readCharadesCSV(bytes: FileIO.bytes(of: url), file: url.path)
    }

    static func readCharadesCSV(bytes: [UInt8], file: String) throws -> ParsedRows<CharadesVideo> {
        try bytes.withUnsafeBufferPointer { try CharadesParser(p: $0, file: file).parse() }
    }

    /// Writes a per-frame file: for each video, `frames` rows numbered from 1, each carrying the video's labels.
    ///
    /// Rows are `id index frame id/id_t<frame:06d>.jpg labels`, `index` being the video's position in
    /// `videos`; a video without labels gets `""`. With `split`, a sixth column `type` holds `train` or
    /// `test` as in the files the dataset distributes. Videos with 0 frames produce no rows.
    public static func writeCharadesCSV(videos: [(id: String, frames: Int, labels: [Int])], to url: URL, split: Split? = nil) throws {
        var out: [UInt8] = []
        out.reserveCapacity(videos.reduce(0) { $0 + $1.frames } * 48 + 64)
        var header = charadesColumns
        let typeText = split.map { $0 == .train ? "train" : "test" }
        if split != nil { header.append("type") }
        out.append(contentsOf: Array((header.joined(separator: " ") + "\n").utf8))
        for (index, video) in videos.enumerated() {
            let labels = video.labels.isEmpty ? "\"\"" : video.labels.map(String.init).joined(separator: ",")
            let tail = Array((" " + labels + (typeText.map { " " + $0 } ?? "") + "\n").utf8)
            let idBytes = Array(video.id.utf8)
            let head = idBytes + Array(" \(index) ".utf8)
            if video.frames < 1 { continue }
            for frame in 1...video.frames {
                let number = Array(String(frame).utf8)
                out.append(contentsOf: head)
                out.append(contentsOf: number)
                out.append(ByteText.space)
                out.append(contentsOf: idBytes)
                out.append(UInt8(ascii: "/"))
                out.append(contentsOf: idBytes)
                out.append(contentsOf: Array("_t".utf8))
                if number.count < 6 { out.append(contentsOf: [UInt8](repeating: UInt8(ascii: "0"), count: 6 - number.count)) }
                out.append(contentsOf: number)
                out.append(contentsOf: Array(".jpg".utf8))
                out.append(contentsOf: tail)
            }
        }
        try FileIO.write(Data(out), to: url)
    }
}

/// The byte-level parser behind `AnimalKingdom.readCharadesCSV`.
private struct CharadesParser {
    let p: UnsafeBufferPointer<UInt8>
    let file: String

    /// The video whose rows are being read.
    private struct Run {
        var idStart: Int
        var idLength: Int
        var id: String
        var line: Int
        var frames = 0
        var labels: [Int] = []
        var labelLines: [Int: Int] = [:]
        var type: String?
        var bad = false
    }

    func parse() throws -> ParsedRows<CharadesVideo> {
        var videos: [CharadesVideo] = []
        var problems: [DatasetProblem] = []
        var columns: [String]?
        var idColumn = 0, labelsColumn = 0
        var frameColumn: Int?, typeColumn: Int?
        var run: Run?
        var fields: [(Int, Int)] = []
        fields.reserveCapacity(8)

        func finish(_ run: Run?) {
            guard let run, !run.bad else { return }
            videos.append(CharadesVideo(id: run.id, line: run.line, frames: run.frames, labels: run.labels.sorted(),
                                        labelLines: run.labelLines, type: run.type))
        }

        try ByteText.forEachLine(p) { line, start, end in
            if ByteText.isBlank(p, start, end) { return }
            guard let header = columns else {
                let names = ByteText.string(p, start, end).split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                guard let id = names.firstIndex(where: { $0 == "original_vido_id" || $0 == "original_video_id" }),
                      let labels = names.firstIndex(of: "labels") else {
                    throw DatasetProblem(file: file, line: line, reason:
                        "header must name columns \(AnimalKingdom.charadesColumns.joined(separator: " ")); found '\(names.joined(separator: " "))'")
                }
                columns = names
                idColumn = id
                labelsColumn = labels
                frameColumn = names.firstIndex(of: "frame_id")
                typeColumn = names.firstIndex(of: "type")
                return
            }

            fields.removeAll(keepingCapacity: true)
            var fieldStart = start
            var i = start
            while i < end {
                if p[i] == ByteText.space || p[i] == ByteText.tab {
                    fields.append((fieldStart, i))
                    fieldStart = i + 1
                }
                i += 1
            }
            fields.append((fieldStart, end))

            let idRange = idColumn < fields.count ? fields[idColumn] : fields[0]
            let idLength = idRange.1 - idRange.0
            if run == nil || run!.idLength != idLength || !ByteText.equal(p, run!.idStart, idRange.0, idLength) {
                finish(run)
                run = Run(idStart: idRange.0, idLength: idLength, id: ByteText.string(p, idRange.0, idRange.1), line: line)
            }

            func reject(_ reason: String) {
                problems.append(DatasetProblem(file: file, line: line, item: run!.id.isEmpty ? nil : run!.id, reason: reason))
                run!.bad = true
            }

            let missingTrailingLabels = fields.count == header.count - 1 && labelsColumn == header.count - 1
            guard fields.count == header.count || missingTrailingLabels else {
                return reject("expected \(header.count) space-separated fields (\(header.joined(separator: " "))), found \(fields.count)")
            }
            guard idLength > 0 else { return reject("empty video id") }
            if let frameColumn, frameColumn < fields.count {
                let (a, b) = fields[frameColumn]
                guard ByteText.integer(p, a, b) != nil else {
                    return reject("frame_id '\(ByteText.string(p, a, b))' is not an integer")
                }
            }
            if !missingTrailingLabels {
                var (a, b) = fields[labelsColumn]
                while a < b && p[a] == ByteText.quote { a += 1 }
                while b > a && p[b - 1] == ByteText.quote { b -= 1 }
                var tokenStart = a
                var k = a
                while k <= b {
                    if k == b || p[k] == ByteText.comma {
                        if k > tokenStart {
                            guard let label = ByteText.integer(p, tokenStart, k) else {
                                return reject("label '\(ByteText.string(p, tokenStart, k))' is not an integer id")
                            }
                            if run!.labelLines[label] == nil {
                                run!.labelLines[label] = line
                                run!.labels.append(label)
                            }
                        }
                        tokenStart = k + 1
                    }
                    k += 1
                }
            }
            if run!.type == nil, let typeColumn, typeColumn < fields.count {
                run!.type = ByteText.string(p, fields[typeColumn].0, fields[typeColumn].1)
            }
            run!.frames += 1
        }
        finish(run)
        if columns == nil {
            throw DatasetProblem(file: file, line: 1, reason:
                "file is empty; expected header \(AnimalKingdom.charadesColumns.joined(separator: " "))")
        }
        return ParsedRows(rows: videos, problems: problems)
    }
}
