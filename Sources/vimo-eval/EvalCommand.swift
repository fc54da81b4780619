import ArgumentParser
import Datasets
import Foundation
import Metrics
import Store

/// `vimo-eval`: Animal Kingdom metrics, tables and plots from a scores shard.
@main
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vimo-eval",
        abstract: "Evaluate multi-label scores: official Animal Kingdom mAP, micro AP, head/middle/tail, P/R/F1, plots.",
        discussion: """
        Reads the scores shard written by `vimo-tfam predict` (items, scores (V, K), labels) and writes to --out: \
        metrics.json (every number with its metric's name), per_class.csv, per_class_ap.svg (AP per class sorted \
        by frequency, coloured by head/middle/tail), pr_curve.svg (micro precision–recall) and predictions.csv \
        (classes predicted per video at --threshold).

        mAP is the official Animal Kingdom metric: per-class average precision (scikit-learn's definition) over the \
        classes with at least one positive in the evaluated split, averaged (SlowFast's get_map). Micro AP pools every \
        (video, class) pair (what ViMoCLIP reports). Exit status: 0 done; 2 unusable inputs; 64 invalid options.
        """,
        version: "eval-1")

    @Option(name: .long, help: ArgumentHelp("Folder holding the scores shard.", valueName: "dir"))
    var scores: String

    @Option(name: .long, help: ArgumentHelp("Dataset root for class names and head/middle/tail (default: classes.json beside the scores).", valueName: "root"))
    var annotations: String?

    @Option(name: .long, help: ArgumentHelp("Output folder.", valueName: "dir"))
    var out: String

    @Option(name: .long, help: "Score at or above which a class is predicted.")
    var threshold: Float = 0.5

    @Option(name: .long, help: "k values for top-k precision/recall/F1, comma-separated.")
    var topK: String = "1,3,5"

    mutating func validate() throws {
        guard (0...1).contains(threshold) else { throw ValidationError("--threshold must lie in 0...1") }
        guard topK.split(separator: ",").allSatisfy({ (Int($0) ?? 0) > 0 }) else {
            throw ValidationError("--top-k takes positive whole numbers, e.g. 1,3,5")
        }
    }

    func run() throws {
        do {
            let index = try ShardIndex.build(directory: URL(fileURLWithPath: scores))
            var ids: [String] = [], rows: [[Float]] = [], truth: [[UInt8]] = []
            var width = 0
            for shard in index.shards {
                let reader = try ShardReader(url: shard)
                guard let k = reader.scoreClasses, reader.labelCount == k else {
                    throw ValidationError("\(shard.path) is not a scores shard with labels (it holds \(reader.payload))")
                }
                width = k
                let values = try reader.readScores(rows: 0..<reader.rowCount)
                for (position, id) in reader.items.enumerated() where index[id]?.shard == shard {
                    let r = reader.rows(ofItem: position).lowerBound
                    ids.append(id)
                    rows.append(Array(values[(r * k)..<((r + 1) * k)]))
                    truth.append(try reader.labels(item: position))
                }
            }
            guard !ids.isEmpty else { throw ValidationError("\(scores) holds no scores (run vimo-tfam predict --out \(scores))") }
            let classes = try classInfo(count: width)
            let k = topK.split(separator: ",").compactMap { Int($0) }.filter { $0 <= width }
            let evaluation = try Evaluator(threshold: threshold, topK: k.isEmpty ? [1] : k)
                .evaluate(scores: rows, labels: truth, classes: classes)
            let folder = URL(fileURLWithPath: out)
            let written = try EvaluationFiles.write(evaluation, to: folder)
            try PredictionsCSV.write(videos: ids, scores: ScoreMatrix(rows: rows), classes: classes, threshold: threshold,
                                     to: folder.appendingPathComponent("predictions.csv"))
            print(summaryTable(evaluation))
            print("wrote " + (written.map(\.path) + [folder.appendingPathComponent("predictions.csv").path]).joined(separator: "\n      "))
        } catch let error as ValidationError {
            FileHandle.standardError.write(Data("vimo-eval: error: \(error.message)\n".utf8))
            throw ExitCode(2)
        } catch {
            FileHandle.standardError.write(Data("vimo-eval: error: \(error.localizedDescription)\n".utf8))
            throw ExitCode(2)
        }
    }

    private func classInfo(count: Int) throws -> [ClassInfo] {
        if let annotations {
            let list = try DatasetLoader.load(root: URL(fileURLWithPath: annotations), split: .all, continueOnError: true,
                                          requireVideos: false).classes
            guard list.count == count else {
                throw ValidationError("\(annotations) has \(list.count) classes but the scores have \(count)")
            }
            return list.classes.map { ClassInfo(id: $0.id, name: $0.name, segment: $0.segment.flatMap { Metrics.Segment(rawValue: $0.rawValue) }) }
        }
        let sidecar = URL(fileURLWithPath: scores).appendingPathComponent("classes.json")
        if let data = try? Data(contentsOf: sidecar), let names = try? JSONDecoder().decode([String].self, from: data), names.count == count {
            return names.enumerated().map { ClassInfo(id: $0.offset, name: $0.element) }
        }
        return ClassInfo.numbered(count)
    }

    private func summaryTable(_ e: Evaluation) -> String {
        func f(_ v: Double?) -> String { v.map { String(format: "%6.2f", 100 * $0) } ?? "   n/a" }
        var lines = ["metric                     value (%)", "mAP (Animal Kingdom)       \(f(e.meanAveragePrecision))",
                     "micro AP                   \(f(e.microAveragePrecision))"]
        for s in e.segments where s.classes > 0 {
            lines.append("mAP \(s.segment.rawValue.padding(toLength: 23, withPad: " ", startingAt: 0))\(f(s.meanAveragePrecision))")
        }
        lines.append("F1 micro @ \(e.threshold)            \(f(e.atThreshold.micro.f1))")
        let chance = MetricsReport(e).chance
        lines.append("chance mAP (random scores) \(f(chance?.map))")
        lines.append("chance micro AP            \(f(chance?.microAP))")
        return lines.joined(separator: "\n")
    }
}
