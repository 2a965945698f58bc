import Foundation

// A loss turns a batch of predictions and targets into one number, and its backward gives
// dLoss/dPrediction, the gradient that starts backpropagation.
//     prediction: [B, N]   target: [B, N]   loss: a scalar (the mean over all B*N values)
// Sums are taken in Double and in index order: exact enough, and the same on every run.

/// Mean squared error: L = mean((y - t)^2);  dL/dy = 2 (y - t) / count.
public final class MSELoss {
    private let gradient = Tensor(shape: [0])
    public init() {}

    public func forward(_ prediction: Tensor, _ target: Tensor) -> Float {
        precondition(prediction.shape == target.shape, "MSE: prediction \(prediction.shape) vs target \(target.shape)")
        gradient.reshape(to: prediction.shape)
        let y = prediction.data, t = target.data, g = gradient.data, n = prediction.count
        let scale = 2 / Float(n)
        var sum = 0.0
        for i in 0..<n {
            let d = y[i] - t[i]
            sum += Double(d * d)
            g[i] = scale * d
        }
        return Float(sum / Double(n))
    }

    /// dL/dPrediction for the last forward.
    public func backward() -> Tensor { gradient }
}

/// Binary cross-entropy on probabilities p in [0, 1]:
///     L = -mean(t log p + (1 - t) log(1 - p));   dL/dp = (p - t) / (p (1 - p)) / count.
/// As in PyTorch, each log is clamped at -100 so p = 0 or 1 gives a large, finite loss. Prefer
/// `BCEWithLogitsLoss` after a final Sigmoid: it is exact where this one saturates.
public final class BCELoss {
    private let gradient = Tensor(shape: [0])
    public init() {}

    public func forward(_ prediction: Tensor, _ target: Tensor) -> Float {
        precondition(prediction.shape == target.shape, "BCE: prediction \(prediction.shape) vs target \(target.shape)")
        gradient.reshape(to: prediction.shape)
        let p = prediction.data, t = target.data, g = gradient.data, n = prediction.count
        var sum = 0.0
        for i in 0..<n {
            let logP = max(log(Double(p[i])), -100), log1mP = max(log(1 - Double(p[i])), -100)
            sum -= Double(t[i]) * logP + (1 - Double(t[i])) * log1mP
            let denominator = max(Double(p[i]) * (1 - Double(p[i])), 1e-12)
            g[i] = Float((Double(p[i]) - Double(t[i])) / denominator / Double(n))
        }
        return Float(sum / Double(n))
    }

    public func backward() -> Tensor { gradient }
}

/// Binary cross-entropy on logits z (before the sigmoid), the stable way:
///     L = mean(max(z, 0) - z t + log(1 + e^-|z|));   dL/dz = (sigmoid(z) - t) / count.
/// The first form equals -[t log s(z) + (1 - t) log(1 - s(z))] but never takes the log of 0 nor
/// e to a large power, so a discriminator with logits of +-100 still gets exact gradients.
/// `weight` scales the loss and its gradient: a loss that is the mean of two, (real + fake) / 2,
/// gives each of them the weight 1/2.
///
/// Up to `fastFrom` values (a GAN's one logit per image) the naive loop below computes it; beyond
/// (a VAE's 784 pixels per image) the fast kernel in Kernels/BinaryCrossEntropy.swift, which
/// agrees with it to about 1e-6.
public final class BCEWithLogitsLoss {
    /// The size from which the fast kernel takes over.
    public static let fastFrom = 8192
    private let gradient = Tensor(shape: [0])
    private var partials = [Double](repeating: 0, count: 64)   // the fast kernel's per-chunk sums
    public init() {}

    public func forward(_ logits: Tensor, _ target: Tensor, weight: Float = 1) -> Float {
        precondition(logits.shape == target.shape, "BCEWithLogits: logits \(logits.shape) vs target \(target.shape)")
        gradient.reshape(to: logits.shape)
        let n = logits.count, scale = weight / Float(n)
        let sum: Double
        if n < Self.fastFrom {
            sum = binaryCrossEntropyNaive(
                logits: logits.data, targets: target.data, gradient: gradient.data, count: n, scale: scale)
        } else {
            let chunks = (n + crossEntropyChunk - 1) / crossEntropyChunk
            if partials.count < chunks { partials = [Double](repeating: 0, count: chunks) }
            sum = partials.withUnsafeMutableBufferPointer {
                binaryCrossEntropyFast(
                    logits: logits.data, targets: target.data, gradient: gradient.data, count: n, scale: scale,
                    partials: $0.baseAddress!)
            }
        }
        return Float(sum / Double(n)) * weight
    }

    public func backward() -> Tensor { gradient }
}

/// Cross-entropy of a softmax over classes, for classifiers: logits z [B, C], one class label
/// per row. With p = softmax(z) row by row (p_c = e^(z_c) / Σ_k e^(z_k)):
///     L = mean over rows of -log p_label;   dL/dz = (p - onehot(label)) / B.
/// The softmax is computed after subtracting each row's largest logit, which changes nothing
/// mathematically but keeps e^z from overflowing.
public final class SoftmaxCrossEntropyLoss {
    private let gradient = Tensor(shape: [0])
    public init() {}

    public func forward(_ logits: Tensor, labels: [Int]) -> Float {
        let b = logits.rows, c = logits.columns
        precondition(labels.count == b, "SoftmaxCrossEntropy: \(labels.count) labels for \(b) rows")
        gradient.reshape(to: logits.shape)
        var sum = 0.0
        for row in 0..<b {
            let z = logits.data + row * c, g = gradient.data + row * c
            precondition(labels[row] >= 0 && labels[row] < c, "label \(labels[row]) is not one of \(c) classes")
            let largest = (0..<c).reduce(-Float.infinity) { max($0, z[$1]) }
            var total = 0.0
            for k in 0..<c { total += exp(Double(z[k] - largest)) }
            let logTotal = log(total)
            for k in 0..<c {
                let p = exp(Double(z[k] - largest) - logTotal)                  // softmax, stably
                g[k] = Float((p - (k == labels[row] ? 1 : 0)) / Double(b))
            }
            sum -= Double(z[labels[row]] - largest) - logTotal                  // -log p_label
        }
        return Float(sum / Double(b))
    }

    public func backward() -> Tensor { gradient }
}

/// Softmax of each row of `logits` [B, C], in place: probabilities that sum to 1 per row.
public func softmaxRows(_ logits: Tensor) {
    let c = logits.columns
    for row in 0..<logits.rows {
        let z = logits.data + row * c
        let largest = (0..<c).reduce(-Float.infinity) { max($0, z[$1]) }
        var total: Float = 0
        for k in 0..<c { z[k] = exp(z[k] - largest); total += z[k] }
        for k in 0..<c { z[k] /= total }
    }
}
