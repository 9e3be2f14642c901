import Foundation

/// An IDX file of unsigned bytes (the MNIST format): a magic number, the dimension sizes, then
/// the data in row-major order.
///
/// ```
/// bytes 0-1: 0x00 0x00, byte 2: type (0x08 = uint8), byte 3: number of dimensions n,
/// then n big-endian UInt32 sizes, then size₀ × … × sizeₙ₋₁ data bytes
/// ```
public struct IDXFile: Equatable, Sendable {
    /// The dimension sizes (`[count, 28, 28]` for images, `[count]` for labels).
    public let dimensions: [Int]
    /// The data bytes, row-major.
    public let data: [UInt8]

    /// Parses IDX bytes (already decompressed).
    ///
    /// - Throws: `DatasetError.corrupt` for a bad magic number, an element type other than
    ///   uint8, a truncated header or data, or trailing bytes after the data.
    public init(bytes: [UInt8], file: String) throws(DatasetError) {
        guard bytes.count >= 4 else { throw DatasetError.corrupt(file: file, reason: "too short for an IDX header (\(bytes.count) bytes)") }
        guard bytes[0] == 0, bytes[1] == 0 else {
            throw DatasetError.corrupt(
                file: file, reason: String(format: "bad IDX magic number %02x %02x (expected 00 00)", bytes[0], bytes[1]))
        }
        guard bytes[2] == 0x08 else {
            throw DatasetError.corrupt(
                file: file, reason: String(format: "IDX element type 0x%02x is not supported (only 0x08, unsigned byte)", bytes[2]))
        }
        let rank = Int(bytes[3])
        guard rank >= 1 else { throw DatasetError.corrupt(file: file, reason: "IDX file has no dimensions") }
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else {
            throw DatasetError.corrupt(file: file, reason: "truncated IDX header (\(bytes.count) of \(headerSize) bytes)")
        }
        var dims: [Int] = []
        for d in 0..<rank {
            let i = 4 + 4 * d
            dims.append(Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3]))
        }
        let expected = dims.reduce(1, *)
        let actual = bytes.count - headerSize
        guard actual >= expected else {
            throw DatasetError.corrupt(
                file: file, reason: "truncated: header \(dims) announces \(expected) data bytes, file has \(actual)")
        }
        guard actual == expected else {
            throw DatasetError.corrupt(
                file: file, reason: "wrong count: header \(dims) announces \(expected) data bytes, file has \(actual)")
        }
        self.dimensions = dims
        self.data = Array(bytes[headerSize...])
    }

    /// Reads an IDX file, decompressing it first when it is gzip-compressed; when `sha256` is
    /// given, the raw file bytes must have that digest.
    ///
    /// - Throws: `DatasetError.missing`, `.checksumMismatch` or `.corrupt`.
    public static func read(_ path: String, sha256: String? = nil) throws(DatasetError) -> IDXFile {
        guard let contents = FileManager.default.contents(atPath: path) else { throw DatasetError.missing(file: path) }
        let raw = [UInt8](contents)
        if let sha256 {
            let actual = SHA256.hexDigest(raw)
            guard actual == sha256.lowercased() else {
                throw DatasetError.checksumMismatch(file: path, expected: sha256.lowercased(), actual: actual)
            }
        }
        let bytes = Gzip.isCompressed(raw) ? try Gzip.decompress(raw, file: path) : raw
        return try IDXFile(bytes: bytes, file: path)
    }
}
