/// The sizes of a 2-D convolution in the exercises of chapter 6 (NCHW, as PyTorch):
///
///     x: [B, C, H, W]   weight: [O, C, k, k]   bias: [O]   y: [B, O, outHeight, outWidth]
///     y[b, o, i, j] = bias[o] + Σ_c Σ_p Σ_q weight[o, c, p, q] · x[b, c, i·stride + p − padding, j·stride + q − padding]
///
/// where x is taken as 0 outside the image (the padding). This is PyTorch's Conv2d: a
/// cross-correlation, the kernel not flipped.
public struct ConvolutionShape: Sendable, CustomStringConvertible {
    public var batch, channels, height, width, outChannels, kernel, stride, padding: Int

    public init(batch: Int, channels: Int, height: Int, width: Int, outChannels: Int, kernel: Int, stride: Int,
                padding: Int) {
        (self.batch, self.channels, self.height, self.width) = (batch, channels, height, width)
        (self.outChannels, self.kernel, self.stride, self.padding) = (outChannels, kernel, stride, padding)
    }

    public var outHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
    public var outWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
    public var inputCount: Int { batch * channels * height * width }
    public var weightCount: Int { outChannels * channels * kernel * kernel }
    public var outputCount: Int { batch * outChannels * outHeight * outWidth }

    public var description: String {
        "x [\(batch), \(channels), \(height), \(width)], weight [\(outChannels), \(channels), \(kernel), \(kernel)], "
            + "stride \(stride), padding \(padding): y [\(batch), \(outChannels), \(outHeight), \(outWidth)]"
    }
}
