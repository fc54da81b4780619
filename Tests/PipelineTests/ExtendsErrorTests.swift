import Foundation
import XCTest
@testable import Pipeline

/// An `extends` that names a file which is not there (or not readable) is reported at the `extends`
/// line, naming the file, in words rather than as a Foundation error dump.
final class ExtendsErrorTests: XCTestCase {
    private func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("extends-errors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder
    }

    func testAMissingBaseFileIsNamedAtTheExtendsLine() throws {
        let folder = try folder()
        let child = folder.appendingPathComponent("child.yaml")
        try "description: a child\n\nextends: bases/missing.yaml\nstages:\n  a: {run: a}\n".write(to: child, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PipelineDefinition.load(child)) { error in
            guard let error = error as? PipelineError else { return XCTFail("expected a PipelineError, got \(error)") }
            XCTAssertEqual(error.location?.file, child.path)
            XCTAssertEqual(error.location?.line, 3, "the line of the extends key")
            XCTAssertEqual(error.key, "extends")
            let text = error.localizedDescription
            let base = folder.appendingPathComponent("bases/missing.yaml").path
            XCTAssertEqual(text, "\(child.path):3:10: extends: cannot read '\(base)': no such file "
                           + "(an extends path is relative to the folder of the file that names it)")
            XCTAssertFalse(text.contains("Error Domain"), text)
            XCTAssertFalse(text.contains("NSCocoaErrorDomain"), text)
        }
    }

    func testABaseThatIsAFolderIsSaidToBeOne() throws {
        let folder = try folder()
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("base.yaml"), withIntermediateDirectories: true)
        let child = folder.appendingPathComponent("child.yaml")
        try "extends: base.yaml\n".write(to: child, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PipelineDefinition.load(child)) { error in
            let text = error.localizedDescription
            XCTAssertTrue(text.hasPrefix("\(child.path):1:10: extends: cannot read '\(folder.path)/base.yaml': it is a folder"), text)
        }
    }

    func testAMissingPipelineFileItselfIsNamed() throws {
        let missing = try folder().appendingPathComponent("nope.yaml")
        XCTAssertThrowsError(try PipelineDefinition.load(missing)) { error in
            XCTAssertEqual(error.localizedDescription, "\(missing.path): cannot read the file: no such file")
        }
    }
}
