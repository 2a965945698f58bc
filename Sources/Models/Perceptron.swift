import Backprop

/// The nonlinearity between a perceptron's layers.
public enum Activation: Sendable {
    case relu
    case leakyReLU(slope: Float)

    public func make() -> Layer {
        switch self {
        case .relu: ReLU()
        case .leakyReLU(let slope): LeakyReLU(slope: slope)
        }
    }
}

/// A multilayer perceptron: Linear layers of the given sizes with `activation` between them (and
/// dropout after each activation, if any), then `last` (Tanh, Sigmoid, or nothing for logits).
///
///     sizes [784, 256, 1]:  Linear(784, 256), activation, [dropout], Linear(256, 1), [last]
///
/// The layers draw their initial weights from `rng` in order, first layer first.
public func perceptron(_ sizes: [Int], activation: Activation, dropout: Float = 0, last: Layer? = nil,
                       initializer: Initializer = .pytorchDefault, rng: RandomGenerator) -> Sequential {
    var layers: [Layer] = []
    for i in 0..<(sizes.count - 1) {
        layers.append(Linear(sizes[i], sizes[i + 1], initializer: initializer, rng: rng))
        if i < sizes.count - 2 {
            layers.append(activation.make())
            if dropout > 0 { layers.append(Dropout(probability: dropout, rng: rng)) }
        }
    }
    if let last { layers.append(last) }
    return Sequential(layers)
}

/// Sizes as the chapters write them: "784-1024-512-256-1".
public func describe(_ sizes: [Int]) -> String { sizes.map(String.init).joined(separator: "-") }
