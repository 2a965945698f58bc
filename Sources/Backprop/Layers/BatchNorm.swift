import Foundation

/// Batch normalisation over channels (Ioffe and Szegedy, 2015): each channel's values are shifted
/// and scaled to mean 0 and variance 1 over the batch (and, for images, over the positions), then
/// given a learnt scale γ and shift β. Every layer after it then sees inputs of a steady scale,
/// whatever the layers before it do: DCGAN's networks train with it.
///
///     x: [B, C] or [B, C, H, W]   γ, β: [C]   y: the shape of x.  Per channel c, over its N = B·H·W values:
///     forward (training):  μ = mean(x),  σ² = mean((x − μ)²),  x̂ = (x − μ) / sqrt(σ² + ε),  y = γ x̂ + β
///                          running mean and variance move 0.1 of the way towards μ and the unbiased σ²·N/(N−1)
///     forward (evaluation): the running mean and variance in place of the batch's
///     backward (training):  dγ += Σ dy · x̂,   dβ += Σ dy
///                           dx = γ / sqrt(σ² + ε) · (dy − mean(dy) − x̂ · mean(dy · x̂))
///     backward (evaluation): dx = γ / sqrt(σ² + ε) · dy      (the statistics are constants then)
///
/// The training-mode dx has two extra terms because μ and σ² depend on every x of the batch: moving
/// one value moves the mean and the variance, and so every other value's x̂. Momentum 0.1 and
/// ε = 1e-5 are PyTorch's `nn.BatchNorm2d` defaults.
public final class BatchNorm: Layer {
    public let channels: Int, momentum: Float, epsilon: Float
    public let gamma: Parameter   // [C], starts at 1
    public let beta: Parameter    // [C], starts at 0
    /// The averages used in evaluation mode; not learnt, but saved in checkpoints (`buffers`).
    public let runningMean: Tensor, runningVariance: Tensor
    public private(set) var isTraining = true

    private var input: Tensor?
    private let normalized = Tensor(shape: [0]), output = Tensor(shape: [0]), inputGradient = Tensor(shape: [0])
    private let batchInverseDeviation = Tensor(shape: [0])   // 1 / sqrt(σ² + ε) per channel, of the last forward

    public init(_ channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        precondition(channels > 0, "BatchNorm needs at least one channel")
        (self.channels, self.momentum, self.epsilon) = (channels, momentum, epsilon)
        gamma = Parameter("gamma", shape: [channels])
        gamma.value.fill(1)
        beta = Parameter("beta", shape: [channels])
        runningMean = Tensor(shape: [channels])
        runningVariance = Tensor(shape: [channels], repeating: 1)
    }

    public var parameters: [Parameter] { [gamma, beta] }
    public var buffers: [Tensor] { [runningMean, runningVariance] }
    public func setTraining(_ training: Bool) { isTraining = training }

    /// DCGAN's initialisation: γ from N(1, std²), β = 0.
    public func initializeLikeDCGAN(std: Float = 0.02, rng: RandomGenerator) {
        gamma.value.fillNormal(using: rng, std: std)
        for c in 0..<channels { gamma.value[c] += 1 }
        beta.value.fill(0)
    }

    public func forward(_ x: Tensor) -> Tensor {
        precondition((x.shape.count == 2 || x.shape.count == 4) && x.shape[1] == channels, "BatchNorm(\(channels)) got input of shape \(x.shape)")
        let batch = x.shape[0], plane = x.shape.count == 4 ? x.shape[2] * x.shape[3] : 1, n = batch * plane
        precondition(!isTraining || n > 1, "BatchNorm in training needs more than one value per channel (got \(x.shape)); use evaluation mode")
        input = x
        output.reshape(to: x.shape)
        normalized.reshape(to: x.shape)
        batchInverseDeviation.reshape(to: [channels])
        let gammas = gamma.value.data, betas = beta.value.data
        Parallel.forEachRange(channels, unit: 1, work: 4 * x.count) { range in
            for c in range {
                var mean: Float, variance: Float
                if self.isTraining {
                    var sum = 0.0
                    for b in 0..<batch { let row = x.data + (b * self.channels + c) * plane; for i in 0..<plane { sum += Double(row[i]) } }
                    let m = sum / Double(n)
                    var squares = 0.0
                    for b in 0..<batch {
                        let row = x.data + (b * self.channels + c) * plane
                        for i in 0..<plane { let d = Double(row[i]) - m; squares += d * d }
                    }
                    (mean, variance) = (Float(m), Float(squares / Double(n)))
                    // The running averages, as PyTorch keeps them (with the unbiased variance).
                    self.runningMean[c] = (1 - self.momentum) * self.runningMean[c] + self.momentum * mean
                    self.runningVariance[c] = (1 - self.momentum) * self.runningVariance[c] + self.momentum * Float(squares / Double(n - 1))
                } else {
                    (mean, variance) = (self.runningMean[c], self.runningVariance[c])
                }
                let inverse = 1 / (variance + self.epsilon).squareRoot()
                self.batchInverseDeviation[c] = inverse
                for b in 0..<batch {
                    let offset = (b * self.channels + c) * plane
                    for i in 0..<plane {
                        let xHat = (x.data[offset + i] - mean) * inverse                 // x̂
                        self.normalized.data[offset + i] = xHat
                        self.output.data[offset + i] = gammas[c] * xHat + betas[c]       // y = γ x̂ + β
                    }
                }
            }
        }
        return output
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard let x = input else { preconditionFailure("BatchNorm.backward called before forward") }
        precondition(dy.shape == x.shape, "BatchNorm.backward: dy has shape \(dy.shape), expected \(x.shape)")
        let batch = x.shape[0], plane = x.shape.count == 4 ? x.shape[2] * x.shape[3] : 1, n = Float(batch * plane)
        inputGradient.reshape(to: x.shape)
        let gammas = gamma.value.data, training = isTraining
        Parallel.forEachRange(channels, unit: 1, work: 4 * x.count) { range in
            for c in range {
                var sumDy: Float = 0, sumDyXHat: Float = 0                            // Σ dy and Σ dy · x̂
                for b in 0..<batch {
                    let offset = (b * self.channels + c) * plane
                    for i in 0..<plane {
                        sumDy += dy.data[offset + i]
                        sumDyXHat += dy.data[offset + i] * self.normalized.data[offset + i]
                    }
                }
                if !self.gamma.isFrozen { self.gamma.gradient[c] += sumDyXHat }       // dγ
                if !self.beta.isFrozen { self.beta.gradient[c] += sumDy }             // dβ
                let scale = gammas[c] * self.batchInverseDeviation[c]
                let meanDy = training ? sumDy / n : 0, meanDyXHat = training ? sumDyXHat / n : 0
                for b in 0..<batch {
                    let offset = (b * self.channels + c) * plane
                    for i in 0..<plane {
                        let xHat = self.normalized.data[offset + i]
                        self.inputGradient.data[offset + i] = scale * (dy.data[offset + i] - meanDy - xHat * meanDyXHat)
                    }
                }
            }
        }
        return inputGradient
    }
}

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
