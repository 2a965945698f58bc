import Backprop
import Foundation

/// An 8-bit image: `channels` values per pixel (1 for gray, 3 for RGB), rows top to bottom.
public struct Image: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(channels == 1 || channels == 3, "an Image is gray (1 channel) or RGB (3 channels)")
        precondition(
            pixels.count == width * height * channels,
            "\(pixels.count) bytes do not fill \(width)x\(height)x\(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// A gray image from floats, mapping `range` onto 0...255 (values outside are clamped).
    public init(gray values: UnsafePointer<Float>, width: Int, height: Int, range: ClosedRange<Float> = 0...1) {
        let scale = 255 / (range.upperBound - range.lowerBound)
        let pixels = (0..<(width * height)).map { i -> UInt8 in
            let v = ((values[i] - range.lowerBound) * scale).rounded()
            return v.isNaN ? 0 : UInt8(min(max(v, 0), 255))
        }
        self.init(width: width, height: height, channels: 1, pixels: pixels)
    }

    /// A gray image from one row of a `[batch, width * height]` tensor.
    public init(grayRow row: Int, of tensor: Tensor, width: Int, height: Int, range: ClosedRange<Float> = 0...1) {
        precondition(
            tensor.columns == width * height, "a row of \(tensor.columns) values is not a \(width)x\(height) image")
        self.init(gray: tensor.data + row * tensor.columns, width: width, height: height, range: range)
    }
}
