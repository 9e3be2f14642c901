import CZlib

/// Decompression of gzip (or zlib) streams through zlib.
public enum Gzip {
    /// Whether the bytes start with the gzip magic number `1f 8b`.
    public static func isCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    /// The decompressed bytes of a gzip stream.
    ///
    /// - Throws: `DatasetError.corrupt` when zlib reports an error or the stream ends early.
    /// - Complexity: O(output size).
    public static func decompress(_ bytes: [UInt8], file: String) throws(DatasetError) -> [UInt8] {
        var stream = z_stream()
        guard czlib_inflate_init_auto(&stream) == czlib_ok() else {
            throw DatasetError.corrupt(file: file, reason: "zlib could not start decompressing")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 4)
        let chunk = 1 << 20
        var buffer = [UInt8](repeating: 0, count: chunk)
        var input = bytes
        var status: Int32 = czlib_ok()
        input.withUnsafeMutableBufferPointer { inp in
            stream.next_in = inp.baseAddress
            stream.avail_in = uInt(inp.count)
            repeat {
                buffer.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(chunk)
                    status = inflate(&stream, czlib_no_flush())
                }
                let produced = chunk - Int(stream.avail_out)
                output.append(contentsOf: buffer[0..<produced])
            } while status == czlib_ok()
        }
        guard status == czlib_stream_end() else {
            let reason = status == czlib_buf_error() ? "gzip stream ends early (truncated file)" : "gzip data is corrupt (zlib error \(status))"
            throw DatasetError.corrupt(file: file, reason: reason)
        }
        return output
    }
}
