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
    private let totals: UnsafeMutablePointer<Double>          // two sums per channel, in Double (forward and backward)

    public init(_ channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        precondition(channels > 0, "BatchNorm needs at least one channel")
        (self.channels, self.momentum, self.epsilon) = (channels, momentum, epsilon)
        gamma = Parameter("gamma", shape: [channels])
        gamma.value.fill(1)
        beta = Parameter("beta", shape: [channels])
        runningMean = Tensor(shape: [channels])
        runningVariance = Tensor(shape: [channels], repeating: 1)
        totals = .allocate(capacity: 2 * channels)
        totals.initialize(repeating: 0, count: 2 * channels)
    }

    deinit { totals.deallocate() }

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
        precondition(
            (x.shape.count == 2 || x.shape.count == 4) && x.shape[1] == channels,
            "BatchNorm(\(channels)) got input of shape \(x.shape)")
        let batch = x.shape[0], plane = x.shape.count == 4 ? x.shape[2] * x.shape[3] : 1, n = batch * plane
        precondition(
            !isTraining || n > 1,
            "BatchNorm in training needs more than one value per channel (got \(x.shape)); use evaluation mode")
        input = x
        output.reshape(to: x.shape)
        normalized.reshape(to: x.shape)
        batchInverseDeviation.reshape(to: [channels])
        let gammas = gamma.value.data, betas = beta.value.data, means = totals, squares = totals + channels
        // Each thread takes a range of channels. Every pass goes image after image and, in each
        // image, along the range's planes, which lie side by side in memory: one stream the
        // prefetcher follows, rather than a jump of an image's size at every plane.
        Parallel.forEachRange(channels, unit: 1, work: 4 * x.count) { range in
            @inline(__always) func planes(_ body: (_ c: Int, _ offset: Int) -> Void) {
                for b in 0..<batch { for c in range { body(c, (b * self.channels + c) * plane) } }
            }
            if self.isTraining {
                for c in range { means[c] = 0; squares[c] = 0 }
                planes { c, offset in addSum(x.data + offset, plane, to: &means[c]) { $0 } }
                for c in range { means[c] /= Double(n) }
                planes { c, offset in
                    let m = means[c]; addSum(x.data + offset, plane, to: &squares[c]) { ($0 - m) * ($0 - m) }
                }
            }
            for c in range {
                var mean: Float, variance: Float
                if self.isTraining {
                    (mean, variance) = (Float(means[c]), Float(squares[c] / Double(n)))
                    // The running averages, as PyTorch keeps them (with the unbiased variance).
                    self.runningMean[c] = (1 - self.momentum) * self.runningMean[c] + self.momentum * mean
                    self.runningVariance[c] =
                        (1 - self.momentum) * self.runningVariance[c] + self.momentum
                        * Float(squares[c] / Double(n - 1))
                } else {
                    (mean, variance) = (self.runningMean[c], self.runningVariance[c])
                }
                means[c] = Double(mean)
                self.batchInverseDeviation[c] = 1 / (variance + self.epsilon).squareRoot()
            }
            planes { c, offset in
                let mean = Float(means[c]), inverse = self.batchInverseDeviation[c], (g, bt) = (gammas[c], betas[c])
                let source = x.data + offset, xHats = self.normalized.data + offset, ys = self.output.data + offset
                var i = 0
                while i + 8 <= plane {                                                        // eight at a time
                    let xHat = (Vector8(source + i) - mean) * inverse
                    xHat.store(to: xHats + i)
                    (g * xHat + bt).store(to: ys + i)
                    i += 8
                }
                while i < plane {
                    let xHat = (source[i] - mean) * inverse                                    // x̂
                    xHats[i] = xHat
                    ys[i] = g * xHat + bt                                                      // y = γ x̂ + β
                    i += 1
                }
            }
        }
        return output
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard let x = input else { preconditionFailure("BatchNorm.backward called before forward") }
        precondition(dy.shape == x.shape, "BatchNorm.backward: dy has shape \(dy.shape), expected \(x.shape)")
        let batch = x.shape[0], plane = x.shape.count == 4 ? x.shape[2] * x.shape[3] : 1, n = batch * plane
        inputGradient.reshape(to: x.shape)
        let gammas = gamma.value.data, training = isTraining, sumsDy = totals, sumsDyXHat = totals + channels
        Parallel.forEachRange(channels, unit: 1, work: 4 * x.count) { range in
            @inline(__always) func planes(_ body: (_ c: Int, _ offset: Int) -> Void) {
                for b in 0..<batch { for c in range { body(c, (b * self.channels + c) * plane) } }
            }
            for c in range { sumsDy[c] = 0; sumsDyXHat[c] = 0 }                               // Σ dy and Σ dy · x̂
            planes { c, offset in
                let d = dy.data + offset, xHats = self.normalized.data + offset
                var dys = SIMD8<Double>(), products = SIMD8<Double>(), i = 0
                while i + 8 <= plane {
                    let g = Vector8(d + i)
                    dys += SIMD8<Double>(g)
                    products += SIMD8<Double>(g * Vector8(xHats + i))
                    i += 8
                }
                var sumDy = sumsDy[c] + dys.sum(), sumDyXHat = sumsDyXHat[c] + products.sum()
                while i < plane { sumDy += Double(d[i]); sumDyXHat += Double(d[i] * xHats[i]); i += 1 }
                (sumsDy[c], sumsDyXHat[c]) = (sumDy, sumDyXHat)
            }
            for c in range {
                if !self.gamma.isFrozen { self.gamma.gradient[c] += Float(sumsDyXHat[c]) }     // dγ
                if !self.beta.isFrozen { self.beta.gradient[c] += Float(sumsDy[c]) }           // dβ
            }
            planes { c, offset in
                let scale = gammas[c] * self.batchInverseDeviation[c]
                let meanDy = training ? Float(sumsDy[c] / Double(n)) : 0,
                    meanDyXHat = training ? Float(sumsDyXHat[c] / Double(n)) : 0
                let d = dy.data + offset, xHats = self.normalized.data + offset, dx = self.inputGradient.data + offset
                var i = 0
                while i + 8 <= plane {
                    (scale * (Vector8(d + i) - meanDy - Vector8(xHats + i) * meanDyXHat)).store(to: dx + i)
                    i += 8
                }
                while i < plane { dx[i] = scale * (d[i] - meanDy - xHats[i] * meanDyXHat); i += 1 }
            }
        }
        return inputGradient
    }
}

/// total += Σ f(value) over one plane of a channel: eight at a time in Double, the eight partial
/// sums added to the total, then the values left over one by one.
@inline(__always) private func addSum(_ row: UnsafePointer<Float>, _ plane: Int, to total: inout Double,
                                      _ f: (SIMD8<Double>) -> SIMD8<Double>) {
    var lanes = SIMD8<Double>(), i = 0
    while i + 8 <= plane { lanes += f(SIMD8<Double>(Vector8(row + i))); i += 8 }
    total += lanes.sum()
    while i < plane { total += f(SIMD8<Double>(repeating: Double(row[i])))[0]; i += 1 }
}
