// The geometry of a convolution: how big the images, the window and the output are.

/// The geometry of a convolution over a batch: NCHW images, a square k x k window moved by
/// `stride` pixels, `padding` pixels of zeros around each image.
public struct ConvolutionGeometry: Equatable, Sendable, CustomStringConvertible {
    public var batch: Int, channels: Int, height: Int, width: Int
    public var kernel: Int, stride: Int, padding: Int

    public init(batch: Int, channels: Int, height: Int, width: Int, kernel: Int, stride: Int, padding: Int) {
        (self.batch, self.channels, self.height, self.width) = (batch, channels, height, width)
        (self.kernel, self.stride, self.padding) = (kernel, stride, padding)
    }

    /// Output positions down and across: (H + 2·pad − k) / stride + 1.
    public var outHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
    public var outWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
    /// The values of one patch (a row of R): C·k·k.
    public var patch: Int { channels * kernel * kernel }
    /// The rows of R: B·Ho·Wo.
    public var rows: Int { batch * outHeight * outWidth }
    /// A window exactly as large as the image, without padding: one position per image, whose
    /// window is the whole image. DCGAN's first and last layers (z to 4 x 4, 4 x 4 to one logit).
    public var windowIsWholeImage: Bool { padding == 0 && kernel == height && kernel == width }
    public var isValid: Bool {
        batch > 0 && channels > 0 && kernel > 0 && stride > 0 && padding >= 0 && height + 2 * padding >= kernel
            && width + 2 * padding >= kernel
    }
    public var description: String { "[\(batch), \(channels), \(height), \(width)] k\(kernel) s\(stride) p\(padding)" }
}

extension ConvolutionGeometry {
    /// The pixel of image b, channel c, row h, column w, or 0 in the padding around it.
    @inline(__always) func pixel(_ x: UnsafePointer<Float>, _ b: Int, _ c: Int, _ h: Int, _ w: Int) -> Float {
        h < 0 || h >= height || w < 0 || w >= width ? 0 : x[((b * channels + c) * height + h) * width + w]
    }
}
