import Core
import Foundation
@testable import Torch

/// Builds small zip archives by hand, including the ZIP64 forms PyTorch uses past 4 GiB, for reader tests.
struct ZipBuilder {
    /// One file to put in the archive.
    struct Entry {
        var name: String
        /// The uncompressed bytes.
        var contents: Data
        /// 0 = stored, 8 = deflate, anything else is written as-is with `payload`.
        var method: UInt16 = 0
        /// The bytes to store (compressed ones for method 8); defaults to `contents`, or a deflate encoding of it.
        var payload: Data?
        /// A CRC to write instead of the right one.
        var crcOverride: UInt32?
    }

    /// Every size and offset field saturated, real values in ZIP64 extra fields and a ZIP64 end record + locator.
    var zip64 = false
    /// Pad local extra fields so data starts on 64-byte boundaries, as PyTorch's writer does.
    var alignData = true
    var entries: [Entry] = []

    /// Deflate with stored blocks only: a valid method-8 stream without needing a compressor.
    static func deflateStored(_ data: Data) -> Data {
        var output = Data()
        var start = 0
        repeat {
            let count = min(65535, data.count - start)
            let final = start + count == data.count
            output.append(final ? 1 : 0)
            output.append(contentsOf: [UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)])
            output.append(data.subdata(in: start ..< start + count))
            start += count
        } while start < data.count
        return output
    }

    /// The entries of an existing archive (stored or deflated), renamed into `folder/` when given.
    static func entries(of url: URL, renamingFolderTo folder: String? = nil, skipping: Set<String> = []) throws -> [Entry] {
        let zip = try ZipArchive(data: try Data(contentsOf: url), file: url.path)
        return try zip.entries.compactMap { entry in
            guard !skipping.contains(entry.name) else { return nil }
            var name = entry.name
            if let folder, let slash = name.firstIndex(of: "/") { name = folder + name[slash...] }
            let contents = try zip.contents(of: entry)          // a slice of the archive: copy it to zero-based data
            return Entry(name: name, contents: contents.copyBytes(at: 0, count: contents.count))
        }
    }

    /// The archive's bytes.
    func build() -> Data {
        var archive = Data()
        var central = Data()
        for entry in entries {
            let payload = entry.payload ?? (entry.method == 8 ? ZipBuilder.deflateStored(entry.contents) : entry.contents)
            let crc = entry.crcOverride ?? CRC32.checksum(entry.contents)
            let name = Data(entry.name.utf8)
            let offset = archive.count

            var localExtra = Data()
            if zip64 {
                localExtra.appendLE(UInt16(0x0001)); localExtra.appendLE(UInt16(16))
                localExtra.appendLE(UInt64(entry.contents.count)); localExtra.appendLE(UInt64(payload.count))
            }
            if alignData {
                // A private extra field ("FB", as miniz writes) that pads the data start to 64 bytes.
                let unpadded = offset + 30 + name.count + localExtra.count + 4
                let padding = (64 - unpadded % 64) % 64
                localExtra.appendLE(UInt16(0x4246)); localExtra.appendLE(UInt16(padding))
                localExtra.append(Data(repeating: 0x5A, count: padding))
            }
            archive.appendLE(UInt32(0x0403_4B50))
            archive.appendLE(UInt16(zip64 ? 45 : 20)); archive.appendLE(UInt16(0)); archive.appendLE(entry.method)
            archive.appendLE(UInt16(0)); archive.appendLE(UInt16(0x21))
            archive.appendLE(crc)
            archive.appendLE(zip64 ? UInt32.max : UInt32(payload.count))
            archive.appendLE(zip64 ? UInt32.max : UInt32(entry.contents.count))
            archive.appendLE(UInt16(name.count)); archive.appendLE(UInt16(localExtra.count))
            archive.append(name); archive.append(localExtra); archive.append(payload)

            var centralExtra = Data()
            if zip64 {
                centralExtra.appendLE(UInt16(0x0001)); centralExtra.appendLE(UInt16(24))
                centralExtra.appendLE(UInt64(entry.contents.count)); centralExtra.appendLE(UInt64(payload.count))
                centralExtra.appendLE(UInt64(offset))
            }
            central.appendLE(UInt32(0x0201_4B50))
            central.appendLE(UInt16(zip64 ? 45 : 20)); central.appendLE(UInt16(zip64 ? 45 : 20))
            central.appendLE(UInt16(0)); central.appendLE(entry.method)
            central.appendLE(UInt16(0)); central.appendLE(UInt16(0x21))
            central.appendLE(crc)
            central.appendLE(zip64 ? UInt32.max : UInt32(payload.count))
            central.appendLE(zip64 ? UInt32.max : UInt32(entry.contents.count))
            central.appendLE(UInt16(name.count)); central.appendLE(UInt16(centralExtra.count)); central.appendLE(UInt16(0))
            central.appendLE(UInt16(0)); central.appendLE(UInt16(0)); central.appendLE(UInt32(0))
            central.appendLE(zip64 ? UInt32.max : UInt32(offset))
            central.append(name); central.append(centralExtra)
        }
        let directoryOffset = archive.count
        archive.append(central)
        if zip64 {
            let recordOffset = archive.count
            archive.appendLE(UInt32(0x0606_4B50)); archive.appendLE(UInt64(44))
            archive.appendLE(UInt16(45)); archive.appendLE(UInt16(45))
            archive.appendLE(UInt32(0)); archive.appendLE(UInt32(0))
            archive.appendLE(UInt64(entries.count)); archive.appendLE(UInt64(entries.count))
            archive.appendLE(UInt64(central.count)); archive.appendLE(UInt64(directoryOffset))
            archive.appendLE(UInt32(0x0706_4B50)); archive.appendLE(UInt32(0))
            archive.appendLE(UInt64(recordOffset)); archive.appendLE(UInt32(1))
        }
        archive.appendLE(UInt32(0x0605_4B50))
        archive.appendLE(UInt16(0)); archive.appendLE(UInt16(0))
        archive.appendLE(zip64 ? UInt16.max : UInt16(entries.count)); archive.appendLE(zip64 ? UInt16.max : UInt16(entries.count))
        archive.appendLE(zip64 ? UInt32.max : UInt32(central.count))
        archive.appendLE(zip64 ? UInt32.max : UInt32(directoryOffset))
        archive.appendLE(UInt16(0))
        return archive
    }
}

extension Data {
    /// Appends an integer in little-endian byte order.
    mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
