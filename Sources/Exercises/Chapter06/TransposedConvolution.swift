/// Exercise `transposed-convolution` (chapter 6): the transposed convolution, G's way of growing an
/// image, is the convolution's backward pass (its input gradient) read forwards.
///
///     shape: the convolution it transposes (ConvolutionShape.swift)
///     input y: [B, O, outHeight, outWidth]   weight: [O, C, k, k]   returns x: [B, C, H, W]
///
/// Each input value y[b, o, i, j] spreads into the k x k window of the output it would have been
/// computed from, weighted by the kernel: where the convolution gathers, this scatters. (No bias.)
public func transposedConvolution(input y: [Float], weight w: [Float], shape s: ConvolutionShape) throws -> [Float] {
    // BEGIN SOLUTION
    var x = [Float](repeating: 0, count: s.inputCount)
    let (oh, ow, k) = (s.outHeight, s.outWidth, s.kernel)
    for b in 0..<s.batch {
        for o in 0..<s.outChannels {
            for i in 0..<oh {
                for j in 0..<ow {
                    let g = y[((b * s.outChannels + o) * oh + i) * ow + j]
                    for c in 0..<s.channels {
                        for p in 0..<k {
                            let row = i * s.stride + p - s.padding
                            if row < 0 || row >= s.height { continue }
                            for q in 0..<k {
                                let column = j * s.stride + q - s.padding
                                if column < 0 || column >= s.width { continue }
                                x[((b * s.channels + c) * s.height + row) * s.width + column]
                                    += g * w[((o * s.channels + c) * k + p) * k + q]
                            }
                        }
                    }
                }
            }
        }
    }
    return x
    // END SOLUTION
}
