/// The per-class AP chart: one horizontal bar per class, most frequent class on top, coloured by segment.
///
/// Horizontal bars keep 140 class names readable without rotating them; every bar carries its AP
/// as text and a tooltip, and a dashed line marks the overall mAP.
public enum APBarChart {
    /// The chart as SVG text.
    public static func svg(_ evaluation: Evaluation) -> String {
        let classes = evaluation.perClass.sorted {
            $0.positives != $1.positives ? $0.positives > $1.positives : $0.info.id < $1.info.id
        }
        let labelSize = 11.0
        let rowHeight = 15.0
        let labels = classes.map { "\($0.info.name) (\(ChartStyle.grouped($0.positives)))" }
        let labelWidth = labels.map { SVGDocument.estimatedWidth($0, size: labelSize) }.max() ?? 0
        let plotWidth = 620.0
        let left = 16 + max(labelWidth, SVGDocument.estimatedWidth("Class (positives)", size: 12)) + 8
        let top = 132.0
        let plotHeight = rowHeight * Double(max(classes.count, 1))
        let subtitle = "\(ChartStyle.grouped(evaluation.items)) videos, \(classes.count) classes, "
            + "\(evaluation.classesWithPositives) with a positive; sorted by positives in this split (in brackets)"
        let width = max(left + plotWidth + 70, 32 + SVGDocument.estimatedWidth(subtitle, size: 12))
        let height = top + plotHeight + 58
        var svg = SVGDocument(width: width, height: height)
        func x(_ ap: Double) -> Double { left + ap * plotWidth }

        let mAP = evaluation.meanAveragePrecision.map { ChartStyle.fixed($0, digits: 3) } ?? "n/a"
        svg.text("Average precision per class (mAP \(mAP))", x: 16, y: 28, size: 18, bold: true)
        svg.text(subtitle, x: 16, y: 48, size: 12, fill: "#555")
        drawLegend(&svg, evaluation: evaluation, x: 16, y: 72)

        // Back to front: row stripes, grid, the mAP line, then labels and bars on top.
        for row in classes.indices where row % 2 == 1 {
            // A faint stripe on every other row: enough to follow a row across, too faint to read as data.
            svg.rect(x: left - labelWidth - 8, y: top + Double(row) * rowHeight, width: labelWidth + 8 + plotWidth,
                     height: rowHeight, fill: "#f3f3f3", cssClass: "stripe")
        }
        for tick in stride(from: 0.0, through: 1.0001, by: 0.1) {
            let major = Int((tick * 10).rounded()) % 2 == 0
            svg.line(x1: x(tick), y1: top - 4, x2: x(tick), y2: top + plotHeight + 4,
                     stroke: major ? "#cfcfcf" : "#e6e6e6")
            if major {
                svg.text(ChartStyle.fixed(tick, digits: 1), x: x(tick), y: top - 8, size: 10, anchor: .middle, fill: "#555")
                svg.text(ChartStyle.fixed(tick, digits: 1), x: x(tick), y: top + plotHeight + 16, size: 10, anchor: .middle, fill: "#555")
            }
        }
        svg.text("Average precision", x: left + plotWidth / 2, y: top - 22, size: 12, anchor: .middle, bold: true)
        svg.text("Average precision", x: left + plotWidth / 2, y: top + plotHeight + 34, size: 12, anchor: .middle, bold: true)
        // The class axis is named above its column, where it fits however few classes there are.
        svg.text("Class (positives)", x: left - 6, y: top - 22, size: 12, anchor: .end, bold: true)
        if let overall = evaluation.meanAveragePrecision {
            svg.line(x1: x(overall), y1: top - 4, x2: x(overall), y2: top + plotHeight + 4, stroke: "#C0392B",
                     width: 1.5, dash: "6 4")
        }

        for (row, result) in classes.enumerated() {
            let y = top + Double(row) * rowHeight
            svg.text(labels[row], x: left - 6, y: y + rowHeight - 4, size: labelSize, anchor: .end,
                     fill: result.positives > 0 ? "#222" : "#999")
            let ap = result.averagePrecision ?? 0
            let tooltip = "\(result.info.name): " + (result.averagePrecision.map { "AP \(ChartStyle.fixed($0, digits: 4))" } ?? "no positives")
                + ", \(result.positives) positives" + (result.info.segment.map { ", \($0.rawValue)" } ?? "")
            svg.rect(x: left, y: y + 2, width: ap * plotWidth, height: rowHeight - 4,
                     fill: ChartStyle.colour(for: result.info.segment), cssClass: "bar", title: tooltip)
            let value = result.averagePrecision.map { ChartStyle.fixed($0, digits: 2) } ?? "no positives"
            svg.text(value, x: x(ap) + 4, y: y + rowHeight - 4, size: 9.5, fill: "#444",
                     italic: result.averagePrecision == nil, halo: true)
        }
        svg.line(x1: left, y1: top, x2: left, y2: top + plotHeight, stroke: "#333")
        return svg.render()
    }

    private static func classCount(_ count: Int) -> String {
        count == 1 ? "1 class" : "\(count) classes"
    }

    private static func drawLegend(_ svg: inout SVGDocument, evaluation: Evaluation, x: Double, y: Double) {
        var entries: [(colour: String, text: String)] = evaluation.segments.compactMap { segment in
            guard segment.classes > 0 else { return nil }
            let mAP = segment.meanAveragePrecision.map { ChartStyle.fixed($0, digits: 3) } ?? "n/a"
            return (ChartStyle.colour(for: segment.segment),
                    "\(segment.segment.rawValue): \(classCount(segment.classes)), mAP \(mAP)")
        }
        let unassigned = evaluation.perClass.filter { $0.info.segment == nil }.count
        if unassigned > 0 { entries.append((ChartStyle.colour(for: nil), "no segment: \(classCount(unassigned))")) }
        var cursor = x
        for entry in entries {
            svg.rect(x: cursor, y: y - 10, width: 12, height: 12, fill: entry.colour)
            svg.text(entry.text, x: cursor + 17, y: y, size: 12)
            cursor += 17 + SVGDocument.estimatedWidth(entry.text, size: 12) + 22
        }
        svg.line(x1: x, y1: y + 16, x2: x + 22, y2: y + 16, stroke: "#C0392B", width: 1.5, dash: "6 4")
        let overall = evaluation.meanAveragePrecision.map { ChartStyle.fixed($0, digits: 3) } ?? "n/a"
        svg.text("overall mAP \(overall): the mean over classes with a positive", x: x + 28, y: y + 20, size: 12)
    }
}
