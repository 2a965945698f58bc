/// Exercise `convolution-forward` (chapter 6): a convolution, the naive way (six nested loops
/// straight from the formula in ConvolutionShape.swift).
///
///     x: [B, C, H, W]   weight: [O, C, k, k]   bias: [O]   returns y: [B, O, outHeight, outWidth]
///
/// A window position that falls outside the image reads 0 (the padding).
public func convolutionForward(input x: [Float], weight w: [Float], bias: [Float], shape s: ConvolutionShape) throws
    -> [Float]
{
    // BEGIN SOLUTION
    var y = [Float](repeating: 0, count: s.outputCount)
    let (oh, ow, k) = (s.outHeight, s.outWidth, s.kernel)
    for b in 0..<s.batch {
        for o in 0..<s.outChannels {
            for i in 0..<oh {
                for j in 0..<ow {
                    var sum = bias[o]
                    for c in 0..<s.channels {
                        for p in 0..<k {
                            let row = i * s.stride + p - s.padding
                            if row < 0 || row >= s.height { continue }
                            for q in 0..<k {
                                let column = j * s.stride + q - s.padding
                                if column < 0 || column >= s.width { continue }
                                sum += w[((o * s.channels + c) * k + p) * k + q]
                                    * x[((b * s.channels + c) * s.height + row) * s.width + column]
                            }
                        }
                    }
                    y[((b * s.outChannels + o) * oh + i) * ow + j] = sum
                }
            }
        }
    }
    return y
    // END SOLUTION
}
