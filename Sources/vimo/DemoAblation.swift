import Foundation
import Metrics
import Pipeline

/// The demo's fusion ablation: each variant's test mAP and micro AP (from its eval stage's
/// metrics.json) beside the chance level of random scores on the same test videos.
struct DemoAblation {
    /// One variant's scores.
    struct Entry {
        var fusion: String
        var pipeline: String
        var map: Double?
        var microAP: Double?
        var evaluation: URL
    }

    /// Why the ablation cannot be read.
    struct Failure: LocalizedError {
        let errorDescription: String?
        init(_ text: String) { errorDescription = text }
    }

    /// Variants in the order of ViMoCLIP's Table 2 (appearance, motion, the three fusions), then AnimalMotionCLIP's.
    static let order = ["rgb", "motion", "concat-embedding", "concat-temporal", "cross", "amclip rgb", "amclip flow", "amclip rgb+flow"]

    var entries: [Entry]
    var chance: AblationChart.Row
    var items: Int
    var classes: Int

    init(runs: [(definition: PipelineDefinition, record: RunRecord)]) throws {
        var entries: [Entry] = []
        var counts: (items: Int, classes: Int, chance: AblationChart.Row)? = nil
        for (definition, record) in runs {
            guard let folder = record.stages.first(where: { $0.stage == "eval" })?.directory else {
                throw Failure("\(definition.file.path): the run has no eval stage to read the ablation from")
            }
            let url = URL(fileURLWithPath: folder).appendingPathComponent(EvaluationFiles.metricsJSON)
            let report: MetricsReport
            do { report = try JSONDecoder().decode(MetricsReport.self, from: Data(contentsOf: url)) } catch {
                throw Failure("\(url.path): \(error.localizedDescription)")
            }
            guard let chance = report.chance else { throw Failure("\(url.path) has no chance level (written by an older vimo-eval)") }
            let row = AblationChart.Row(name: "chance", map: chance.map, microAP: chance.microAP)
            if let counts, counts.items != report.counts.items || counts.classes != report.counts.classes || counts.chance != row {
                throw Failure("\(url.path) evaluates \(report.counts.items) videos × \(report.counts.classes) classes, "
                              + "the first variant \(counts.items) × \(counts.classes): the variants must share the test split")
            }
            counts = (report.counts.items, report.counts.classes, row)
            // The row: the pipeline's `row` var (AnimalMotionCLIP's rows), else its TFAM fusion.
            let fusion = (definition.vars["row"] ?? definition.vars["fusion"]).map { "\($0)" } ?? definition.name
            entries.append(Entry(fusion: fusion, pipeline: definition.name, map: report.map, microAP: report.microAP,
                                 evaluation: URL(fileURLWithPath: folder)))
        }
        guard let counts else { throw Failure("no pipeline ran") }
        self.entries = entries.sorted {
            (Self.order.firstIndex(of: $0.fusion) ?? Self.order.count, $0.fusion) < (Self.order.firstIndex(of: $1.fusion) ?? Self.order.count, $1.fusion)
        }
        chance = counts.chance
        items = counts.items
        classes = counts.classes
    }

    static func percent(_ value: Double?) -> String { value.map { String(format: "%9.2f %%", 100 * $0) } ?? "      n/a  " }

    /// The table: a row per fusion, then chance; mAP first, then micro AP.
    var table: [String] {
        let width = max(18, (entries.map(\.fusion.count).max() ?? 0) + 2)
        var lines = ["  " + Console.pad("fusion", width) + "mAP (macro)      micro AP"]
        for entry in entries {
            lines.append("  " + Console.pad(entry.fusion, width) + Self.percent(entry.map) + "   " + Self.percent(entry.microAP))
        }
        lines.append("  " + Console.pad("chance", width) + Self.percent(chance.map) + "   " + Self.percent(chance.microAP))
        return lines
    }

    var subtitle: String {
        "TFAM fusions and AnimalMotionCLIP on the test split (\(items) videos, \(classes) classes); chance = expected AP of random scores on the same videos"
    }

    func print(console: Console) {
        console.line("Fusion ablation — " + subtitle + ":")
        for line in table { console.line(line) }
    }

    /// Writes ablation.json, ablation.svg and (with rsvg-convert) ablation.png beside the dataset;
    /// returns what was written. A chart that cannot be rendered is said, not fatal.
    func write(beside dataset: URL, console: Console) -> [URL] {
        let folder = dataset.deletingLastPathComponent()
        let json = folder.appendingPathComponent("ablation.json"), svg = folder.appendingPathComponent("ablation.svg")
        var written: [URL] = []
        func number(_ value: Double?) -> Any { value ?? NSNull() }
        let object: [String: Any] = [
            "items": items, "classes": classes,
            "chance": ["map": number(chance.map), "micro_ap": number(chance.microAP)],
            "variants": entries.map { ["fusion": $0.fusion, "pipeline": $0.pipeline, "map": number($0.map),
                                       "micro_ap": number($0.microAP), "eval": $0.evaluation.path] as [String: Any] },
        ]
        do {
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            try data.write(to: json, options: .atomic)
            written.append(json)
            let chart = AblationChart.svg(rows: entries.map { AblationChart.Row(name: $0.fusion, map: $0.map, microAP: $0.microAP) },
                                          chance: chance, title: "Motion-aware fusion vs appearance alone", subtitle: subtitle)
            try Data(chart.utf8).write(to: svg, options: .atomic)
            written.append(svg)
        } catch {
            console.note("could not write the ablation files in \(folder.path): \(error.localizedDescription)")
            return written
        }
        if let png = Self.rasterise(svg) { written.append(png) } else {
            console.note("no PNG of the chart: rsvg-convert (Debian's librsvg2-bin, installed by make bootstrap) did not run")
        }
        return written
    }

    /// The SVG as a PNG beside it, through rsvg-convert; nil when that is missing or fails.
    static func rasterise(_ svg: URL) -> URL? {
        let png = svg.deletingPathExtension().appendingPathExtension("png")
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        guard let tool = paths.map({ URL(fileURLWithPath: String($0)).appendingPathComponent("rsvg-convert") })
            .first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else { return nil }
        let process = Process()
        process.executableURL = tool
        process.arguments = ["--zoom", "2", "--output", png.path, svg.path]
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        process.waitUntilExit()
        return process.terminationStatus == 0 ? png : nil
    }
}
