import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Metrics
import XCTest

/// The SVG charts are well-formed XML with the marks they promise.
final class ChartTests: XCTestCase {
    /// Collects every element's name and attributes; records whether parsing succeeded.
    private final class Elements: NSObject, XMLParserDelegate {
        var found: [(name: String, attributes: [String: String])] = []
        var texts: [String] = []
        private var text = ""
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            found.append((name, attributes))
            text = ""
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "text" { texts.append(text) }
        }
    }

    private func parse(_ svg: String, file: StaticString = #filePath, line: UInt = #line) -> Elements {
        let parser = XMLParser(data: Data(svg.utf8))
        let elements = Elements()
        parser.delegate = elements
        XCTAssertTrue(parser.parse(), "not well-formed: \(String(describing: parser.parserError))", file: file, line: line)
        XCTAssertEqual(elements.found.first?.name, "svg", file: file, line: line)
        return elements
    }

    /// K classes with long-tailed positives, awkward names, one class without positives.
    private func evaluation(classes count: Int, items: Int) throws -> Evaluation {
        var generator = SplitMix64(seed: 11)
        var scores = [Float](), labels = [UInt8]()
        for _ in 0..<items {
            for column in 0..<count {
                let positive = column != count - 1 && Double.random(in: 0..<1, using: &generator) < 0.5 / Double(column + 1)
                labels.append(positive ? 1 : 0)
                scores.append(Float(Double.random(in: 0..<1, using: &generator) * 0.7 + (positive ? 0.3 : 0)))
            }
        }
        let classes = (0..<count).map { column in
            ClassInfo(id: column, name: column == 0 ? "Eating <fast> & \"loud\"" : "Action \(column)",
                      segment: column < count / 4 ? .head : column < count / 2 ? .middle : .tail)
        }
        return try Evaluator().evaluate(scores: ScoreMatrix(items: items, classes: count, values: scores),
                                        labels: LabelMatrix(items: items, classes: count, values: labels), classes: classes)
    }

    func testBarChartHasOneBarPerClassSortedByPositives() throws {
        let evaluation = try evaluation(classes: 140, items: 400)
        let elements = parse(APBarChart.svg(evaluation))
        let bars = elements.found.filter { $0.name == "rect" && $0.attributes["class"] == "bar" }
        XCTAssertEqual(bars.count, 140)
        // Top to bottom, most positives first.
        let rowsByY = bars.map { Double($0.attributes["y"] ?? "") ?? -1 }
        XCTAssertEqual(rowsByY, rowsByY.sorted())
        let expectedOrder = evaluation.perClass.sorted { $0.positives != $1.positives ? $0.positives > $1.positives : $0.info.id < $1.info.id }
        let widths = bars.map { Double($0.attributes["width"] ?? "") ?? -1 }
        let plotWidth = 620.0
        for (width, result) in zip(widths, expectedOrder) {
            XCTAssertEqual(width, (result.averagePrecision ?? 0) * plotWidth, accuracy: 0.01, result.info.name)
        }
        // Names are escaped and readable again after parsing; the legend names every segment.
        XCTAssertTrue(elements.texts.contains { $0.hasPrefix("Eating <fast> & \"loud\" (") })
        for segment in ["head:", "middle:", "tail:"] { XCTAssertTrue(elements.texts.contains { $0.hasPrefix(segment) }, segment) }
        XCTAssertTrue(elements.texts.contains("Average precision"))
        XCTAssertTrue(elements.texts.contains("no positives"))
    }

    func testCurveChartIsOnePolylineInsideThePlot() throws {
        let evaluation = try evaluation(classes: 20, items: 3000)
        let elements = parse(PRCurveChart.svg(evaluation))
        let lines = elements.found.filter { $0.name == "polyline" }
        XCTAssertEqual(lines.count, 1)
        let points = try XCTUnwrap(lines.first?.attributes["points"]).split(separator: " ").map { pair -> (Double, Double) in
            let xy = pair.split(separator: ",").map { Double(String($0))! }
            return (xy[0], xy[1])
        }
        XCTAssertGreaterThan(evaluation.microCurve.points.count, 10_000)
        XCTAssertLessThan(points.count, 4_000, "thinned to what the plot can show")
        XCTAssertGreaterThan(points.count, 20)
        // Inside the 520-pixel square whose corner is (78, 84); recall never decreases along the line.
        for (x, y) in points {
            XCTAssertTrue((78...598).contains(x) && (84...604).contains(y), "(\(x), \(y))")
        }
        XCTAssertEqual(points.map(\.0), points.map(\.0).sorted())
        let title = try XCTUnwrap(elements.texts.first)
        let ap = try XCTUnwrap(evaluation.microAveragePrecision)
        XCTAssertTrue(title.contains("micro AP \(String(format: "%.3f", ap))"), title)
    }
}
