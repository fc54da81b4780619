/// The fusion ablation as a chart: one row per variant with its mAP and micro AP as horizontal
/// bars, the chance level of random scores as a last grey row and as dashed lines through every
/// row, so how far each variant sits above chance reads at a glance.
public enum AblationChart {
    /// One row: a variant (or the chance level) and its two scores in [0, 1].
    public struct Row: Sendable, Equatable {
        /// The row's label, e.g. the fusion `cross`.
        public var name: String
        /// Official (macro) mAP.
        public var map: Double?
        /// Micro AP.
        public var microAP: Double?

        /// A row.
        public init(name: String, map: Double?, microAP: Double?) {
            self.name = name
            self.map = map
            self.microAP = microAP
        }
    }

    /// The colours of the two metrics (Okabe–Ito blue and orange); chance is grey.
    static let mapColour = "#0072B2", microColour = "#E69F00", chanceColour = "#9A9A9A"

    /// The chart as SVG text: `rows` top to bottom, then `chance`.
    public static func svg(rows: [Row], chance: Row, title: String, subtitle: String) -> String {
        let all = rows + [chance]
        let labelSize = 13.0, barHeight = 14.0, rowHeight = 2 * barHeight + 14
        let labelWidth = all.map { SVGDocument.estimatedWidth($0.name, size: labelSize) }.max() ?? 0
        let left = 24 + labelWidth + 10, plotWidth = 560.0, top = 104.0
        let plotHeight = rowHeight * Double(all.count)
        let width = max(left + plotWidth + 80, 32 + SVGDocument.estimatedWidth(subtitle, size: 12))
        var svg = SVGDocument(width: width, height: top + plotHeight + 52)
        func x(_ value: Double) -> Double { left + max(0, min(1, value)) * plotWidth }

        svg.text(title, x: 16, y: 28, size: 18, bold: true)
        svg.text(subtitle, x: 16, y: 48, size: 12, fill: "#555")
        var cursor = 16.0
        for (colour, text) in [(mapColour, "mAP (macro, official)"), (microColour, "micro AP"),
                               (chanceColour, "chance: expected AP of random scores (dashed)")] {
            svg.rect(x: cursor, y: 62, width: 12, height: 12, fill: colour)
            svg.text(text, x: cursor + 17, y: 72, size: 12)
            cursor += 17 + SVGDocument.estimatedWidth(text, size: 12) + 22
        }

        for tick in stride(from: 0.0, through: 1.0001, by: 0.1) {
            svg.line(x1: x(tick), y1: top - 4, x2: x(tick), y2: top + plotHeight, stroke: "#e3e3e3")
            svg.text(ChartStyle.fixed(tick * 100, digits: 0) + " %", x: x(tick), y: top + plotHeight + 16, size: 10,
                     anchor: .middle, fill: "#555")
        }
        for (row, entry) in all.enumerated() {
            let y = top + Double(row) * rowHeight + 6
            let isChance = row == all.count - 1
            svg.text(entry.name, x: left - 8, y: y + barHeight + 4, size: labelSize, anchor: .end,
                     fill: isChance ? "#666" : "#222", bold: !isChance)
            for (offset, value, colour) in [(0.0, entry.map, mapColour), (barHeight, entry.microAP, microColour)] {
                let fill = isChance ? chanceColour : colour
                let label = value.map { ChartStyle.fixed($0 * 100, digits: 1) + " %" } ?? "n/a"
                svg.rect(x: left, y: y + offset, width: (value ?? 0) * plotWidth, height: barHeight - 2, fill: fill,
                         cssClass: "bar", title: "\(entry.name): \(label)")
                svg.text(label, x: x(value ?? 0) + 4, y: y + offset + barHeight - 4, size: 10, fill: "#333", halo: true)
            }
        }
        // The chance levels through every row: dashed, in the colour of their metric.
        for (value, colour) in [(chance.map, mapColour), (chance.microAP, microColour)] {
            guard let value else { continue }
            svg.line(x1: x(value), y1: top - 4, x2: x(value), y2: top + plotHeight, stroke: colour, width: 1.5, dash: "5 4")
        }
        svg.line(x1: left, y1: top - 4, x2: left, y2: top + plotHeight, stroke: "#333")
        svg.text("average precision on the evaluated split", x: left + plotWidth / 2, y: top + plotHeight + 36, size: 12,
                 anchor: .middle, bold: true)
        return svg.render()
    }
}
