import CZlib
import Foundation

/// Decompresses a gzip file's bytes with zlib (MNIST is distributed as `.gz` files).
public func gunzip(_ compressed: [UInt8]) throws -> [UInt8] {
    guard compressed.count >= 18, compressed[0] == 0x1f, compressed[1] == 0x8b else {
        throw WorkbookError("not a gzip file (it does not start with the gzip signature 1f 8b)")
    }
    var stream = z_stream()
    // 16 + MAX_WBITS: expect a gzip header and trailer rather than a raw zlib stream.
    guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        throw WorkbookError("zlib could not start decompressing")
    }
    defer { inflateEnd(&stream) }

    // The gzip trailer stores the uncompressed size (modulo 2^32): a good first guess.
    let n = compressed.count
    let declaredSize =
        Int(compressed[n - 4]) | Int(compressed[n - 3]) << 8 | Int(compressed[n - 2]) << 16 | Int(compressed[n - 1])
        << 24
    // (Only a guess: a damaged trailer may claim gigabytes, so start at most at 64 MB and grow.)
    var output = [UInt8](repeating: 0, count: max(1024, min(declaredSize, 1 << 26)))
    var produced = 0
    var status: Int32 = Z_OK
    compressed.withUnsafeBufferPointer { input in
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
        stream.avail_in = UInt32(input.count)
        while status == Z_OK {
            if produced == output.count { output.append(contentsOf: [UInt8](repeating: 0, count: output.count)) }
            output.withUnsafeMutableBufferPointer { out in
                stream.next_out = out.baseAddress! + produced
                stream.avail_out = UInt32(min(out.count - produced, Int(UInt32.max)))
                let before = stream.avail_out
                status = inflate(&stream, Z_NO_FLUSH)
                produced += Int(before - stream.avail_out)
            }
            // Z_BUF_ERROR with input left means "more room needed"; with no input left, the file ended early.
            if status == Z_BUF_ERROR && stream.avail_in > 0 { status = Z_OK }
        }
    }
    switch status {
    case Z_STREAM_END:
        output.removeSubrange(produced...)
        return output
    case Z_BUF_ERROR:
        throw WorkbookError("the gzip data ends early: the file is truncated (an interrupted download?)")
    default:
        let reason = stream.msg.map { String(cString: $0) } ?? "error \(status)"
        throw WorkbookError("the gzip data is corrupt (\(reason))")
    }
}

/// Compresses bytes into the gzip format (to write IDX files the way MNIST ships them).
public func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
    var stream = z_stream()
    guard deflateInit2_(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
                        ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        throw WorkbookError("zlib could not start compressing")
    }
    defer { deflateEnd(&stream) }
    var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 32)
    let status = bytes.withUnsafeBufferPointer { input in
        output.withUnsafeMutableBufferPointer { out -> Int32 in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = UInt32(input.count)
            stream.next_out = out.baseAddress
            stream.avail_out = UInt32(out.count)
            return deflate(&stream, Z_FINISH)
        }
    }
    guard status == Z_STREAM_END else { throw WorkbookError("gzip compression failed (zlib status \(status))") }
    output.removeSubrange(Int(stream.total_out)...)
    return output
}
