/// A malformed protobuf message: what is wrong and the byte offset where decoding stopped.
struct ProtobufError: Error, Equatable, CustomStringConvertible {
    /// Byte offset into the whole buffer.
    var offset: Int
    /// What is wrong.
    var reason: String

    var description: String { "\(reason) (at byte \(offset))" }
}

/// The payload of one decoded field, by wire type.
enum ProtobufValue: Equatable {
    /// Wire type 0: an `int32`, `int64`, `uint*`, `bool` or `enum`.
    case varint(UInt64)
    /// Wire type 1: a `fixed64`, `sfixed64` or `double`.
    case fixed64(UInt64)
    /// Wire type 2: a string, bytes, a sub-message or a packed repeated field, as the byte range
    /// inside the reader's buffer.
    case lengthDelimited(Range<Int>)
    /// Wire type 5: a `fixed32`, `sfixed32` or `float`.
    case fixed32(UInt32)
}

/// One field of a message: its number and payload.
struct ProtobufField: Equatable {
    /// The field number of the `.proto` schema.
    var number: Int
    /// The payload.
    var value: ProtobufValue
}

/// A minimal decoder for the protobuf wire format, reading one message field by field.
///
/// The reader shares one byte buffer with the readers of its sub-messages (no copies). Unknown
/// fields are the caller's to skip: `nextField()` already consumes their payload. Groups (wire
/// types 3 and 4, deprecated since proto2) are rejected.
struct ProtobufReader {
    /// The whole buffer; this reader decodes `offset..<end` of it.
    let bytes: [UInt8]
    /// The next byte to read.
    private(set) var offset: Int
    /// One past the last byte of this message.
    let end: Int

    /// A reader over a whole buffer (a top-level message).
    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
        self.end = bytes.count
    }

    /// A reader over the sub-message stored in `range` of `bytes`.
    init(_ bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        self.offset = range.lowerBound
        self.end = range.upperBound
    }

    /// Whether the whole message has been read.
    var isAtEnd: Bool { offset >= end }

    /// The next field, or nil at the end of the message.
    ///
    /// - Throws: `ProtobufError` for a truncated field, a bad wire type or field number 0.
    mutating func nextField() throws(ProtobufError) -> ProtobufField? {
        guard !isAtEnd else { return nil }
        let start = offset
        let key = try readVarint()
        let number = key >> 3
        guard number > 0, number <= 0x1FFF_FFFF else {
            throw ProtobufError(offset: start, reason: "invalid field number \(number)")
        }
        switch key & 7 {
        case 0: return ProtobufField(number: Int(number), value: .varint(try readVarint()))
        case 1: return ProtobufField(number: Int(number), value: .fixed64(try readFixed64()))
        case 2:
            let length = try readVarint()
            guard length <= UInt64(end - offset) else {
                throw ProtobufError(
                    offset: offset, reason: "field \(number) claims \(length) bytes, only \(end - offset) remain")
            }
            let range = offset..<(offset + Int(length))
            offset = range.upperBound
            return ProtobufField(number: Int(number), value: .lengthDelimited(range))
        case 5: return ProtobufField(number: Int(number), value: .fixed32(try readFixed32()))
        default:
            throw ProtobufError(offset: start, reason: "unsupported wire type \(key & 7) for field \(number)")
        }
    }

    /// A base-128 varint (at most 10 bytes).
    mutating func readVarint() throws(ProtobufError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        let start = offset
        while true {
            guard offset < end else { throw ProtobufError(offset: offset, reason: "truncated varint") }
            let byte = bytes[offset]
            offset += 1
            guard shift < 64, shift < 63 || byte <= 1 else {
                throw ProtobufError(offset: start, reason: "varint longer than 64 bits")
            }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// A little-endian 64-bit word.
    mutating func readFixed64() throws(ProtobufError) -> UInt64 {
        guard end - offset >= 8 else { throw ProtobufError(offset: offset, reason: "truncated 64-bit field") }
        let value = Self.littleEndian(bytes, at: offset, width: 8)
        offset += 8
        return value
    }

    /// A little-endian 32-bit word.
    mutating func readFixed32() throws(ProtobufError) -> UInt32 {
        guard end - offset >= 4 else { throw ProtobufError(offset: offset, reason: "truncated 32-bit field") }
        let value = UInt32(truncatingIfNeeded: Self.littleEndian(bytes, at: offset, width: 4))
        offset += 4
        return value
    }

    /// The little-endian unsigned integer of `width` bytes at `index` (the caller checks bounds).
    static func littleEndian(_ bytes: [UInt8], at index: Int, width: Int) -> UInt64 {
        var value: UInt64 = 0
        for k in stride(from: width - 1, through: 0, by: -1) { value = value << 8 | UInt64(bytes[index + k]) }
        return value
    }

    // MARK: Typed access to payloads

    /// A reader for the sub-message in a length-delimited field.
    func message(_ field: ProtobufField) throws(ProtobufError) -> ProtobufReader {
        ProtobufReader(bytes, range: try range(field))
    }

    /// The UTF-8 string in a length-delimited field (invalid sequences are repaired).
    func string(_ field: ProtobufField) throws(ProtobufError) -> String {
        String(decoding: bytes[try range(field)], as: UTF8.self)
    }

    /// The byte range of a length-delimited field.
    func range(_ field: ProtobufField) throws(ProtobufError) -> Range<Int> {
        guard case .lengthDelimited(let range) = field.value else {
            throw ProtobufError(offset: offset, reason: "field \(field.number) should be length-delimited")
        }
        return range
    }

    /// The payload of a varint field.
    func varint(_ field: ProtobufField) throws(ProtobufError) -> UInt64 {
        guard case .varint(let v) = field.value else {
            throw ProtobufError(offset: offset, reason: "field \(field.number) should be a varint")
        }
        return v
    }

    /// The payload of a varint field as a (two's-complement) `int64`.
    func int64(_ field: ProtobufField) throws(ProtobufError) -> Int64 {
        Int64(bitPattern: try varint(field))
    }

    /// The payload of a 32-bit field as a `float`.
    func float(_ field: ProtobufField) throws(ProtobufError) -> Float {
        guard case .fixed32(let v) = field.value else {
            throw ProtobufError(offset: offset, reason: "field \(field.number) should be a 32-bit float")
        }
        return Float(bitPattern: v)
    }

    /// Appends the values of a repeated varint field, packed (one length-delimited run) or not.
    func appendVarints(_ field: ProtobufField, to values: inout [UInt64]) throws(ProtobufError) {
        switch field.value {
        case .varint(let v): values.append(v)
        case .lengthDelimited(let range):
            var run = ProtobufReader(bytes, range: range)
            while !run.isAtEnd { values.append(try run.readVarint()) }
        default: throw ProtobufError(offset: offset, reason: "field \(field.number) should hold varints")
        }
    }

    /// Appends the values of a repeated fixed-width field (32-bit for `UInt32`, 64-bit for
    /// `UInt64`), packed or not.
    func appendFixed<T: FixedWidthInteger & UnsignedInteger>(
        _ field: ProtobufField, to values: inout [T]
    ) throws(ProtobufError) {
        let width = MemoryLayout<T>.size
        switch field.value {
        case .fixed32(let v) where width == 4: values.append(T(truncatingIfNeeded: v))
        case .fixed64(let v) where width == 8: values.append(T(truncatingIfNeeded: v))
        case .lengthDelimited(let range):
            guard range.count % width == 0 else {
                throw ProtobufError(
                    offset: range.lowerBound,
                    reason: "packed field \(field.number) of \(range.count) bytes is not a whole number of \(8 * width)-bit values")
            }
            values.reserveCapacity(values.count + range.count / width)
            for i in stride(from: range.lowerBound, to: range.upperBound, by: width) {
                values.append(T(truncatingIfNeeded: Self.littleEndian(bytes, at: i, width: width)))
            }
        default: throw ProtobufError(offset: offset, reason: "field \(field.number) should hold \(8 * width)-bit values")
        }
    }
}
