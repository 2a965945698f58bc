/// Exercise `batchnorm-backward` (chapter 6): batch normalisation's backward pass in training mode.
///
///     x, dy: [B, F]   γ: [F]   per feature f, over the B values of the batch:
///     μ = mean(x),  σ² = mean((x − μ)²) (divided by B),  x̂ = (x − μ) / sqrt(σ² + ε),  y = γ x̂ + β
///
/// Return dx: [B, F], dγ: [F] and dβ: [F]. μ and σ² are computed from the whole batch: moving one
/// x moves them too, and so every other value's x̂.
public func batchNormBackward(input x: [Float], gamma: [Float], outputGradient dy: [Float], batch: Int, features: Int,
                              epsilon: Float) throws -> (input: [Float], gamma: [Float], beta: [Float])
{
    // BEGIN SOLUTION
    var dx = [Float](repeating: 0, count: x.count)
    var dGamma = [Float](repeating: 0, count: features), dBeta = dGamma
    let n = Float(batch)
    for f in 0..<features {
        var mean: Float = 0, variance: Float = 0
        for b in 0..<batch { mean += x[b * features + f] }
        mean /= n
        for b in 0..<batch { let d = x[b * features + f] - mean; variance += d * d }
        variance /= n
        let inverse = 1 / (variance + epsilon).squareRoot()
        var meanDy: Float = 0, meanDyXHat: Float = 0
        for b in 0..<batch {
            let xHat = (x[b * features + f] - mean) * inverse, g = dy[b * features + f]
            dGamma[f] += g * xHat
            dBeta[f] += g
            meanDy += g / n
            meanDyXHat += g * xHat / n
        }
        // dx = γ / sqrt(σ² + ε) · (dy − mean(dy) − x̂ · mean(dy · x̂))
        for b in 0..<batch {
            let xHat = (x[b * features + f] - mean) * inverse
            dx[b * features + f] = gamma[f] * inverse * (dy[b * features + f] - meanDy - xHat * meanDyXHat)
        }
    }
    return (dx, dGamma, dBeta)
    // END SOLUTION
}
