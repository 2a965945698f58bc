import Foundation

/// Exercise `sigmoid-backward` (chapter 1): the backward pass of the sigmoid.
///
///     y = σ(x) = 1 / (1 + e^−x), elementwise   y, dy: [N]
///
/// Return dx = dLoss/dx: [N], from the forward's output y and dy = dLoss/dy. Write σ'(x) in terms
/// of y (the layer keeps its output, not its input).
public func sigmoidBackward(output y: [Float], outputGradient dy: [Float]) throws -> [Float] {
    // BEGIN SOLUTION
    var dx = [Float](repeating: 0, count: y.count)
    for i in 0..<y.count { dx[i] = dy[i] * y[i] * (1 - y[i]) }
    return dx
    // END SOLUTION
}
