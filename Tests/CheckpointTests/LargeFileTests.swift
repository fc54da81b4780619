import Core
import Foundation
import XCTest
@testable import Torch

/// Memory mapping, and (on request) the time to read a large safetensors file.
final class LargeFileTests: XCTestCase {
    func testCheckpointFilesAreMemoryMappedNotRead() throws {
        guard FileManager.default.fileExists(atPath: "/proc/self/maps") else { throw XCTSkip("needs /proc/self/maps") }
        let url = try CheckpointFixtures.temporaryFolder(self).appendingPathComponent("mapped-probe.safetensors")
        let tensor = CheckpointTensor(name: "w", dtype: .u8, shape: [1 << 20], data: Data(count: 1 << 20))
        try SafetensorsWriter.write([tensor], metadata: [:], to: url)
        let mapped = try mapFile(url)
        // /proc files report size 0, so read the handle to its end rather than trusting a sized read.
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/maps"))
        defer { try? handle.close() }
        let maps = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        // The mapping that holds the data's first byte must be the file itself, not anonymous memory.
        let address = mapped.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
        let region = maps.split(separator: "\n").first { line in
            let bounds = line.prefix { $0 != " " }.split(separator: "-").compactMap { UInt($0, radix: 16) }
            return bounds.count == 2 && bounds[0] <= address && address < bounds[1]
        }
        XCTAssertTrue(region?.hasSuffix(url.lastPathComponent) == true,
                      "the data lives in a mapping of the file, found: \(region.map(String.init) ?? "no region")")
        XCTAssertEqual(mapped.count, 8 + Int(mapped.littleEndian(UInt64.self, at: 0)) + (1 << 20))
    }

    /// Set VIMO_CHECKPOINT_BENCH=1 to write a 350 MB file to /tmp and time reading it (not a pass/fail test).
    func testReadSpeedOfA350MegabyteSafetensorsFile() throws {
        guard ProcessInfo.processInfo.environment["VIMO_CHECKPOINT_BENCH"] == "1" else {
            throw XCTSkip("set VIMO_CHECKPOINT_BENCH=1 to run the read-speed measurement")
        }
        let url = URL(fileURLWithPath: "/tmp/vimo-checkpoint-bench.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        // About the shape of a half-precision CLIP ViT-B/32 blown up to 350 MB: 200 tensors of 1.75 MB.
        let tensors = (0 ..< 200).map { index in
            CheckpointTensor(name: "layer.\(index).weight", dtype: .f16, shape: [875, 1000],
                             data: Data((0 ..< 1_750_000).map { UInt8(truncatingIfNeeded: $0 &+ index) }))
        }
        var start = Date()
        try SafetensorsWriter.write(tensors, metadata: ["bench": "1"], to: url)
        let writeSeconds = Date().timeIntervalSince(start)
        let size = Double(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as! Int) / 1e6
        // Drop the page cache's advantage as far as an unprivileged test can: read once cold-ish, once warm.
        for pass in ["first", "second"] {
            start = Date()
            let checkpoint = try CheckpointReader.read(url)
            let seconds = Date().timeIntervalSince(start)
            XCTAssertEqual(checkpoint.tensors.count, 200)
            print(String(format: "safetensors read (%@ pass): %.0f MB in %.3f s = %.0f MB/s", pass, size, seconds, size / seconds))
        }
        print(String(format: "safetensors write: %.0f MB in %.3f s = %.0f MB/s", size, writeSeconds, size / writeSeconds))
    }

    /// Set VIMO_CHECKPOINT_BIG_TORCH to a file made by Fixtures/make_big_checkpoint.py (> 4 GiB, real ZIP64 from PyTorch).
    func testTorchSaveArchiveLargerThanFourGigabytes() throws {
        guard let path = ProcessInfo.processInfo.environment["VIMO_CHECKPOINT_BIG_TORCH"] else {
            throw XCTSkip("set VIMO_CHECKPOINT_BIG_TORCH=/tmp/vimo-big.pth (see Fixtures/make_big_checkpoint.py)")
        }
        let url = URL(fileURLWithPath: path)
        let zip = try ZipArchive(data: try mapFile(url), file: path)
        XCTAssertGreaterThan(zip.entries.map(\.localHeaderOffset).max() ?? 0, Int(UInt32.max), "an entry lies past 4 GiB")
        let start = Date()
        let checkpoint = try CheckpointReader.read(url)
        let seconds = Date().timeIntervalSince(start)
        let after = try XCTUnwrap(checkpoint["after"])
        XCTAssertEqual(TensorValues.doubles(after), [1.5, -2.5, 3.25])
        let big = try XCTUnwrap(checkpoint["big"])
        XCTAssertEqual(big.shape, [1_100_000_000])
        XCTAssertEqual(big.data.count, 4_400_000_000)
        for index in [0, 250, 251, 1_000_000_007, 1_099_999_999] {
            let value = Float(bitPattern: big.data.littleEndian(UInt32.self, at: index * 4))
            XCTAssertEqual(value, Float(index % 251), "element \(index)")
        }
        print(String(format: "torch.save zip read: %.1f GB in %.2f s", Double(big.data.count) / 1e9, seconds))
    }
}
