import Foundation

/// An array in the IDX format of the MNIST files: a 4-byte magic number (two zero bytes, the type
/// of the values, the number of dimensions), each dimension as a big-endian 32-bit integer, then
/// the values, row-major. MNIST's images are [count, 28, 28] and its labels [count], both bytes.
public struct IDXArray: Equatable {
    public var dimensions: [Int]
    public var bytes: [UInt8]

    public init(dimensions: [Int], bytes: [UInt8]) {
        precondition(dimensions.reduce(1, *) == bytes.count, "IDX: \(bytes.count) bytes do not fill \(dimensions)")
        self.dimensions = dimensions
        self.bytes = bytes
    }

    /// Parses an IDX array of unsigned bytes (type 0x08), the only type MNIST uses.
    public init(parsing data: [UInt8]) throws {
        guard data.count >= 4 else { throw WorkbookError("too short for an IDX file (\(data.count) bytes)") }
        guard data[0] == 0, data[1] == 0 else {
            throw WorkbookError(
                "not an IDX file: bad magic number \(data.prefix(4).map { String(format: "%02x", $0) }.joined())")
        }
        guard data[2] == 0x08 else {
            throw WorkbookError(
                String(format: "IDX value type 0x%02x is not supported (MNIST uses unsigned bytes, 0x08)", data[2]))
        }
        let rank = Int(data[3])
        guard (1...4).contains(rank) else {
            throw WorkbookError("an IDX array with \(rank) dimensions is not supported (1 to 4)")
        }
        let headerSize = 4 + 4 * rank
        guard data.count >= headerSize else { throw WorkbookError("the IDX header is truncated") }
        var dimensions: [Int] = []
        var total = 1
        for d in 0..<rank {
            let o = 4 + 4 * d
            let size = Int(data[o]) << 24 | Int(data[o + 1]) << 16 | Int(data[o + 2]) << 8 | Int(data[o + 3])
            guard size > 0, size < 1 << 30 else {
                throw WorkbookError("IDX dimension \(d) has the impossible size \(size)")
            }
            total = total.multipliedReportingOverflow(by: size).overflow ? Int.max : total * size
            dimensions.append(size)
        }
        let available = data.count - headerSize
        guard available >= total else {
            throw WorkbookError(
                "the IDX file is truncated: dimensions \(dimensions) need \(total) bytes of data, it has \(available)")
        }
        guard available == total else {
            throw WorkbookError("the IDX file has \(available - total) unexpected bytes after its \(total) values")
        }
        self.dimensions = dimensions
        bytes = Array(data[headerSize...])
    }

    /// Reads an IDX file, gzip-compressed (`.gz`) or not.
    public init(contentsOf url: URL) throws {
        let raw: [UInt8]
        do { raw = [UInt8](try Data(contentsOf: url)) } catch {
            throw WorkbookError("cannot read \(url.path): \(error.localizedDescription)")
        }
        do {
            try self.init(parsing: raw.starts(with: [0x1f, 0x8b]) ? try gunzip(raw) : raw)
        } catch let error as WorkbookError {
            throw WorkbookError("\(url.path): \(error.message)")
        }
    }

    /// The file's bytes: header then values (uncompressed).
    public var encoded: [UInt8] {
        var out: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
        for d in dimensions {
            out += [UInt8(d >> 24 & 0xff), UInt8(d >> 16 & 0xff), UInt8(d >> 8 & 0xff), UInt8(d & 0xff)]
        }
        return out + bytes
    }
}
