/// A trainable value (a weight matrix or a bias vector) and the gradient of the loss with respect
/// to it. Backward passes *add* into `gradient`; the optimiser clears it after each step.
///
/// A frozen parameter keeps its value: backward passes skip its gradient (nobody would use it), as
/// PyTorch's `requires_grad = False`. Freezing lives on the parameter, not on a layer type, so a
/// model freezes every layer it holds, whatever its kind (`Layer.isFrozen`).
public final class Parameter {
    public let name: String
    public let value: Tensor
    public let gradient: Tensor
    public var isFrozen = false

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
    /// Whether backward must compute dLoss/dInput. When the input is data (not the output of
    /// another network), nobody needs it: for a Linear layer that is a third of its work. A layer
    /// that can skip it says so; others always compute it (the default).
    var needsInputGradient: Bool { get set }
    /// State that is not learnt but must be kept with the weights (BatchNorm's running averages):
    /// checkpoints save it beside the parameters.
    var buffers: [Tensor] { get }
}

public extension Layer {
    var parameters: [Parameter] { [] }
    func setTraining(_ training: Bool) {}
    var needsInputGradient: Bool { get { true } set {} }
    var buffers: [Tensor] { [] }

    /// Freezes (or thaws) every parameter: backward then only carries the gradient through, as
    /// the discriminator does during the generator's step.
    var isFrozen: Bool {
        get { parameters.allSatisfy(\.isFrozen) }
        set { parameters.forEach { $0.isFrozen = newValue } }
    }

    /// The number of trainable values.
    var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }
}

/// Layers applied one after another: `Sequential(Linear(784, 128), ReLU(), ...)`.
///   forward:  x -> layer 1 -> layer 2 -> ... -> y
///   backward: dy -> ... -> layer 2's backward -> layer 1's backward -> dx
public final class Sequential: Layer {
    public private(set) var layers: [Layer]

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

    /// Puts `transform(layer)` in place of each layer, here and inside the Sequentials this one
    /// holds (a transform returns the layer itself to keep it). `--mine` uses it to put a learner's
    /// backward passes (Sources/Exercises) in the place of the library's.
    public func replaceLayers(_ transform: (Layer) -> Layer) {
        layers = layers.map { layer in
            guard let inner = layer as? Sequential else { return transform(layer) }
            inner.replaceLayers(transform)
            return inner
        }
    }

    public var parameters: [Parameter] { layers.flatMap { $0.parameters } }
    public var buffers: [Tensor] { layers.flatMap { $0.buffers } }

    public func setTraining(_ training: Bool) { layers.forEach { $0.setTraining(training) } }

    /// Only the first layer sees the model's input. When nobody needs the gradient for it, the
    /// layers up to the first one with weights need none either (a reshape or an activation in
    /// front only passes it on): each of them is told.
    public var needsInputGradient: Bool {
        // as the setter left it
        get { (layers.first { !$0.parameters.isEmpty } ?? layers.first)?.needsInputGradient ?? true }
        set {
            for layer in layers {
                layer.needsInputGradient = newValue
                if !layer.parameters.isEmpty { break }
            }
        }
    }
}
