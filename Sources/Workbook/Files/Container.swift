import CZlib
import Foundation

/// The one file format of the workbook's binary files (checkpoints, the decoded-image cache):
///
///     8 bytes   a signature naming the kind of file ("GWCKPT02", "GWIMG002")
///     8 bytes   the header's length (UInt64, little-endian)
///     header    JSON: what the payload holds
///     payload   raw bytes (tensors as little-endian Float32, pixels as UInt8)
///     4 bytes   a CRC-32 of everything before it (UInt32, little-endian)
///
/// Written atomically (a crash or a kill leaves the old file or the new one, never half), with the
/// payload streamed piece by piece; read memory-mapped, checked whole before anything is decoded,
/// so a damaged or truncated file is refused with a sentence instead of loaded.
public enum Container {
    /// Writes `header` and the `payload` pieces to `url` under the 8-character `signature`.
    public static func write<Header: Encodable>(to url: URL, signature: String, header: Header,
                                                payload: [UnsafeRawBufferPointer], kind: Disk.Kind) throws {
        precondition(signature.utf8.count == 8, "a container signature has 8 characters")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var head = Data(signature.utf8)
        let json = try encoder.encode(header)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { head.append(contentsOf: $0) }
        head.append(json)
        var crc = head.withUnsafeBytes { checksum($0, continuing: UInt32(crc32(0, nil, 0))) }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(to: url, kind: kind) { handle in
            try handle.write(contentsOf: head)
            for piece in payload where piece.count > 0 {
                crc = checksum(piece, continuing: crc)
                try handle.write(contentsOf: piece)
            }
            try handle.write(contentsOf: withUnsafeBytes(of: crc.littleEndian) { Data($0) })
        }
    }

    /// Reads the file at `url` (mapped: the payload is copied out of the file's pages once) and
    /// hands its header and payload to `body`. `kind` names the file in messages ("checkpoint").
    public static func read<Header: Decodable, Result>(
        _ url: URL, signature: String, kind: String, as: Header.Type,
        _ body: (Header, UnsafeRawBufferPointer) throws -> Result
    ) throws -> Result {
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw WorkbookError("cannot read the \(kind) \(url.path): \(error.localizedDescription)")
        }
        do { return try decode(data, signature: signature, kind: kind, as: Header.self, body) } catch let error
            as WorkbookError
        {
            throw WorkbookError("\(url.path) is not a usable \(kind): \(error.message)")
        }
    }

    /// The same from bytes in memory.
    public static func decode<Header: Decodable, Result>(
        _ data: Data, signature: String, kind: String, as: Header.Type,
        _ body: (Header, UnsafeRawBufferPointer) throws -> Result
    ) throws -> Result {
        try data.withUnsafeBytes { bytes in
            guard bytes.count >= 20, bytes.prefix(8).elementsEqual(signature.utf8) else {
                throw WorkbookError(
                    "it does not start with the \(kind) signature (wrong file, or not a workbook \(kind))")
            }
            let stored = bytes[(bytes.count - 4)...].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            guard
                stored
                    == checksum(
                        UnsafeRawBufferPointer(rebasing: bytes[..<(bytes.count - 4)]),
                        continuing: UInt32(crc32(0, nil, 0)))
            else {
                throw WorkbookError("its checksum does not match: the file is damaged or truncated (a copy cut short?)")
            }
            let headerLength = bytes[8..<16].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard headerLength <= UInt64(bytes.count - 20) else {
                throw WorkbookError("its header length is impossible")
            }
            let payloadStart = 16 + Int(headerLength)
            let header: Header
            do { header = try JSONDecoder().decode(Header.self, from: Data(bytes[16..<payloadStart])) } catch {
                throw WorkbookError("its header is not readable (\(error.localizedDescription))")
            }
            return try body(header, UnsafeRawBufferPointer(rebasing: bytes[payloadStart..<(bytes.count - 4)]))
        }
    }

    /// zlib's CRC-32 of `bytes`, continuing `crc` (zlib takes at most 4 GB at a time).
    static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32) -> UInt32 {
        var crc = crc
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return crc }
        for start in stride(from: 0, to: bytes.count, by: 1 << 30) {
            crc = UInt32(crc32(UInt(crc), base + start, UInt32(min(1 << 30, bytes.count - start))))
        }
        return crc
    }
}
