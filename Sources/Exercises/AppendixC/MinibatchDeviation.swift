/// Exercise `minibatch-deviation` (appendix C): the minibatch standard deviation's forward pass.
///
///     x: [B, F]   returns y: [B, F + 1]
///     per feature f: μ_f = mean over the batch of x[·, f],  σ_f = sqrt(mean over the batch of (x[·, f] − μ_f)² + ε)
///     s = mean over the F features of σ_f;   y[b, 0..<F] = x[b, ·],   y[b, F] = s   (every row the same s)
///
/// One number that says how varied the whole batch is, given to D with every example.
public func minibatchDeviation(_ x: [Float], batch: Int, features: Int, epsilon: Float) throws -> [Float] {
    // BEGIN SOLUTION
    var s: Float = 0
    for f in 0..<features {
        var mean: Float = 0, variance: Float = 0
        for b in 0..<batch { mean += x[b * features + f] }
        mean /= Float(batch)
        for b in 0..<batch { let d = x[b * features + f] - mean; variance += d * d }
        s += (variance / Float(batch) + epsilon).squareRoot()
    }
    s /= Float(features)
    var y = [Float](repeating: 0, count: batch * (features + 1))
    for b in 0..<batch {
        for f in 0..<features { y[b * (features + 1) + f] = x[b * features + f] }
        y[b * (features + 1) + features] = s
    }
    return y
    // END SOLUTION
}
