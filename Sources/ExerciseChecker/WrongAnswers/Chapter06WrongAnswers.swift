import Exercises

/// The six loops of a convolution as a learner writes them, with switches for the classic mistakes.
/// `visit(wIndex, xIndex, yIndex)` is called for every product of the forward pass.
private func forEachProduct(_ s: ConvolutionShape, flip: Bool = false, ignorePadding: Bool = false,
                            swapChannels: Bool = false, _ visit: (Int, Int, Int) -> Void) {
    let k = s.kernel, shift = ignorePadding ? 0 : s.padding
    for b in 0..<s.batch {
        for o in 0..<s.outChannels {
            for i in 0..<s.outHeight {
                for j in 0..<s.outWidth {
                    for c in 0..<s.channels {
                        for p in 0..<k {
                            for q in 0..<k {
                                let row = i * s.stride + p - shift, column = j * s.stride + q - shift
                                if row < 0 || row >= s.height || column < 0 || column >= s.width { continue }
                                let (pp, qq) = flip ? (k - 1 - p, k - 1 - q) : (p, q)
                                let w = swapChannels ? ((c * s.outChannels + o) * k + pp) * k + qq
                                    : ((o * s.channels + c) * k + pp) * k + qq
                                visit(w, ((b * s.channels + c) * s.height + row) * s.width + column,
                                      ((b * s.outChannels + o) * s.outHeight + i) * s.outWidth + j)
                            }
                        }
                    }
                }
            }
        }
    }
}

private func forwardWith(flip: Bool = false, ignorePadding: Bool = false, swapChannels: Bool = false, bias: Bool = true)
    -> ([Float], [Float], [Float], ConvolutionShape) throws -> [Float]
{
    { x, w, b, s in
        var y = [Float](repeating: 0, count: s.outputCount)
        if bias { for index in 0..<y.count { y[index] = b[(index / (s.outHeight * s.outWidth)) % s.outChannels] } }
        forEachProduct(s, flip: flip, ignorePadding: ignorePadding, swapChannels: swapChannels) { wi, xi, yi in
            y[yi] += w[wi] * x[xi]
        }
        return y
    }
}

private func backwardWith(batchMean: Bool = false, sign: Float = 1)
    -> ([Float], [Float], [Float], ConvolutionShape) throws -> (input: [Float], weight: [Float], bias: [Float])
{
    { x, w, dy, s in
        var dx = [Float](repeating: 0, count: s.inputCount), dw = [Float](repeating: 0, count: s.weightCount)
        var db = [Float](repeating: 0, count: s.outChannels)
        for index in 0..<dy.count { db[(index / (s.outHeight * s.outWidth)) % s.outChannels] += sign * dy[index] }
        forEachProduct(s) { wi, xi, yi in
            dx[xi] += sign * dy[yi] * w[wi]
            dw[wi] += sign * dy[yi] * x[xi]
        }
        if batchMean {
            dw = dw.map { $0 / Float(s.batch) }
            db = db.map { $0 / Float(s.batch) }
        }
        return (dx, dw, db)
    }
}

private func transposedWith(flip: Bool = false, swapChannels: Bool = false)
    -> ([Float], [Float], ConvolutionShape) throws -> [Float]
{
    { y, w, s in
        var x = [Float](repeating: 0, count: s.inputCount)
        forEachProduct(s, flip: flip, swapChannels: swapChannels) { wi, xi, yi in x[xi] += y[yi] * w[wi] }
        return x
    }
}

private func batchNormWith(constants: Bool = false, unbiased: Bool = false, sign: Float = 1)
    -> ([Float], [Float], [Float], Int, Int, Float) throws -> (input: [Float], gamma: [Float], beta: [Float])
{
    { x, gamma, dy, batch, features, epsilon in
        var dx = [Float](repeating: 0, count: x.count)
        var dGamma = [Float](repeating: 0, count: features), dBeta = dGamma
        for f in 0..<features {
            let column = (0..<batch).map { x[$0 * features + f] }, g = (0..<batch).map { dy[$0 * features + f] }
            let mean = column.reduce(0, +) / Float(batch)
            let variance = column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(unbiased ? batch - 1 : batch)
            let inverse = 1 / (variance + epsilon).squareRoot()
            let xHat = column.map { ($0 - mean) * inverse }
            dGamma[f] = sign * zip(g, xHat).reduce(0) { $0 + $1.0 * $1.1 }
            dBeta[f] = sign * g.reduce(0, +)
            let meanG = g.reduce(0, +) / Float(batch), meanGX = dGamma[f] * sign / Float(batch)
            for b in 0..<batch {
                let full = g[b] - meanG - xHat[b] * meanGX
                dx[b * features + f] = sign * gamma[f] * inverse * (constants ? g[b] : full)
            }
        }
        return (dx, dGamma, dBeta)
    }
}

let chapter06WrongAnswers: [WrongAnswer] = [
    WrongAnswer("convolution-forward", "the kernel flipped", hint: "kernel-flipped") {
        ConvolutionForwardCheck.check(forwardWith(flip: true))
    },
    WrongAnswer("convolution-forward", "the padding not subtracted", hint: "padding-ignored") {
        ConvolutionForwardCheck.check(forwardWith(ignorePadding: true))
    },
    WrongAnswer("convolution-forward", "weight read as [C, O, k, k]", hint: "channels-swapped") {
        ConvolutionForwardCheck.check(forwardWith(swapChannels: true))
    },
    WrongAnswer("convolution-forward", "no bias", hint: "bias-missing") {
        ConvolutionForwardCheck.check(forwardWith(bias: false))
    },
    WrongAnswer("convolution-backward", "dweight and dbias as batch means", hint: "batch-mean") {
        ConvolutionBackwardCheck.check(backwardWith(batchMean: true))
    },
    WrongAnswer("convolution-backward", "every gradient negated", hint: "sign") {
        ConvolutionBackwardCheck.check(backwardWith(sign: -1))
    },
    WrongAnswer("transposed-convolution", "the kernel flipped", hint: "kernel-flipped") {
        TransposedConvolutionCheck.check(transposedWith(flip: true))
    },
    WrongAnswer("transposed-convolution", "weight read as [C, O, k, k]", hint: "channels-swapped") {
        TransposedConvolutionCheck.check(transposedWith(swapChannels: true))
    },
    WrongAnswer("batchnorm-backward", "μ and σ² taken as constants", hint: "statistics-as-constants") {
        BatchNormBackwardCheck.check(batchNormWith(constants: true))
    },
    WrongAnswer("batchnorm-backward", "the variance divided by B − 1", hint: "unbiased-variance") {
        BatchNormBackwardCheck.check(batchNormWith(unbiased: true))
    },
    WrongAnswer("batchnorm-backward", "every gradient negated", hint: "sign") {
        BatchNormBackwardCheck.check(batchNormWith(sign: -1))
    },
]
