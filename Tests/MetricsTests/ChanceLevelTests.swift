import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Metrics
import XCTest

/// The chance level: the closed form against cases worked by hand and against seeded random scores
/// scored by the same AP code the metrics use.
final class ChanceLevelTests: XCTestCase {
    func testWorkedCases() throws {
        XCTAssertNil(ChanceLevel.averagePrecision(items: 5, positives: 0))
        XCTAssertEqual(try XCTUnwrap(ChanceLevel.averagePrecision(items: 5, positives: 5)), 1, accuracy: 1e-15)
        // One positive among 3: rank 1, 2 or 3 alike, AP = 1, 1/2, 1/3.
        XCTAssertEqual(try XCTUnwrap(ChanceLevel.averagePrecision(items: 3, positives: 1)), (1 + 0.5 + 1.0 / 3) / 3, accuracy: 1e-15)
        // Two positives among 3: orders 110, 101, 011 (each twice) give AP 1, (1 + 2/3)/2, (1/2 + 2/3)/2.
        let two = (1 + (1 + 2.0 / 3) / 2 + (0.5 + 2.0 / 3) / 2) / 3
        XCTAssertEqual(try XCTUnwrap(ChanceLevel.averagePrecision(items: 3, positives: 2)), two, accuracy: 1e-15)
    }

    func testAgreesWithTheMeanOfSeededRandomScores() throws {
        var rng = SplitMix64(seed: 13)
        func unit() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }
        let items = 35, classes = 5
        var labels = [[UInt8]](repeating: [UInt8](repeating: 0, count: classes), count: items)
        for i in 0..<items { for c in 0..<classes where unit() < 0.35 { labels[i][c] = 1 } }
        labels[0][4] = 1
        let matrix = try LabelMatrix(rows: labels)
        var mapSum = 0.0, microSum = 0.0
        let draws = 4000
        for _ in 0..<draws {
            let scores = try ScoreMatrix(rows: (0..<items).map { _ in (0..<classes).map { _ in Float(unit()) } })
            mapSum += try XCTUnwrap(meanAveragePrecision(perClass: perClassAveragePrecision(scores: scores, labels: matrix)))
            microSum += try XCTUnwrap(microAveragePrecision(scores: scores, labels: matrix))
        }
        let map = try XCTUnwrap(ChanceLevel.meanAveragePrecision(labels: matrix))
        let micro = try XCTUnwrap(ChanceLevel.microAveragePrecision(labels: matrix))
        // The standard error of the mean over 4,000 draws is below 0.002 here.
        XCTAssertEqual(mapSum / Double(draws), map, accuracy: 0.006)
        XCTAssertEqual(microSum / Double(draws), micro, accuracy: 0.006)
        XCTAssertGreaterThan(map, 0.3, "above the prevalence-free floor")
    }

    func testMetricsJSONCarriesTheChanceLevelOfTheEvaluatedLabels() throws {
        let labels: [[UInt8]] = [[1, 0], [0, 1], [1, 1], [0, 0]]
        let evaluation = try Evaluator(topK: [1]).evaluate(scores: [[0.9, 0.1], [0.2, 0.8], [0.7, 0.6], [0.1, 0.3]], labels: labels,
                                                  classes: ClassInfo.numbered(2))
        let chance = try XCTUnwrap(MetricsReport(evaluation).chance)
        XCTAssertEqual(try XCTUnwrap(chance.map), try XCTUnwrap(ChanceLevel.averagePrecision(items: 4, positives: 2)), accuracy: 1e-15)
        XCTAssertEqual(try XCTUnwrap(chance.microAP), try XCTUnwrap(ChanceLevel.averagePrecision(items: 8, positives: 4)), accuracy: 1e-15)
        let object = try JSONSerialization.jsonObject(with: MetricsReport(evaluation).jsonData()) as? [String: Any]
        let written = try XCTUnwrap(object?["chance"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(written["map"] as? Double), try XCTUnwrap(chance.map), accuracy: 1e-15)
        XCTAssertNotNil(written["micro_ap"] as? Double)
    }
}


/// The ablation chart: a row per variant and chance, two bars each, the chance levels as dashed lines.
final class AblationChartTests: XCTestCase {
    func testRowsBarsAndChanceLines() throws {
        let rows = [AblationChart.Row(name: "rgb", map: 0.48, microAP: 0.44), AblationChart.Row(name: "cross", map: 0.73, microAP: 0.7)]
        let chance = AblationChart.Row(name: "chance", map: 0.435, microAP: 0.394)
        let svg = AblationChart.svg(rows: rows, chance: chance, title: "t & <title>", subtitle: "35 videos")
        let parser = XMLParser(data: Data(svg.utf8))
        XCTAssertTrue(parser.parse(), "well-formed: \(String(describing: parser.parserError))")
        let bars = svg.components(separatedBy: "class=\"bar\"").count - 1
        XCTAssertEqual(bars, 6, "two bars for each of the two variants and chance")
        XCTAssertTrue(svg.contains("<title>cross: 73.0 %</title>") && svg.contains("<title>chance: 43.5 %</title>"), svg)
        XCTAssertEqual(svg.components(separatedBy: "stroke-dasharray").count - 1, 2, "one dashed chance line per metric")
        XCTAssertTrue(svg.contains("t &amp; &lt;title&gt;"), "the title is escaped")
        // Bars are proportional: cross's mAP bar is 0.73 / 0.48 times rgb's.
        func width(_ title: String) throws -> Double {
            let tag = try XCTUnwrap(svg.components(separatedBy: "\n").first { $0.contains("<title>\(title)</title>") })
            let value = try XCTUnwrap(tag.components(separatedBy: "width=\"").dropFirst().first?.split(separator: "\"").first)
            return try XCTUnwrap(Double(value))
        }
        XCTAssertEqual(try width("cross: 73.0 %") / width("rgb: 48.0 %"), 0.73 / 0.48, accuracy: 0.01)
    }
}
