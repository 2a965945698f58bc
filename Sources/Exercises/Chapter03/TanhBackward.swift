import Foundation

/// Exercise `tanh-backward` (chapter 3): the backward pass of tanh, G's last layer.
///
///     y = tanh(x), elementwise   y, dy: [N]
///
/// Return dx = dLoss/dx: [N] from the forward's output y and dy = dLoss/dy (write tanh'(x) in
/// terms of y).
public func tanhBackward(output y: [Float], outputGradient dy: [Float]) throws -> [Float] {
    // BEGIN SOLUTION
    var dx = [Float](repeating: 0, count: y.count)
    for i in 0..<y.count { dx[i] = dy[i] * (1 - y[i] * y[i]) }
    return dx
    // END SOLUTION
}
