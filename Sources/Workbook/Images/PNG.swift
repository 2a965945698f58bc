import Backprop
import CPNG
import Foundation

/// PNG files through libpng's "simplified" API, which reports errors as return values (the
/// classic API jumps out of the caller with longjmp, which Swift cannot survive).
public enum PNG {
    /// Encodes an image as PNG bytes.
    public static func encode(_ image: Image) throws -> Data {
        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)
        png.width = UInt32(image.width)
        png.height = UInt32(image.height)
        png.format = image.channels == 3 ? UInt32(PNG_FORMAT_RGB) : UInt32(PNG_FORMAT_GRAY)
        var size: Int = 0
        // First call: how many bytes? Second call: write them.
        let ok = image.pixels.withUnsafeBytes { pixels -> Bool in
            guard png_image_write_to_memory(&png, nil, &size, 0, pixels.baseAddress, 0, nil) != 0 else { return false }
            return true
        }
        guard ok else { throw WorkbookError("PNG encoding failed: \(message(of: &png))") }
        var data = Data(count: size)
        let written = data.withUnsafeMutableBytes { out in
            image.pixels.withUnsafeBytes { pixels in
                png_image_write_to_memory(&png, out.baseAddress, &size, 0, pixels.baseAddress, 0, nil)
            }
        }
        guard written != 0 else { throw WorkbookError("PNG encoding failed: \(message(of: &png))") }
        return data.prefix(size)
    }

    /// Writes an image to a PNG file, atomically (a crash never leaves half a file).
    public static func write(_ image: Image, to url: URL) throws {
        try Disk.write(try encode(image), to: url, kind: .picture)
    }

    /// Decodes PNG bytes into a gray or RGB image (alpha, if any, is composited onto black).
    public static func decode(_ data: Data) throws -> Image {
        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)
        let begun = data.withUnsafeBytes { bytes in
            png_image_begin_read_from_memory(&png, bytes.baseAddress, bytes.count)
        }
        guard begun != 0 else { throw WorkbookError("not a readable PNG: \(message(of: &png))") }
        let isColor = png.format & UInt32(PNG_FORMAT_FLAG_COLOR) != 0
        png.format = isColor ? UInt32(PNG_FORMAT_RGB) : UInt32(PNG_FORMAT_GRAY)
        let channels = isColor ? 3 : 1
        let width = Int(png.width), height = Int(png.height)
        guard width > 0, height > 0, width * height <= 1 << 26 else {
            png_image_free(&png)
            throw WorkbookError("PNG of unsupported size \(width)x\(height)")
        }
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        var background = png_color(red: 0, green: 0, blue: 0)
        let finished = pixels.withUnsafeMutableBytes { out in
            png_image_finish_read(&png, &background, out.baseAddress, 0, nil)
        }
        guard finished != 0 else { throw WorkbookError("corrupt PNG: \(message(of: &png))") }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// Reads a PNG file.
    public static func read(_ url: URL) throws -> Image {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw WorkbookError("cannot read \(url.path): \(error.localizedDescription)")
        }
        do { return try decode(data) } catch let error as WorkbookError {
            throw WorkbookError("\(url.path): \(error.message)")
        }
    }

    private static func message(of png: inout png_image) -> String {
        withUnsafeBytes(of: &png.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }
}
