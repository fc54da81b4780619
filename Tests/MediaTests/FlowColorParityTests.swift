import Foundation
import TestSupport
import XCTest
#if canImport(Media)
import Media
#else
import FlowColor
#endif

/// FlowColor against torchvision's own `flow_to_image`: every byte of every image must match.
final class FlowColorParityTests: XCTestCase {
    private struct Manifest: Decodable {
        struct Case: Decodable {
            var name: String
            var width: Int
            var height: Int
            var flow: String
            var image: String
        }
        var torch: String
        var cases: [Case]
    }

    func testEveryByteMatchesTorchvision() throws {
        try PythonReference.requireModules(["torch", "torchvision"], package: "python3-torchvision")
        let folder = try PythonReference.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try PythonReference.runScript("make_flow_colors.py", [folder.path])

        let manifest = try JSONDecoder().decode(Manifest.self,
                                                from: Data(contentsOf: folder.appendingPathComponent("manifest.json")))
        XCTAssertGreaterThanOrEqual(manifest.cases.count, 10, "the script should write a dozen or more cases")
        var checkedPixels = 0
        for item in manifest.cases {
            let plane = item.width * item.height
            let flow = try Data(contentsOf: folder.appendingPathComponent(item.flow))
            let expected = [UInt8](try Data(contentsOf: folder.appendingPathComponent(item.image)))
            XCTAssertEqual(flow.count, 2 * plane * MemoryLayout<Float>.size, item.name)
            XCTAssertEqual(expected.count, 3 * plane, item.name)
            let values = flow.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }

            let image = FlowColor.image(u: Array(values[..<plane]), v: Array(values[plane...]),
                                        width: item.width, height: item.height, normalization: .perFrameMaximum)

            let differing = (0..<image.count).filter { image[$0] != expected[$0] }
            if !differing.isEmpty {
                let examples = differing.prefix(5).map { index -> String in
                    let pixel = index / 3
                    return "(x \(pixel % item.width), y \(pixel / item.width), channel \(index % 3)): "
                        + "\(image[index]) vs torchvision \(expected[index])"
                }
                XCTFail("\(item.name): \(differing.count) of \(image.count) bytes differ from torchvision "
                    + "\(manifest.torch), e.g. " + examples.joined(separator: "; "))
            }
            checkedPixels += plane
        }
        XCTAssertGreaterThan(checkedPixels, 100_000)
    }
}
