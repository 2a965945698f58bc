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
    private var inverseDeviation: [Float] = []   // 1 / sqrt(σ² + ε) per (image, group), of the last forward

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
        inverseDeviation = [Float](repeating: 0, count: b * groups)
        for image in 0..<b {
            for g in 0..<groups {
                let start = (image * channels + g * channels / groups) * plane
                let xs = x.data + start, xh = normalized.data + start, ys = output.data + start
                var sum = 0.0
                for i in 0..<perGroup { sum += Double(xs[i]) }
                let mean = sum / Double(perGroup)
                var squares = 0.0
                for i in 0..<perGroup { let d = Double(xs[i]) - mean; squares += d * d }
                let inverse = Float(1 / (squares / Double(perGroup) + Double(epsilon)).squareRoot())
                inverseDeviation[image * groups + g] = inverse
                for i in 0..<perGroup {
                    let c = g * channels / groups + i / plane
                    xh[i] = (xs[i] - Float(mean)) * inverse
                    ys[i] = gamma.value[c] * xh[i] + beta.value[c]
                }
            }
        }
        return output
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let b = dy.shape[0], plane = dy.shape[2] * dy.shape[3], perGroup = channels / groups * plane
        inputGradient.reshape(to: dy.shape)
        for image in 0..<b {
            for g in 0..<groups {
                let start = (image * channels + g * channels / groups) * plane
                let dys = dy.data + start, xh = normalized.data + start, dxs = inputGradient.data + start
                var sumD = 0.0, sumDX = 0.0
                for i in 0..<perGroup {
                    let c = g * channels / groups + i / plane
                    if !gamma.isFrozen { gamma.gradient[c] += dys[i] * xh[i] }
                    if !beta.isFrozen { beta.gradient[c] += dys[i] }
                    let d = Double(dys[i] * gamma.value[c])
                    sumD += d
                    sumDX += d * Double(xh[i])
                }
                let meanD = Float(sumD / Double(perGroup)), meanDX = Float(sumDX / Double(perGroup))
                let inverse = inverseDeviation[image * groups + g]
                for i in 0..<perGroup {
                    let c = g * channels / groups + i / plane
                    dxs[i] = (dys[i] * gamma.value[c] - meanD - xh[i] * meanDX) * inverse
                }
            }
        }
        return inputGradient
    }
}
