import Datasets
import Foundation
import XCTest

/// Checks the corrected id → name table against the annotations themselves: AR_metadata names each clip's
/// actions in `list_animal_action`, so the name that goes with an id is the one most associated with it.
final class IndexCorrectionEvidenceTests: XCTestCase {
    /// Per id, the action name with the highest Ochiai coefficient co(id, name) / sqrt(clips(id) · clips(name)).
    /// Unlike lift it does not favour names seen on two clips; unlike the raw count it does not favour
    /// "Keeping still".
    private func mostAssociatedName(minimumClips: Int, names: Set<String>) throws -> [Int: String] {
        let records = try CSV.records(Array(Data(contentsOf: SharedData.ak("AR_metadata_AR.csv"))))
        let columns = records[0].fields
        let labelsColumn = try XCTUnwrap(columns.firstIndex(of: "labels"))
        let actionsColumn = try XCTUnwrap(columns.firstIndex(of: "list_animal_action"))
        let separators = Set<Character>("'\"\\()[],")

        var idClips: [Int: Int] = [:]
        var nameClips: [String: Int] = [:]
        var together: [Int: [String: Int]] = [:]
        for record in records.dropFirst() {
            let ids = Set(record.fields[labelsColumn].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) })
            // `list_animal_action` is a Python repr of (animal, action) pairs, sometimes nested in strings;
            // every quoted token that equals a class name is an action (no animal is named like an action).
            let actions = Set(record.fields[actionsColumn].split(whereSeparator: { separators.contains($0) })
                .map { $0.trimmingCharacters(in: .whitespaces) }).intersection(names)
            for name in actions { nameClips[name, default: 0] += 1 }
            for id in ids {
                idClips[id, default: 0] += 1
                for name in actions { together[id, default: [:]][name, default: 0] += 1 }
            }
        }
        var best: [Int: String] = [:]
        for (id, clips) in idClips where clips >= minimumClips {
            let scores = together[id, default: [:]].map { name, count in
                (name, Double(count) / (Double(clips) * Double(nameClips[name]!)).squareRoot())
            }
            best[id] = scores.max { $0.1 < $1.1 }?.0
        }
        return best
    }

    func testEveryWellAttestedIdGoesWithTheNameTheCorrectedTableGivesIt() throws {
        let corrected = try ClassList.animalKingdom(dfAction: SharedData.ak("df_action.csv"))
        let raw = try ClassList.animalKingdom(dfAction: SharedData.ak("df_action.csv"), correctIndices: false)
        let best = try mostAssociatedName(minimumClips: 10, names: Set(corrected.names))

        XCTAssertGreaterThan(best.count, 100, "most ids have at least 10 clips")
        for (id, name) in best.sorted(by: { $0.key < $1.key }) {
            XCTAssertEqual(corrected[id].name, name, "label id \(id)")
        }
        // The statistic separates the two tables: the file's own index column fails on exactly the
        // well-attested ids the correction moves (50 and 70 have fewer than 10 clips).
        let rawDisagrees = best.filter { raw[$0.key].name != $0.value }.map(\.key).sorted()
        XCTAssertEqual(rawDisagrees, [49, 74, 81, 82, 83, 84])
    }

    func testTheCorrectionOnlyPermutesTheEightNamedClasses() throws {
        let corrected = try ClassList.animalKingdom(dfAction: SharedData.ak("df_action.csv"))
        let raw = try ClassList.animalKingdom(dfAction: SharedData.ak("df_action.csv"), correctIndices: false)
        let moved = (0..<140).filter { corrected[$0].name != raw[$0].name }
        XCTAssertEqual(moved, [49, 50, 70, 74, 81, 82, 83, 84])
        XCTAssertEqual(Set(corrected.names), Set(raw.names))
    }
}
