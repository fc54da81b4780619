/// The micro precision–recall curve, drawn as the step function whose area is the micro AP.
public enum PRCurveChart {
    /// The chart of an evaluation's micro curve, marking its threshold's operating point.
    public static func svg(_ evaluation: Evaluation) -> String {
        svg(curve: evaluation.microCurve, pairs: evaluation.items * evaluation.perClass.count,
            operatingThreshold: evaluation.threshold)
    }

    /// The chart of any curve; `pairs` is how many (item, class) scores it ranks, for the chance line.
    public static func svg(curve: PrecisionRecallCurve, pairs: Int? = nil, operatingThreshold: Float? = nil) -> String {
        let plot = 520.0
        let left = 78.0, top = 84.0
        var svg = SVGDocument(width: left + plot + 40, height: top + plot + 66)
        func x(_ recall: Double) -> Double { left + recall * plot }
        func y(_ precision: Double) -> Double { top + (1 - precision) * plot }

        let ap = curve.averagePrecision.map { ChartStyle.fixed($0, digits: 3) } ?? "n/a"
        svg.text("Micro precision–recall curve (micro AP \(ap))", x: 16, y: 28, size: 18, bold: true)
        var subtitle = "\(ChartStyle.grouped(curve.positives)) positive labels"
        if let pairs { subtitle += " among \(ChartStyle.grouped(pairs)) (video, class) pairs" }
        subtitle += "; every score is a threshold"
        svg.text(subtitle, x: 16, y: 48, size: 12, fill: "#555")

        for step in 0...10 {
            let value = Double(step) / 10
            svg.line(x1: x(value), y1: top, x2: x(value), y2: top + plot, stroke: step % 5 == 0 ? "#cfcfcf" : "#ececec")
            svg.line(x1: left, y1: y(value), x2: left + plot, y2: y(value), stroke: step % 5 == 0 ? "#cfcfcf" : "#ececec")
            svg.text(ChartStyle.fixed(value, digits: 1), x: x(value), y: top + plot + 18, size: 11, anchor: .middle, fill: "#555")
            svg.text(ChartStyle.fixed(value, digits: 1), x: left - 8, y: y(value) + 4, size: 11, anchor: .end, fill: "#555")
        }
        svg.rect(x: left, y: top, width: plot, height: plot, fill: "none", stroke: "#333")
        svg.text("Recall", x: left + plot / 2, y: top + plot + 44, size: 13, anchor: .middle, bold: true)
        svg.text("Precision", x: 26, y: top + plot / 2, size: 13, anchor: .middle, bold: true, rotation: -90)

        if let pairs, pairs > 0, curve.positives > 0 {
            let chance = Double(curve.positives) / Double(pairs)
            svg.line(x1: x(0), y1: y(chance), x2: x(1), y2: y(chance), stroke: "#888", width: 1, dash: "5 4")
            // Labelled at the left, where a useful curve is far above chance.
            svg.text("chance: precision \(ChartStyle.fixed(chance, digits: 3))", x: x(0) + 6, y: y(chance) - 5,
                     size: 11, fill: "#666", halo: true)
        }
        if curve.positives > 0 {
            svg.polyline(stepVertices(curve, x: x, y: y), stroke: "#0072B2", width: 2, cssClass: "pr-curve")
        }
        if let threshold = operatingThreshold, curve.positives > 0,
           let point = curve.points.last(where: { $0.threshold >= threshold }) {
            let px = x(point.recall), py = y(point.precision)
            svg.circle(x: px, y: py, radius: 5, fill: "#C0392B", stroke: "#ffffff")
            let label = "score ≥ \(threshold): precision \(ChartStyle.fixed(point.precision, digits: 3)), "
                + "recall \(ChartStyle.fixed(point.recall, digits: 3))"
            let rightHalf = point.recall > 0.5
            svg.text(label, x: px + (rightHalf ? -9 : 9), y: py + (point.precision > 0.5 ? 18 : -9), size: 11,
                     anchor: rightHalf ? .end : .start, fill: "#C0392B", bold: true, halo: true)
        }
        return svg.render()
    }

    /// The vertices of the curve drawn as scikit-learn integrates it (precision P_n held from
    /// R_{n−1} to R_n), in pixels, thinned to what a screen can show: a curve over 850,000 pairs
    /// has as many points, but at most a few per pixel column differ visibly.
    static func stepVertices(_ curve: PrecisionRecallCurve, x: (Double) -> Double, y: (Double) -> Double) -> [(x: Double, y: Double)] {
        var vertices: [(x: Double, y: Double)] = []
        func add(_ px: Double, _ py: Double) {
            let point = (x: (px * 4).rounded() / 4, y: (py * 4).rounded() / 4)
            if let last = vertices.last, last.x == point.x, last.y == point.y { return }
            // Drop the middle of three vertices on one horizontal or vertical run.
            if vertices.count >= 2 {
                let a = vertices[vertices.count - 2], b = vertices[vertices.count - 1]
                if (a.x == b.x && b.x == point.x) || (a.y == b.y && b.y == point.y) { vertices[vertices.count - 1] = point; return }
            }
            vertices.append(point)
        }
        var previousRecall = 0.0
        for point in curve.points {
            add(x(previousRecall), y(point.precision))
            add(x(point.recall), y(point.precision))
            previousRecall = point.recall
        }
        return vertices
    }
}
