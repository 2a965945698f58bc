/// Exercise `leaky-relu-backward` (chapter 3): the backward pass of LeakyReLU.
///
///     y = x where x > 0, slope · x elsewhere (slope ≥ 0), elementwise   y, dy: [N]
///
/// Return dx = dLoss/dx: [N] from the forward's output y and dy = dLoss/dy. (With slope ≥ 0,
/// y has the sign of x, so y tells which side x was on.)
public func leakyReLUBackward(output y: [Float], outputGradient dy: [Float], slope: Float) throws -> [Float] {
    // BEGIN SOLUTION
    var dx = [Float](repeating: 0, count: y.count)
    for i in 0..<y.count { dx[i] = y[i] > 0 ? dy[i] : slope * dy[i] }
    return dx
    // END SOLUTION
}
