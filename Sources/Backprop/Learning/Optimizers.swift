import Foundation

/// Something that updates parameters from their gradients.
public protocol Optimizer: AnyObject {
    var parameters: [Parameter] { get }
    /// Applies one update from the gradients accumulated since the last `zeroGradients`.
    func step()
    /// The steps taken so far (Adam's t).
    var stepCount: Int { get set }
    /// The optimiser's own running tensors (momenta), in a fixed order: with `stepCount`, what a
    /// checkpoint keeps so that a resumed run continues exactly.
    var state: [(name: String, tensor: Tensor)] { get }
}

public extension Optimizer {
    /// Clears every gradient: backward passes add into them, so this starts each step afresh.
    func zeroGradients() { parameters.forEach { $0.gradient.fill(0) } }
}

/// Stochastic gradient descent with momentum, as PyTorch defines it:
///     g = grad + weightDecay * w;   v = momentum * v + g (v = g at the first step);   w -= lr * v
public final class SGD: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public let momentum: Float
    public let weightDecay: Float
    public private(set) var velocities: [Tensor]
    public var stepCount = 0
    public var state: [(name: String, tensor: Tensor)] {
        velocities.enumerated().map { ("velocity.\($0.offset)", $0.element) }
    }

    public init(_ parameters: [Parameter], learningRate: Float, momentum: Float = 0, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        velocities = parameters.map { Tensor(shape: $0.value.shape) }
    }

    public func step() {
        for (parameter, velocity) in zip(parameters, velocities) {
            let w = parameter.value.data, grad = parameter.gradient.data, v = velocity.data
            for i in 0..<parameter.value.count {
                let g = grad[i] + weightDecay * w[i]
                v[i] = stepCount > 0 ? momentum * v[i] + g : g
                w[i] -= learningRate * (momentum == 0 ? g : v[i])
            }
        }
        stepCount += 1
    }
}

/// RMSProp (Tieleman and Hinton, 2012), as PyTorch defines it: a running average of the squared
/// gradient scales each weight's step, without Adam's running direction (no momentum), which the
/// original Wasserstein GAN needed: its critic's target moves too much for momentum to help.
///     v = alpha * v + (1 - alpha) * g^2;   w -= lr * g / (sqrt(v) + eps)
public final class RMSProp: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public let alpha: Float, epsilon: Float
    public var stepCount = 0
    public let squareAverages: [Tensor]   // v
    public var state: [(name: String, tensor: Tensor)] {
        squareAverages.enumerated().map { ("v.\($0.offset)", $0.element) }
    }

    public init(_ parameters: [Parameter], learningRate: Float = 1e-2, alpha: Float = 0.99, epsilon: Float = 1e-8) {
        (self.parameters, self.learningRate, self.alpha, self.epsilon) = (parameters, learningRate, alpha, epsilon)
        squareAverages = parameters.map { Tensor(shape: $0.value.shape) }
    }

    public func step() {
        stepCount += 1
        let (a, lr, eps) = (alpha, learningRate, epsilon)
        for (parameter, average) in zip(parameters, squareAverages) {
            let w = parameter.value.data, g = parameter.gradient.data, v = average.data
            Parallel.forEachRange(parameter.value.count, unit: 64, work: parameter.value.count * 6) { range in
                for i in range {
                    v[i] = a * v[i] + (1 - a) * g[i] * g[i]
                    w[i] -= lr * g[i] / (v[i].squareRoot() + eps)
                }
            }
        }
    }
}

/// Adam (Kingma and Ba, 2015): each weight gets its own step size from running averages of its
/// gradient (m, the direction) and of its squared gradient (v, the scale).
///     g = grad + weightDecay * w
///     m = beta1 * m + (1 - beta1) * g
///     v = beta2 * v + (1 - beta2) * g^2
///     w -= lr / (1 - beta1^t) * m / (sqrt(v / (1 - beta2^t)) + eps)
/// The two `1 - beta^t` terms correct the bias of m and v, which start at zero: without them the
/// first steps would be far too small. GANs use beta1 = 0.5, a shorter memory for the direction.
public final class Adam: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    /// The number of steps taken (t).
    public var stepCount = 0
    public let firstMoments: [Tensor]    // m
    public let secondMoments: [Tensor]   // v
    public var state: [(name: String, tensor: Tensor)] {
        firstMoments.enumerated().map { ("m.\($0.offset)", $0.element) }
            + secondMoments.enumerated().map { ("v.\($0.offset)", $0.element) }
    }

    public init(_ parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        firstMoments = parameters.map { Tensor(shape: $0.value.shape) }
        secondMoments = parameters.map { Tensor(shape: $0.value.shape) }
    }

    public func step() {
        stepCount += 1
        let t = Float(stepCount)
        let stepSize = learningRate / (1 - pow(beta1, t))
        let correction2 = (1 - pow(beta2, t)).squareRoot()
        let (b1, b2, eps, decay) = (beta1, beta2, epsilon, weightDecay)
        for (index, parameter) in parameters.enumerated() {
            let w = parameter.value.data, grad = parameter.gradient.data
            let m = firstMoments[index].data, v = secondMoments[index].data
            // Every weight is updated on its own, so the work splits over the cores without
            // changing a single result.
            // Eight weights at a time in SIMD registers, then the rest one by one: the same
            // operations in the same order either way, so lanes and leftovers agree to the bit.
            Parallel.forEachRange(parameter.value.count, unit: 64, work: parameter.value.count * 8) { range in
                var i = range.lowerBound
                while i + 8 <= range.upperBound {
                    let g = Vector8(grad + i) + decay * Vector8(w + i)
                    let mi = b1 * Vector8(m + i) + (1 - b1) * g
                    let vi = b2 * Vector8(v + i) + (1 - b2) * g * g
                    let wi = Vector8(w + i) - stepSize * mi / (vi.squareRoot() / correction2 + eps)
                    mi.store(to: m + i); vi.store(to: v + i); wi.store(to: w + i)
                    i += 8
                }
                while i < range.upperBound {
                    let g = grad[i] + decay * w[i]
                    m[i] = b1 * m[i] + (1 - b1) * g
                    v[i] = b2 * v[i] + (1 - b2) * g * g
                    w[i] -= stepSize * m[i] / (v[i].squareRoot() / correction2 + eps)
                    i += 1
                }
            }
        }
    }
}
