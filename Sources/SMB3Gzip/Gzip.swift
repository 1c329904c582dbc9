import CZlib

/// gzip decompression through zlib, for /proc/config.gz. A platform target of its own, linked
/// only by smb3-upcall-full: SMB3System is also in the fully static smb3-upcall, which must not
/// grow by zlib.
public enum Gzip {
    /// Why a gzip stream could not be decompressed: zlib's return code and message.
    public struct Failure: Error, Hashable, Sendable, CustomStringConvertible {
        /// The zlib function and what it returned (`inflate: Z_DATA_ERROR`).
        public let description: String
    }

    /// The decompressed bytes of one gzip stream, at most `limit` of them (a kernel config is
    /// about 300 KiB; a bigger output is refused rather than truncated).
    /// The corresponding C functions are `inflateInit2(3)` and `inflate(3)`.
    public static func decompress(_ input: [UInt8], limit: Int = 16 << 20) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        guard smb3_inflate_init_gzip(&stream) == Z_OK else { throw Failure(description: "inflateInit2 failed") }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        var input = input
        let status: Int32 = input.withUnsafeMutableBufferPointer { inputBuffer in
            stream.next_in = inputBuffer.baseAddress
            stream.avail_in = UInt32(clamping: inputBuffer.count)
            while true {
                let (code, produced) = chunk.withUnsafeMutableBufferPointer { chunkBuffer -> (Int32, Int) in
                    stream.next_out = chunkBuffer.baseAddress
                    stream.avail_out = UInt32(chunkBuffer.count)
                    let code = inflate(&stream, Z_NO_FLUSH)
                    return (code, chunkBuffer.count - Int(stream.avail_out))
                }
                guard output.count + produced <= limit else { return Z_BUF_ERROR }
                output.append(contentsOf: chunk[..<produced])
                switch code {
                case Z_STREAM_END: return Z_STREAM_END
                case Z_OK: continue
                // Z_BUF_ERROR with output space left: the input ended before the stream did.
                case Z_BUF_ERROR where produced == 0: return Z_DATA_ERROR
                case Z_BUF_ERROR: continue
                default: return code
                }
            }
        }
        guard status == Z_STREAM_END else {
            let message =
                stream.msg.map { String(cString: $0) }
                ?? (output.count >= limit ? "output over \(limit) bytes" : "truncated or corrupt")
            throw Failure(description: "inflate: \(message) (zlib \(status))")
        }
        return output
    }
}
