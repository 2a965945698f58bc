/// Exercise `convolution-backward` (chapter 6): the backward pass of the convolution in
/// ConvolutionShape.swift, the naive way.
///
///     x: [B, C, H, W]   weight: [O, C, k, k]   dy: [B, O, outHeight, outWidth]
///     returns dx: [B, C, H, W], dweight: [O, C, k, k], dbias: [O]
///
/// Every product weight[o, c, p, q] · x[b, c, row, column] of the forward pass sends dy[b, o, i, j]
/// back to both of its factors; the bias gets every dy of its channel.
public func convolutionBackward(input x: [Float], weight w: [Float], outputGradient dy: [Float],
                                shape s: ConvolutionShape) throws -> (input: [Float], weight: [Float], bias: [Float])
{
    // BEGIN SOLUTION
    var dx = [Float](repeating: 0, count: s.inputCount)
    var dw = [Float](repeating: 0, count: s.weightCount)
    var db = [Float](repeating: 0, count: s.outChannels)
    let (oh, ow, k) = (s.outHeight, s.outWidth, s.kernel)
    for b in 0..<s.batch {
        for o in 0..<s.outChannels {
            for i in 0..<oh {
                for j in 0..<ow {
                    let g = dy[((b * s.outChannels + o) * oh + i) * ow + j]
                    db[o] += g
                    for c in 0..<s.channels {
                        for p in 0..<k {
                            let row = i * s.stride + p - s.padding
                            if row < 0 || row >= s.height { continue }
                            for q in 0..<k {
                                let column = j * s.stride + q - s.padding
                                if column < 0 || column >= s.width { continue }
                                let wi = ((o * s.channels + c) * k + p) * k + q
                                let xi = ((b * s.channels + c) * s.height + row) * s.width + column
                                dw[wi] += g * x[xi]
                                dx[xi] += g * w[wi]
                            }
                        }
                    }
                }
            }
        }
    }
    return (dx, dw, db)
    // END SOLUTION
}
