import ArgumentParser
import Core
import Datasets
import Foundation
import Store

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write an embedding stage folder's embeddings in another project's layout.",
        discussion: """
        --format vimoclip writes the layout ViMoCLIP's own training code reads: one HDF5 file per split, \
        DIR/train.h5 and DIR/val.h5 (the splits from --annotations, the dataset's folder), a group per \
        video holding `embeddings` (T, D) float32 and `labels` (K,) float32; export the CLIP folder and the \
        motion-embedding folder into two folders and point its config at them. Without --annotations every \
        video goes to DIR/all.h5. --format npy writes DIR/<id>.npy, float32 (T, D), one file per video, \
        as video_features does. Each file is written under a temporary name and renamed when complete. \
        Exit status: 0 written; 2 the folder is not an embedding stage or the annotations cannot be read; \
        64 invalid options.
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case vimoclip, npy }

    @Argument(help: ArgumentHelp("An embedding stage folder (data/cache/clip/<fingerprint>, data/cache/moclip/…).", valueName: "folder"))
    var folder: String
    @Option(name: .long, help: "vimoclip or npy.") var format: Format
    @Option(name: .long, help: ArgumentHelp("Output folder (created if missing).", valueName: "dir")) var out: String
    @Option(name: .long, help: ArgumentHelp("The dataset folder whose annotations give each video's split (and its labels where the shards carry none).", valueName: "dir"))
    var annotations: String?

    func run() throws {
        let console = Console()
        do {
            let written = try export()
            console.line("exported " + written.map { "\($0.count) videos to \(Console.short($0.url))" }.joined(separator: ", "))
        } catch let error as ExitCode {
            throw error
        } catch {
            console.error(error.localizedDescription)
            throw ExitCode(2)
        }
    }

    private func export() throws -> [(url: URL, count: Int)] {
        let source = URL(fileURLWithPath: folder)
        let index = try ShardIndex.build(directory: source)
        if let problem = index.problems.first { throw problem }
        guard let first = index.shards.first else { throw ExportError("\(source.path) holds no committed shards") }
        let payload = try ShardReader(url: first).payload
        guard case .embeddings(let dim) = payload else {
            throw ExportError("\(source.path) is not an embedding stage (its shards hold \(payload.summary))")
        }
        let dataset = try annotations.map { try DatasetLoader.load(root: URL(fileURLWithPath: $0), split: .all, continueOnError: true, requireVideos: false) }
        let byID = Dictionary((dataset?.items ?? []).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let output = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)

        var readers: [URL: ShardReader] = [:]
        func rows(_ item: String) throws -> (embeddings: [Float], labels: [UInt8]?) {
            guard let entry = index[item] else { throw ExportError("\(source.path): item '\(item)' is not in its index") }
            let reader = try readers[entry.shard] ?? ShardReader(url: entry.shard)
            readers[entry.shard] = reader
            let labels = try reader.labelCount.map { _ in try reader.labels(item: entry.position) }
                ?? dataset.flatMap { dataset in byID[item].map { dataset.multiHot($0) } }
            return (try reader.readEmbeddings(rows: entry.rows), labels)
        }

        switch format {
        case .npy:
            for item in index.items {
                guard !item.contains("/") else { throw ExportError("item '\(item)' cannot be a file name") }
                let values = try rows(item).embeddings
                try AtomicFile.write(NpyFile.float32(values, shape: [values.count / dim, dim]), to: output.appendingPathComponent(item + ".npy"))
            }
            return [(output, index.items.count)]
        case .vimoclip:
            var files: [String: GroupPerItemFile] = [:]
            for item in index.items {
                let split: String
                if dataset != nil {
                    guard let known = byID[item] else { continue }  // not in these annotations
                    split = known.split.rawValue
                } else {
                    split = "all"
                }
                let file = try files[split] ?? GroupPerItemFile(url: output.appendingPathComponent(split + ".h5"))
                files[split] = file
                let (embeddings, labels) = try rows(item)
                try file.add(item: item, embeddings: embeddings, dim: dim, labels: labels?.map(Float.init))
            }
            guard !files.isEmpty else { throw ExportError("none of the \(index.items.count) items of \(source.path) is in \(annotations ?? "")") }
            let written = files.sorted { $0.key < $1.key }.map(\.value)
            for file in written { try file.commit() }
            return written.map { ($0.url, $0.itemCount) }
        }
    }
}

struct ExportError: Error, LocalizedError {
    var text: String
    init(_ text: String) { self.text = text }
    var errorDescription: String? { text }
}
