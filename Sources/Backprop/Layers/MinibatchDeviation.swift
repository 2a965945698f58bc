/// Minibatch standard deviation (Karras, Aila, Laine and Lehtinen, "Progressive growing of GANs",
/// 2018): one more feature for every example, the same for all of them, saying how varied the
/// whole batch is. A discriminator judges one example at a time and cannot see that a generator
/// draws the same point over and over; with this feature it can, so a collapsed generator is caught
/// and pushed to spread out again.
///
///     x: [B, F]   y: [B, F + 1]
///     forward:   μ_f = mean_b x[b, f],   σ_f = sqrt(mean_b (x[b, f] − μ_f)² + ε)
///                s = mean_f σ_f;   y[b, 0..<F] = x[b, ·],   y[b, F] = s   (every row the same s)
///     backward:  g = Σ_b dy[b, F]                           (s reaches the loss through every row)
///                dx[b, f] = dy[b, f] + g · (x[b, f] − μ_f) / (F · B · σ_f)
///
/// (∂σ_f/∂x[b, f] = (x[b, f] − μ_f) / (B σ_f): the mean's own dependence on x[b, f] cancels,
/// because the deviations from a mean sum to zero.)
public final class MinibatchDeviation: Layer {
    public let epsilon: Float
    /// s of the last batch computed.
    public private(set) var lastDeviation: Float = 0
    /// When set, forward uses this s instead of the batch's own (a constant: backward passes dy
    /// through alone). For judging single points as if they came in a batch of a known spread.
    public var fixedDeviation: Float?
    private let output = Tensor(shape: [0]), inputGradient = Tensor(shape: [0])
    private let mean = Tensor(shape: [0]), deviation = Tensor(shape: [0])
    private let input = Tensor(shape: [0])

    public init(epsilon: Float = 1e-8) { self.epsilon = epsilon }

    public func forward(_ x: Tensor) -> Tensor {
        precondition(
            x.shape.count == 2 && (x.rows > 1 || fixedDeviation != nil),
            "MinibatchDeviation needs [B, F] with B > 1 (got \(x.shape))")
        let b = x.rows, f = x.columns
        input.reshape(to: x.shape)
        input.data.update(from: x.data, count: x.count)
        output.reshape(to: [b, f + 1])
        if let fixedDeviation {
            for i in 0..<b {
                for j in 0..<f { output[i, j] = x[i, j] }
                output[i, f] = fixedDeviation
            }
            return output
        }
        mean.reshape(to: [f]); mean.fill(0)
        deviation.reshape(to: [f]); deviation.fill(0)
        for i in 0..<b { for j in 0..<f { mean[j] += x[i, j] } }
        for j in 0..<f { mean[j] /= Float(b) }
        for i in 0..<b { for j in 0..<f { let d = x[i, j] - mean[j]; deviation[j] += d * d } }
        var s: Float = 0
        for j in 0..<f { deviation[j] = (deviation[j] / Float(b) + epsilon).squareRoot(); s += deviation[j] }
        s /= Float(f)
        lastDeviation = s
        for i in 0..<b {
            for j in 0..<f { output[i, j] = x[i, j] }
            output[i, f] = s
        }
        return output
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let b = input.rows, f = input.columns
        precondition(
            dy.shape == [b, f + 1], "MinibatchDeviation.backward: dy has shape \(dy.shape), expected \([b, f + 1])")
        var g: Float = 0
        if fixedDeviation == nil { for i in 0..<b { g += dy[i, f] } }
        inputGradient.reshape(to: input.shape)
        for i in 0..<b {
            for j in 0..<f {
                inputGradient[i, j] = dy[i, j] + g * (input[i, j] - mean[j]) / (Float(f) * Float(b) * deviation[j])
            }
        }
        return inputGradient
    }
}
