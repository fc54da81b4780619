import Foundation

/// One file inside a zip archive, as its central directory describes it.
public struct ZipEntry: Equatable, Sendable {
    /// Path inside the archive (`archive/data.pkl`).
    public let name: String
    /// 0 = stored, 8 = deflate.
    public let method: Int
    /// General-purpose flags (bit 0: encrypted; bit 3: sizes in a trailing data descriptor; bit 11: UTF-8 name).
    public let flags: Int
    /// CRC-32 of the uncompressed bytes.
    public let crc32: UInt32
    /// Bytes in the archive.
    public let compressedSize: Int
    /// Bytes once extracted.
    public let uncompressedSize: Int
    /// Where the entry's local header starts.
    public let localHeaderOffset: Int
}

/// A read-only view of a zip archive held in (memory-mapped) data: central directory, ZIP64, stored and deflated entries.
///
/// Sizes, CRCs and offsets come from the central directory alone, so the writers this reads agree with it:
/// PyTorch's miniz (entries stored, data aligned to 64 bytes via local extra fields, ZIP64 records once the
/// archive passes 4 GiB) and the `.xlsx` writers (Excel, openpyxl, LibreOffice: deflated entries, often with
/// general-purpose bit 3 set, whose local headers carry zero sizes and whose data is followed by a data descriptor).
/// Encrypted entries and compression methods other than stored and deflate are refused with a `ZipError`.
public struct ZipArchive: Sendable {
    /// The path used in errors.
    public let file: String
    /// The whole archive.
    public let data: Data
    /// Entries in central-directory order.
    public let entries: [ZipEntry]
    private let indexByName: [String: Int]

    private static let endSignature: UInt32 = 0x0605_4B50
    private static let zip64EndSignature: UInt32 = 0x0606_4B50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    private static let centralSignature: UInt32 = 0x0201_4B50
    private static let localSignature: UInt32 = 0x0403_4B50

    /// Whether data begins with a zip local-file (or empty-archive) signature.
    public static func looksLikeZip(_ data: Data) -> Bool {
        guard data.count >= 4 else { return false }
        let signature = data.littleEndian(UInt32.self, at: 0)
        return signature == localSignature || signature == endSignature
    }

    /// Parses the end record(s) and the central directory.
    public init(data: Data, file: String) throws {
        self.file = file
        self.data = data
        let size = data.count
        guard size >= 22 else { throw ZipError.truncated(file: file, detail: "\(size) bytes is too short for a zip archive") }

        // The end-of-central-directory record sits in the last 22 + 65535 (comment) bytes.
        var endOffset = -1
        var candidate = size - 22
        let lowest = max(0, size - 22 - 0xFFFF)
        while candidate >= lowest {
            if data.littleEndian(UInt32.self, at: candidate) == ZipArchive.endSignature {
                endOffset = candidate
                break
            }
            candidate -= 1
        }
        guard endOffset >= 0 else {
            throw ZipError.truncated(file: file, detail: "no zip end-of-central-directory record (the archive was cut short)")
        }
        var entryCount = Int(data.littleEndian(UInt16.self, at: endOffset + 10))
        var directorySize = Int(data.littleEndian(UInt32.self, at: endOffset + 12))
        var directoryOffset = Int(data.littleEndian(UInt32.self, at: endOffset + 16))

        // A ZIP64 locator, when present, sits right before the end record and overrides the 16/32-bit fields.
        let locatorOffset = endOffset - 20
        if locatorOffset >= 0, data.littleEndian(UInt32.self, at: locatorOffset) == ZipArchive.zip64LocatorSignature {
            let recordOffset = try ZipArchive.checkedInt(data.littleEndian(UInt64.self, at: locatorOffset + 8), file: file)
            guard recordOffset >= 0, recordOffset + 56 <= locatorOffset,
                  data.littleEndian(UInt32.self, at: recordOffset) == ZipArchive.zip64EndSignature else {
                throw ZipError.malformed(file: file, reason: "ZIP64 locator points to no ZIP64 end record")
            }
            entryCount = try ZipArchive.checkedInt(data.littleEndian(UInt64.self, at: recordOffset + 32), file: file)
            directorySize = try ZipArchive.checkedInt(data.littleEndian(UInt64.self, at: recordOffset + 40), file: file)
            directoryOffset = try ZipArchive.checkedInt(data.littleEndian(UInt64.self, at: recordOffset + 48), file: file)
        } else if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            throw ZipError.malformed(file: file, reason: "end record defers to ZIP64 but there is no ZIP64 locator")
        }
        guard directoryOffset + directorySize <= endOffset else {
            throw ZipError.truncated(file: file, detail: "central directory at \(directoryOffset)+\(directorySize) lies past the end record at \(endOffset)")
        }

        var entries: [ZipEntry] = []
        entries.reserveCapacity(entryCount)
        var indexByName: [String: Int] = [:]
        var cursor = directoryOffset
        let directoryEnd = directoryOffset + directorySize
        for number in 0 ..< entryCount {
            guard cursor + 46 <= directoryEnd, data.littleEndian(UInt32.self, at: cursor) == ZipArchive.centralSignature else {
                throw ZipError.malformed(file: file, reason: "central directory entry \(number) of \(entryCount) is missing or damaged")
            }
            let flags = Int(data.littleEndian(UInt16.self, at: cursor + 8))
            let method = Int(data.littleEndian(UInt16.self, at: cursor + 10))
            let crc = data.littleEndian(UInt32.self, at: cursor + 16)
            var compressed = UInt64(data.littleEndian(UInt32.self, at: cursor + 20))
            var uncompressed = UInt64(data.littleEndian(UInt32.self, at: cursor + 24))
            let nameLength = Int(data.littleEndian(UInt16.self, at: cursor + 28))
            let extraLength = Int(data.littleEndian(UInt16.self, at: cursor + 30))
            let commentLength = Int(data.littleEndian(UInt16.self, at: cursor + 32))
            var localOffset = UInt64(data.littleEndian(UInt32.self, at: cursor + 42))
            let nameStart = cursor + 46
            guard nameStart + nameLength + extraLength + commentLength <= directoryEnd else {
                throw ZipError.malformed(file: file, reason: "central directory entry \(number) overruns the directory")
            }
            let nameBytes = data.copyBytes(at: nameStart, count: nameLength)
            let name = String(data: nameBytes, encoding: .utf8) ?? String(decoding: nameBytes, as: UTF8.self)

            // ZIP64 extended information: 64-bit values for exactly the fields saturated above, in this order.
            var extra = nameStart + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let tag = data.littleEndian(UInt16.self, at: extra)
                let length = Int(data.littleEndian(UInt16.self, at: extra + 2))
                let body = extra + 4
                guard body + length <= extraEnd else { break }
                if tag == 0x0001 {
                    var field = body
                    func next() throws -> UInt64 {
                        guard field + 8 <= body + length else {
                            throw ZipError.malformed(file: file, reason: "ZIP64 extra field of '\(name)' is too short")
                        }
                        defer { field += 8 }
                        return data.littleEndian(UInt64.self, at: field)
                    }
                    if uncompressed == 0xFFFF_FFFF { uncompressed = try next() }
                    if compressed == 0xFFFF_FFFF { compressed = try next() }
                    if localOffset == 0xFFFF_FFFF { localOffset = try next() }
                }
                extra = body + length
            }
            let entry = ZipEntry(name: name, method: method, flags: flags, crc32: crc,
                                 compressedSize: try ZipArchive.checkedInt(compressed, file: file),
                                 uncompressedSize: try ZipArchive.checkedInt(uncompressed, file: file),
                                 localHeaderOffset: try ZipArchive.checkedInt(localOffset, file: file))
            indexByName[name] = entries.count
            entries.append(entry)
            cursor = nameStart + nameLength + extraLength + commentLength
        }
        self.entries = entries
        self.indexByName = indexByName
    }

    private static func checkedInt(_ value: UInt64, file: String) throws -> Int {
        guard value <= UInt64(Int.max / 2) else { throw ZipError.malformed(file: file, reason: "64-bit field out of range") }
        return Int(value)
    }

    /// The entry with this exact name, or nil.
    public func entry(named name: String) -> ZipEntry? {
        indexByName[name].map { entries[$0] }
    }

    /// The extracted bytes of an entry: a view into the mapped archive for stored entries, inflated for deflated ones.
    ///
    /// Stored entries are checked against their CRC only when `verify` is set (storages can be gigabytes).
    public func contents(of entry: ZipEntry, verify: Bool = false) throws -> Data {
        guard entry.flags & 1 == 0 else {
            throw ZipError.malformed(file: file, reason: "entry '\(entry.name)' is encrypted")
        }
        let header = entry.localHeaderOffset
        guard header + 30 <= data.count else {
            throw ZipError.truncated(file: file, detail: "local header of '\(entry.name)' lies past the end of the file")
        }
        guard data.littleEndian(UInt32.self, at: header) == ZipArchive.localSignature else {
            throw ZipError.malformed(file: file, reason: "no local header where the directory puts '\(entry.name)'")
        }
        // Local extra fields differ from the central ones (miniz pads them to align data), so use the local lengths.
        // Only the lengths: with bit 3 the local sizes and CRC are zero and the central directory has the real ones.
        let start = header + 30 + Int(data.littleEndian(UInt16.self, at: header + 26))
            + Int(data.littleEndian(UInt16.self, at: header + 28))
        guard start + entry.compressedSize <= data.count else {
            throw ZipError.truncated(file: file, detail: "entry '\(entry.name)' needs bytes \(start)..<\(start + entry.compressedSize), the file has \(data.count)")
        }
        let raw = data.view(at: start, count: entry.compressedSize)
        let contents: Data
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.uncompressedSize else {
                throw ZipError.malformed(file: file, reason: "stored entry '\(entry.name)' has different compressed and uncompressed sizes")
            }
            contents = raw
            if !verify { return contents }
        case 8:
            do {
                contents = try Inflate.decompress(raw, expectedSize: entry.uncompressedSize)
            } catch let failure as Inflate.Failure {
                throw ZipError.corruptEntry(file: file, entry: entry.name, reason: "deflate stream: \(failure.reason)")
            }
        default:
            throw ZipError.unsupportedCompression(file: file, entry: entry.name, method: entry.method)
        }
        let crc = CRC32.checksum(contents)
        guard crc == entry.crc32 else {
            throw ZipError.corruptEntry(file: file, entry: entry.name,
                                               reason: "CRC-32 is \(String(crc, radix: 16)), directory says \(String(entry.crc32, radix: 16))")
        }
        return contents
    }
}
