import Foundation
import Vision
import TestSupport
import XCTest

/// DISOpticalFlow against OpenCV's own Python binding on the same two frames.
final class DISParityTests: XCTestCase {
    func testMatchesOpenCVPythonForEveryPreset() throws {
        try PythonReference.requireModules(["cv2", "numpy"], package: "python3-opencv")
        let folder = try PythonReference.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }

        // A textured scene that slides and a patch of it that moves on its own, so flow varies.
        let (width, height) = (224, 160)
        let canvas = TexturedCanvas(width: 300, height: 240, seed: 5)
        let from = canvas.window(x: 30, y: 40, width: width, height: height)
        var to = canvas.window(x: 27, y: 42, width: width, height: height)
        let patch = canvas.window(x: 200, y: 10, width: 40, height: 30)
        for row in 0..<30 {
            let start = ((60 + row) * width + 90) * 3
            to.replaceSubrange(start..<(start + 120), with: patch[(row * 120)..<(row * 120 + 120)])
        }
        let fromURL = folder.appendingPathComponent("from.rgb"), toURL = folder.appendingPathComponent("to.rgb")
        try Data(from).write(to: fromURL)
        try Data(to).write(to: toURL)

        for preset in DISOpticalFlow.Preset.allCases {
            // One object for several pairs: nothing from an earlier pair may leak into a later one.
            let flow = try DISOpticalFlow(preset: preset)
            _ = try flow.flow(from: to, to: from, width: width, height: height)
            for threads in ["1", "-1"] {  // one thread, OpenCV's default
                let out = folder.appendingPathComponent("\(preset.rawValue)-\(threads).flow")
                try PythonReference.runScript("dis_reference.py", [preset.rawValue, "\(width)", "\(height)",
                                                                   fromURL.path, toURL.path, out.path, threads])
                let expected = try Data(contentsOf: out).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
                let field = try flow.flow(from: from, to: to, width: width, height: height)
                XCTAssertEqual(field.count, expected.count, "\(preset)")
                guard field.count == expected.count else { continue }
                let largestDifference = zip(field, expected).map { abs($0 - $1) }.max() ?? 0
                let differing = zip(field, expected).filter { $0 != $1 }.count
                XCTAssertLessThanOrEqual(largestDifference, 1e-4, "\(preset), cv2 threads \(threads)")
                XCTAssertEqual(differing, 0, "\(preset), cv2 threads \(threads): values not bit-identical")
                XCTAssertGreaterThan(field.map(\.magnitude).max() ?? 0, 1, "\(preset): the scene does move")
            }
        }
    }
}
