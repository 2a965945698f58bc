import CJPEG
import Foundation

/// JPEG files through libjpeg (libjpeg-turbo on most systems). The decoding itself is a small C
/// function in `Sources/CJPEG/shim.h`, because libjpeg reports errors with longjmp.
public enum JPEG {
    /// What a decode noticed besides the pixels.
    public struct Notes: Equatable, Sendable {
        /// The file's colour components: 1 gray, 3 colour, 4 CMYK (all decoded to RGB).
        public var components: Int
        /// The data ended early: the bottom of the image is libjpeg's gray filler.
        public var truncated: Bool
        /// libjpeg's first complaint about damaged data it worked around, if any.
        public var warning: String?
    }

    /// The largest image decoded (64 megapixels): a bigger one is refused before any memory is
    /// spent, so a hostile or broken header cannot exhaust the machine.
    public static let maximumPixels = 1 << 26

    /// Decodes JPEG bytes into an RGB image.
    public static func decode(_ data: Data) throws -> (image: Image, notes: Notes) {
        var info = gw_jpeg_info()
        var pixels: UnsafeMutablePointer<UInt8>?
        let status = data.withUnsafeBytes { bytes in
            gw_jpeg_decode_rgb(
                bytes.bindMemory(to: UInt8.self).baseAddress, UInt(bytes.count), UInt(maximumPixels), &pixels, &info)
        }
        let message = withUnsafeBytes(of: &info.message) {
            String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        guard status == 0, let pixels else { throw WorkbookError("not a readable JPEG: \(message)") }
        defer { free(pixels) }
        let width = Int(info.width), height = Int(info.height)
        let image = Image(width: width, height: height, channels: 3,
                          pixels: Array(UnsafeBufferPointer(start: pixels, count: width * height * 3)))
        return (image, Notes(components: Int(info.components), truncated: info.truncated != 0,
                             warning: info.warnings > 0 ? message : nil))
    }
}

public extension JPEG {
    /// Encodes pixels as JPEG: `components` 1 (gray), 3 (RGB) or 4 (CMYK, inverted as in Adobe's
    /// files). The workbook reads JPEGs; the tests write their fixtures with this.
    static func encode(_ pixels: [UInt8], width: Int, height: Int, components: Int, quality: Int = 90) throws -> Data {
        precondition(
            pixels.count == width * height * components, "\(pixels.count) bytes for \(width)x\(height)x\(components)")
        var output: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        var message = [CChar](repeating: 0, count: Int(JMSG_LENGTH_MAX))
        let status = gw_jpeg_encode(
            pixels, Int32(width), Int32(height), Int32(components), Int32(quality), &output, &size, &message)
        defer { free(output) }
        guard status == 0, let output else {
            throw WorkbookError(
                "JPEG encoding failed: "
                    + "\(String(decoding: message.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self))"
            )
        }
        return Data(bytes: output, count: Int(size))
    }
}
