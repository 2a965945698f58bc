import Foundation

/// Group normalisation (Wu and He, 2018): batch normalisation's arithmetic, but over groups of
/// channels of one image instead of over the batch. An image's result does not depend on the
/// other images in its batch, so it behaves the same with a batch of 1, in training and in
/// sampling: diffusion U-Nets use it where DCGAN used BatchNorm.
///
///     x: [B, C, H, W]   γ, β: [C]   C = G groups of C/G channels; per image b and group g, over
///     its N = (C/G)·H·W values:
///     forward:   μ = mean(x),  σ² = mean((x − μ)²),  x̂ = (x − μ) / sqrt(σ² + ε),  y = γ_c x̂ + β_c
///     backward:  dγ_c += Σ dy · x̂,   dβ_c += Σ dy   (over the batch and the positions)
///                with d = dy · γ_c:  dx = (d − mean(d) − x̂ · mean(d · x̂)) / sqrt(σ² + ε)   (means per group)
///
/// The same two extra terms as BatchNorm's: μ and σ² depend on every value of the group.
/// ε = 1e-5 as PyTorch's `nn.GroupNorm`.
public final class GroupNorm: Layer {
    public let groups: Int, channels: Int, epsilon: Float
    public let gamma: Parameter   // [C], starts at 1
    public let beta: Parameter    // [C], starts at 0
    private let normalized = Tensor(shape: [0]), output = Tensor(shape: [0]), inputGradient = Tensor(shape: [0])
    private let inverseDeviation = Tensor(shape: [0])   // 1 / sqrt(σ² + ε) per (image, group), of the last forward
    private let partials = Tensor(shape: [0])           // the backward's sums per (image, channel)

    public init(groups: Int, channels: Int, epsilon: Float = 1e-5) {
        precondition(groups > 0 && channels % groups == 0, "GroupNorm: \(channels) channels do not split into \(groups) groups")
        (self.groups, self.channels, self.epsilon) = (groups, channels, epsilon)
        gamma = Parameter("gamma", shape: [channels])
        gamma.value.fill(1)
        beta = Parameter("beta", shape: [channels])
    }

    public var parameters: [Parameter] { [gamma, beta] }

    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.shape.count == 4 && x.shape[1] == channels,
                     "GroupNorm(\(channels)): x must be [B, \(channels), H, W], not \(x.shape)")
        let b = x.shape[0], plane = x.shape[2] * x.shape[3], perGroup = channels / groups * plane
        normalized.reshape(to: x.shape)
        output.reshape(to: x.shape)
        inverseDeviation.reshape(to: [b * groups])
        let xs = x.data, xh = normalized.data, ys = output.data, inverses = inverseDeviation.data
        let gammas = gamma.value.data, betas = beta.value.data, perChannel = channels / groups
        // Each (image, group) alone, in parallel: its sums in Double, in a fixed order, the same on any thread.
        Parallel.forEachRange(b * groups, unit: 1, work: 8 * x.count) { range in
            for pair in range {
                let start = pair * perGroup, firstChannel = (pair % groups) * perChannel
                let mean = sumInLanes(xs + start, perGroup) { $0 } / Double(perGroup)
                let squares = sumInLanes(xs + start, perGroup) { ($0 - mean) * ($0 - mean) }
                let inverse = Float(1 / (squares / Double(perGroup) + Double(epsilon)).squareRoot())
                inverses[pair] = inverse
                let m = Float(mean)
                for k in 0..<perChannel {
                    let g = gammas[firstChannel + k], shift = betas[firstChannel + k], base = start + k * plane
                    for i in base..<base + plane {
                        xh[i] = (xs[i] - m) * inverse
                        ys[i] = g * xh[i] + shift
                    }
                }
            }
        }
        return output
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let b = dy.shape[0], plane = dy.shape[2] * dy.shape[3], perGroup = channels / groups * plane
        let perChannel = channels / groups
        inputGradient.reshape(to: dy.shape)
        partials.reshape(to: [2, b, channels])   // Σ dy · x̂ and Σ dy per (image, channel): summed over images after
        let dys = dy.data, xh = normalized.data, dxs = inputGradient.data, inverses = inverseDeviation.data
        let gammas = gamma.value.data, sumsDX = partials.data, sumsD = partials.data + b * channels
        Parallel.forEachRange(b * groups, unit: 1, work: 8 * dy.count) { range in
            for pair in range {
                let image = pair / groups, start = pair * perGroup, firstChannel = (pair % groups) * perChannel
                var sumD = 0.0, sumDX = 0.0   // Σ d and Σ d · x̂ over the group, d = dy · γ_c: γ_c times the channel's sums
                for k in 0..<perChannel {
                    let c = firstChannel + k, g = Double(gammas[c]), base = start + k * plane
                    let (channelD, channelDX) = sumsInLanes(dys + base, xh + base, plane)
                    sumD += g * channelD
                    sumDX += g * channelDX
                    sumsDX[image * channels + c] = Float(channelDX)
                    sumsD[image * channels + c] = Float(channelD)
                }
                let meanD = Float(sumD / Double(perGroup)), meanDX = Float(sumDX / Double(perGroup))
                let inverse = inverses[pair]
                for k in 0..<perChannel {
                    let g = gammas[firstChannel + k], base = start + k * plane
                    for i in base..<base + plane { dxs[i] = (dys[i] * g - meanD - xh[i] * meanDX) * inverse }
                }
            }
        }
        // γ's and β's gradients: the images' partial sums, added in image order (the same on any thread count).
        for c in 0..<channels {
            var dGamma: Float = 0, dBeta: Float = 0
            for image in 0..<b { dGamma += sumsDX[image * channels + c]; dBeta += sumsD[image * channels + c] }
            if !gamma.isFrozen { gamma.gradient[c] += dGamma }
            if !beta.isFrozen { beta.gradient[c] += dBeta }
        }
        return inputGradient
    }
}

// The sums above in eight Double lanes (vector adds, where one running sum waits for each add to finish),
// the lanes added last in a fixed order: the same bits on any thread.

/// Σ f(x_i) over n values, in Double.
@inline(__always) func sumInLanes(_ x: UnsafePointer<Float>, _ n: Int, _ f: (SIMD8<Double>) -> SIMD8<Double>) -> Double {
    var lanes = SIMD8<Double>(repeating: 0), i = 0
    while i + 8 <= n { lanes += f(SIMD8<Double>(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self))); i += 8 }
    var sum = lanes.sum()
    while i < n { sum += f(SIMD8<Double>(repeating: Double(x[i])))[0]; i += 1 }
    return sum
}

/// Σ dy_i and Σ dy_i · x̂_i over n values, in Double.
@inline(__always) func sumsInLanes(_ dy: UnsafePointer<Float>, _ xh: UnsafePointer<Float>, _ n: Int) -> (Double, Double) {
    var d = SIMD8<Double>(repeating: 0), dx = SIMD8<Double>(repeating: 0), i = 0
    while i + 8 <= n {
        let g = SIMD8<Double>(UnsafeRawPointer(dy + i).loadUnaligned(as: SIMD8<Float>.self))
        d += g
        dx += g * SIMD8<Double>(UnsafeRawPointer(xh + i).loadUnaligned(as: SIMD8<Float>.self))
        i += 8
    }
    var (sumD, sumDX) = (d.sum(), dx.sum())
    while i < n { sumD += Double(dy[i]); sumDX += Double(dy[i]) * Double(xh[i]); i += 1 }
    return (sumD, sumDX)
}
