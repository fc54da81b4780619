import Foundation

/// What an unpickler asks of the format that embeds the pickle (torch.save, TorchScript).
protocol PickleHost {
    /// Resolves a persistent id (BINPERSID) to a value, e.g. a storage.
    func persistentLoad(_ id: PickleValue) throws -> PickleValue
    /// Calls a global with arguments (REDUCE) or instantiates it (NEWOBJ); unknown ones become opaque objects.
    func call(module: String, name: String, arguments: [PickleValue], isNewObject: Bool) throws -> PickleValue
}

/// Why the host rejected a value while unpickling; the unpickler adds file, entry and offset.
struct PickleHostFailure: Error {
    /// What was wrong.
    let reason: String
}

/// A pickle virtual machine for the opcodes `torch.save` (protocol 2) and TorchScript's `data.pkl` emit,
/// plus the protocol 3–5 opcodes newer writers may use.
struct Unpickler {
    private let file: String
    private let entry: String
    private let bytes: [UInt8]
    private let host: PickleHost
    private var position = 0
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]

    /// Prepares to unpickle `data` (the contents of `entry` in `file`, both used in errors).
    init(data: Data, file: String, entry: String, host: PickleHost) {
        self.bytes = [UInt8](data)
        self.file = file
        self.entry = entry
        self.host = host
    }

    // MARK: - Reading the stream

    private func failure(_ reason: String, at offset: Int) -> CheckpointError {
        .badPickle(file: file, entry: entry, offset: offset, reason: reason)
    }

    private mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, position + count <= bytes.count else {
            throw CheckpointError.truncated(file: file, detail: "\(entry) ends inside a pickle opcode at offset \(position)")
        }
        defer { position += count }
        return bytes[position ..< position + count]
    }

    private mutating func unsigned(_ count: Int) throws -> UInt64 {
        var value: UInt64 = 0
        for (shift, byte) in try take(count).enumerated() { value |= UInt64(byte) << (8 * UInt64(shift)) }
        return value
    }

    private mutating func length(_ count: Int) throws -> Int {
        let value = try unsigned(count)
        guard value <= UInt64(bytes.count) else {
            throw CheckpointError.truncated(file: file, detail: "\(entry) declares \(value) bytes at offset \(position - count)")
        }
        return Int(value)
    }

    private mutating func line() throws -> String {
        guard let end = bytes[position...].firstIndex(of: 0x0A) else {
            throw CheckpointError.truncated(file: file, detail: "\(entry) ends inside a text opcode at offset \(position)")
        }
        defer { position = end + 1 }
        return String(decoding: bytes[position ..< end], as: UTF8.self)
    }

    private mutating func utf8(_ count: Int, at offset: Int) throws -> String {
        let slice = try take(count)
        guard let string = String(bytes: slice, encoding: .utf8) else { throw failure("string is not valid UTF-8", at: offset) }
        return string
    }

    // MARK: - Stack

    private mutating func pop(at offset: Int) throws -> PickleValue {
        guard let value = stack.popLast(), stack.count >= (marks.last ?? 0) else {
            throw failure("stack underflow", at: offset)
        }
        return value
    }

    private mutating func popToMark(at offset: Int) throws -> [PickleValue] {
        guard let mark = marks.popLast(), mark <= stack.count else { throw failure("no MARK to pop to", at: offset) }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private mutating func top(at offset: Int) throws -> PickleValue {
        guard let value = stack.last, stack.count > (marks.last ?? 0) else { throw failure("stack underflow", at: offset) }
        return value
    }

    private func fetch(_ index: Int, at offset: Int) throws -> PickleValue {
        guard let value = memo[index] else { throw failure("memo index \(index) was never stored", at: offset) }
        return value
    }

    private mutating func call(_ callable: PickleValue, _ arguments: [PickleValue], isNewObject: Bool, at offset: Int) throws -> PickleValue {
        guard case let .global(module, name) = callable else {
            throw failure("cannot call a \(callable.kind)", at: offset)
        }
        do {
            return try host.call(module: module, name: name, arguments: arguments, isNewObject: isNewObject)
        } catch let hostFailure as PickleHostFailure {
            throw failure("\(module).\(name): \(hostFailure.reason)", at: offset)
        }
    }

    private mutating func setItems(_ items: [PickleValue], into target: PickleValue, at offset: Int) throws {
        guard case let .dict(dict) = target else { throw failure("SETITEMS into a \(target.kind)", at: offset) }
        guard items.count % 2 == 0 else { throw failure("odd number of items for SETITEMS", at: offset) }
        for index in stride(from: 0, to: items.count, by: 2) { dict.set(items[index], items[index + 1]) }
    }

    private mutating func append(_ items: [PickleValue], to target: PickleValue, at offset: Int) throws {
        guard case let .list(list) = target else { throw failure("APPEND to a \(target.kind)", at: offset) }
        list.items.append(contentsOf: items)
    }

    // MARK: - The machine

    /// Runs the pickle to its STOP opcode and returns the value it built.
    mutating func load() throws -> PickleValue {
        while true {
            let offset = position
            let opcode = try take(1).first!
            switch opcode {
            case 0x80: _ = try take(1)                                          // PROTO
            case 0x95: _ = try take(8)                                          // FRAME: framing is a no-op when reading whole
            case 0x2E:                                                          // STOP
                return try pop(at: offset)
            case 0x28: marks.append(stack.count)                                // MARK
            case 0x30: _ = try pop(at: offset)                                  // POP
            case 0x31: _ = try popToMark(at: offset)                            // POP_MARK
            case 0x32: stack.append(try top(at: offset))                        // DUP

            // Constants and numbers
            case 0x4E: stack.append(.none)                                      // NONE
            case 0x88: stack.append(.bool(true))                                // NEWTRUE
            case 0x89: stack.append(.bool(false))                               // NEWFALSE
            case 0x4A: stack.append(.int(Int(Int32(truncatingIfNeeded: try unsigned(4)))))  // BININT
            case 0x4B: stack.append(.int(Int(try unsigned(1))))                 // BININT1
            case 0x4D: stack.append(.int(Int(try unsigned(2))))                 // BININT2
            case 0x8A, 0x8B:                                                    // LONG1, LONG4
                let count = try length(opcode == 0x8A ? 1 : 4)
                stack.append(Unpickler.integer(fromLittleEndian: Array(try take(count))))
            case 0x47:                                                          // BINFLOAT (big-endian)
                var bits: UInt64 = 0
                for byte in try take(8) { bits = bits << 8 | UInt64(byte) }
                stack.append(.float(Double(bitPattern: bits)))
            case 0x49:                                                          // INT (text; 00/01 are bools)
                let text = try line()
                if text == "00" { stack.append(.bool(false)) } else if text == "01" { stack.append(.bool(true)) } else {
                    guard let value = Int(text) else { throw failure("bad INT literal '\(text)'", at: offset) }
                    stack.append(.int(value))
                }
            case 0x46:                                                          // FLOAT (text)
                let text = try line()
                guard let value = Double(text) else { throw failure("bad FLOAT literal '\(text)'", at: offset) }
                stack.append(.float(value))

            // Strings and bytes
            case 0x58: stack.append(.string(try utf8(try length(4), at: offset)))   // BINUNICODE
            case 0x8C: stack.append(.string(try utf8(try length(1), at: offset)))   // SHORT_BINUNICODE
            case 0x8D: stack.append(.string(try utf8(try length(8), at: offset)))   // BINUNICODE8
            case 0x55, 0x54:                                                    // SHORT_BINSTRING, BINSTRING (py2 str)
                let count = try length(opcode == 0x55 ? 1 : 4)
                stack.append(.string(String(decoding: try take(count), as: UTF8.self)))
            case 0x43: stack.append(.bytes(Data(try take(try length(1)))))     // SHORT_BINBYTES
            case 0x42: stack.append(.bytes(Data(try take(try length(4)))))     // BINBYTES
            case 0x8E, 0x96: stack.append(.bytes(Data(try take(try length(8)))))  // BINBYTES8, BYTEARRAY8

            // Containers
            case 0x29: stack.append(.tuple([]))                                 // EMPTY_TUPLE
            case 0x85: stack.append(.tuple([try pop(at: offset)]))              // TUPLE1
            case 0x86:                                                          // TUPLE2
                let second = try pop(at: offset), first = try pop(at: offset)
                stack.append(.tuple([first, second]))
            case 0x87:                                                          // TUPLE3
                let third = try pop(at: offset), second = try pop(at: offset), first = try pop(at: offset)
                stack.append(.tuple([first, second, third]))
            case 0x74: stack.append(.tuple(try popToMark(at: offset)))          // TUPLE
            case 0x5D: stack.append(.list(PickleList()))                        // EMPTY_LIST
            case 0x6C: stack.append(.list(PickleList(try popToMark(at: offset))))  // LIST
            case 0x7D: stack.append(.dict(PickleDict()))                        // EMPTY_DICT
            case 0x64:                                                          // DICT
                let items = try popToMark(at: offset)
                let dict = PickleValue.dict(PickleDict())
                try setItems(items, into: dict, at: offset)
                stack.append(dict)
            case 0x8F: stack.append(.list(PickleList()))                        // EMPTY_SET (kept as a list)
            case 0x91: stack.append(.list(PickleList(try popToMark(at: offset))))  // FROZENSET
            case 0x61:                                                          // APPEND
                let value = try pop(at: offset)
                try append([value], to: try top(at: offset), at: offset)
            case 0x65, 0x90:                                                    // APPENDS, ADDITEMS
                let items = try popToMark(at: offset)
                try append(items, to: try top(at: offset), at: offset)
            case 0x73:                                                          // SETITEM
                let value = try pop(at: offset), key = try pop(at: offset)
                try setItems([key, value], into: try top(at: offset), at: offset)
            case 0x75:                                                          // SETITEMS
                let items = try popToMark(at: offset)
                try setItems(items, into: try top(at: offset), at: offset)

            // Memo
            case 0x71: memo[Int(try unsigned(1))] = try top(at: offset)        // BINPUT
            case 0x72: memo[Int(try unsigned(4))] = try top(at: offset)        // LONG_BINPUT
            case 0x94: memo[memo.count] = try top(at: offset)                   // MEMOIZE
            case 0x68: stack.append(try fetch(Int(try unsigned(1)), at: offset))  // BINGET
            case 0x6A: stack.append(try fetch(Int(try unsigned(4)), at: offset))  // LONG_BINGET
            case 0x70:                                                          // PUT (text)
                guard let index = Int(try line()) else { throw failure("bad PUT index", at: offset) }
                memo[index] = try top(at: offset)
            case 0x67:                                                          // GET (text)
                guard let index = Int(try line()) else { throw failure("bad GET index", at: offset) }
                stack.append(try fetch(index, at: offset))

            // Classes, calls, objects
            case 0x63:                                                          // GLOBAL
                let module = try line(), name = try line()
                stack.append(.global(module: module, name: name))
            case 0x93:                                                          // STACK_GLOBAL
                let name = try pop(at: offset), module = try pop(at: offset)
                guard let moduleName = module.stringValue, let qualifiedName = name.stringValue else {
                    throw failure("STACK_GLOBAL needs two strings", at: offset)
                }
                stack.append(.global(module: moduleName, name: qualifiedName))
            case 0x52:                                                          // REDUCE
                let arguments = try pop(at: offset), callable = try pop(at: offset)
                guard let items = arguments.sequence else { throw failure("REDUCE arguments are a \(arguments.kind)", at: offset) }
                stack.append(try call(callable, items, isNewObject: false, at: offset))
            case 0x81:                                                          // NEWOBJ
                let arguments = try pop(at: offset), callable = try pop(at: offset)
                guard let items = arguments.sequence else { throw failure("NEWOBJ arguments are a \(arguments.kind)", at: offset) }
                stack.append(try call(callable, items, isNewObject: true, at: offset))
            case 0x92:                                                          // NEWOBJ_EX (keyword arguments ignored)
                _ = try pop(at: offset)
                let arguments = try pop(at: offset), callable = try pop(at: offset)
                guard let items = arguments.sequence else { throw failure("NEWOBJ_EX arguments are a \(arguments.kind)", at: offset) }
                stack.append(try call(callable, items, isNewObject: true, at: offset))
            case 0x62:                                                          // BUILD
                let state = try pop(at: offset)
                if case let .object(object) = try top(at: offset) { object.state = state }
                // BUILD on dicts (OrderedDict's `_metadata`), tensors (Python attributes) and others carries nothing we need.
            case 0x51, 0x50:                                                    // BINPERSID, PERSID
                let id: PickleValue = opcode == 0x51 ? try pop(at: offset) : .string(try line())
                do {
                    stack.append(try host.persistentLoad(id))
                } catch let hostFailure as PickleHostFailure {
                    throw failure("persistent id: \(hostFailure.reason)", at: offset)
                }
            default:
                throw CheckpointError.unsupportedOpcode(file: file, entry: entry, opcode: opcode, offset: offset)
            }
        }
    }

    /// Decodes a LONG1/LONG4 payload: little-endian two's complement of any width.
    static func integer(fromLittleEndian payload: [UInt8]) -> PickleValue {
        if payload.isEmpty { return .int(0) }
        let negative = payload.last! & 0x80 != 0
        if payload.count <= 8 {
            var value: UInt64 = negative ? UInt64.max : 0
            for (index, byte) in payload.enumerated() {
                value &= ~(UInt64(0xFF) << (8 * UInt64(index)))
                value |= UInt64(byte) << (8 * UInt64(index))
            }
            return .int(Int(Int64(bitPattern: value)))
        }
        return .bigInt(Data(payload))
    }
}
