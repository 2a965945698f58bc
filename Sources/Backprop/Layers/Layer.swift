/// A trainable value (a weight matrix or a bias vector) and the gradient of the loss with respect
/// to it. Backward passes *add* into `gradient`; the optimiser clears it after each step.
public final class Parameter {
    public let name: String
    public let value: Tensor
    public let gradient: Tensor

    public init(_ name: String, shape: [Int]) {
        self.name = name
        value = Tensor(shape: shape)
        gradient = Tensor(shape: shape)
    }
}

/// A layer is a pair of functions.
///
/// - `forward(x)` computes the output for a batch and remembers what `backward` will need.
/// - `backward(dy)` receives dLoss/dOutput for that same batch, adds dLoss/dParameters into the
///   parameters' gradients, and returns dLoss/dInput for the layer below: the chain rule, one
///   layer at a time.
///
/// Call them in pairs: `backward` refers to the most recent `forward`. The tensors a layer returns
/// belong to it and are overwritten by its next call.
public protocol Layer: AnyObject {
    func forward(_ input: Tensor) -> Tensor
    func backward(_ outputGradient: Tensor) -> Tensor
    /// The trainable parameters, in a fixed order (optimisers and checkpoints rely on it).
    var parameters: [Parameter] { get }
    /// Training mode (dropout active) or evaluation mode (dropout off).
    func setTraining(_ training: Bool)
}

public extension Layer {
    var parameters: [Parameter] { [] }
    func setTraining(_ training: Bool) {}

    /// The number of trainable values.
    var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }
}

/// Layers applied one after another: `Sequential(Linear(784, 128), ReLU(), ...)`.
///   forward:  x -> layer 1 -> layer 2 -> ... -> y
///   backward: dy -> ... -> layer 2's backward -> layer 1's backward -> dx
public final class Sequential: Layer {
    public let layers: [Layer]

    public init(_ layers: [Layer]) { self.layers = layers }
    public convenience init(_ layers: Layer...) { self.init(layers) }

    public func forward(_ input: Tensor) -> Tensor {
        var x = input
        for layer in layers { x = layer.forward(x) }
        return x
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        var gradient = outputGradient
        for layer in layers.reversed() { gradient = layer.backward(gradient) }
        return gradient
    }

    public var parameters: [Parameter] { layers.flatMap { $0.parameters } }

    public func setTraining(_ training: Bool) { layers.forEach { $0.setTraining(training) } }

    /// When nothing needs dLoss/dInput (the input is data, not the output of another network),
    /// the first layer can skip computing it: for a Linear layer that is a third of its work.
    /// Freezes (or thaws) every Linear layer inside: backward then only carries the gradient
    /// through, without computing gradients for the weights.
    public var isFrozen: Bool {
        get { layers.allSatisfy { ($0 as? Linear)?.isFrozen ?? ($0 as? Sequential)?.isFrozen ?? true } }
        set {
            for layer in layers {
                (layer as? Linear)?.isFrozen = newValue
                (layer as? Sequential)?.isFrozen = newValue
            }
        }
    }

    public var needsInputGradient: Bool {
        get {
            if let linear = layers.first as? Linear { return linear.needsInputGradient }
            return (layers.first as? Sequential)?.needsInputGradient ?? true
        }
        set {
            (layers.first as? Linear)?.needsInputGradient = newValue
            (layers.first as? Sequential)?.needsInputGradient = newValue
        }
    }
}
