import Foundation

/// Gives a batch another shape with the same values in the same order: [B, C·H·W] <-> [B, C, H, W].
/// DCGAN's generator starts from z as [B, 100, 1, 1]; a perceptron's output becomes an image.
///
///     x: [B, ...]   y: [B] + shape   (the values are copied; backward copies the gradient back)
public final class Reshape: Layer {
    public let shape: [Int]
    private var inputShape: [Int] = []
    private let output = Tensor(shape: [0]), inputGradient = Tensor(shape: [0])

    /// `shape`: each example's new shape, without the batch dimension.
    public init(_ shape: [Int]) { self.shape = shape }

    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.columns == shape.reduce(1, *), "Reshape to \(shape) got input of shape \(x.shape)")
        inputShape = x.shape
        output.reshape(to: [x.shape[0]] + shape)
        output.data.update(from: x.data, count: x.count)
        return output
    }

    public func backward(_ dy: Tensor) -> Tensor {
        precondition(dy.shape == output.shape, "Reshape.backward: dy has shape \(dy.shape), expected \(output.shape)")
        inputGradient.reshape(to: inputShape)
        inputGradient.data.update(from: dy.data, count: dy.count)
        return inputGradient
    }
}
