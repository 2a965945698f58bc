import Foundation

/// Spectral normalisation (Miyato, Kataoka, Koyama and Yoshida, 2018): a Linear layer whose weight
/// is divided by its largest singular value σ(W), so the layer stretches no input by more than a
/// factor 1: a 1-Lipschitz layer, and with 1-Lipschitz activations (LeakyReLU) a 1-Lipschitz
/// critic, with no second backward pass (the gradient penalty's alternative, chapter 7).
///
///     W: [In, Out], learnt   u: [Out], kept between steps (a buffer)   v: [In]
///     forward (training): one power iteration,  v = W u / ‖W u‖,  u = Wᵀ v / ‖Wᵀ v‖,
///                         σ = vᵀ W u,  then y = x · (W / σ) + b
///     backward: the inner layer gives Ḡ = dL/d(W/σ); with u and v held constant (as PyTorch does),
///               dσ/dW = v uᵀ, so  dL/dW = (Ḡ − ⟨Ḡ, W/σ⟩ v uᵀ) / σ
///
/// One iteration per step is enough because W changes little between steps and u is kept: the
/// iteration continues where it stopped, and u converges to W's top right singular vector.
public final class SpectralNormalization: Layer {
    public let inner: Linear
    /// The weight as learnt (W); `inner.weight` holds W / σ for the forward pass.
    public let weight: Parameter
    /// u, kept between steps (and in checkpoints); v and σ of the last iteration.
    public let u: Tensor
    public private(set) var v: [Float], sigma: Float = 1
    public private(set) var isTraining = true
    private let inputGradient = Tensor(shape: [0])

    public init(_ inner: Linear, rng: RandomGenerator) {
        self.inner = inner
        weight = Parameter("weight", shape: inner.weight.value.shape)
        weight.value.copy(from: inner.weight.value)
        u = Tensor(shape: [inner.outputSize])
        u.fillNormal(using: rng)
        Self.normalize(u.data, count: u.count)
        v = [Float](repeating: 0, count: inner.inputSize)
    }

    public var parameters: [Parameter] { [weight, inner.bias] }
    public var buffers: [Tensor] { [u] }
    public func setTraining(_ training: Bool) { isTraining = training }
    public var needsInputGradient: Bool {
        get { inner.needsInputGradient }
        set { inner.needsInputGradient = newValue }
    }

    /// One power iteration (training mode; `iterations` more for tests), σ, and W / σ into the inner layer.
    public func normalizeWeight(iterations: Int = 1) {
        let (n, m) = (inner.inputSize, inner.outputSize), w = weight.value.data
        for _ in 0..<(isTraining ? iterations : 0) {
            for i in 0..<n {                                        // v = W u / ‖W u‖
                var sum: Float = 0
                for j in 0..<m { sum += w[i * m + j] * u[j] }
                v[i] = sum
            }
            v.withUnsafeMutableBufferPointer { Self.normalize($0.baseAddress!, count: n) }
            for j in 0..<m { u[j] = 0 }                             // u = Wᵀ v / ‖Wᵀ v‖
            for i in 0..<n { for j in 0..<m { u[j] += w[i * m + j] * v[i] } }
            Self.normalize(u.data, count: m)
        }
        var s: Float = 0                                            // σ = vᵀ W u
        for i in 0..<n {
            var row: Float = 0
            for j in 0..<m { row += w[i * m + j] * u[j] }
            s += v[i] * row
        }
        sigma = max(s, 1e-12)
        let scaled = inner.weight.value.data, inverse = 1 / sigma
        for k in 0..<(n * m) { scaled[k] = w[k] * inverse }
    }

    public func forward(_ x: Tensor) -> Tensor {
        normalizeWeight()
        return inner.forward(x)
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let ws = inner.weight
        ws.isFrozen = weight.isFrozen
        ws.gradient.fill(0)
        let dx = inner.backward(dy)                                 // Ḡ into ws.gradient, db, dx
        inputGradient.reshape(to: dx.shape)
        inputGradient.copy(from: dx)
        guard !weight.isFrozen else { return inputGradient }
        let (n, m) = (inner.inputSize, inner.outputSize)
        let g = ws.gradient.data, scaled = ws.value.data, dw = weight.gradient.data
        var dot: Float = 0                                          // ⟨Ḡ, W/σ⟩
        for k in 0..<(n * m) { dot += g[k] * scaled[k] }
        for i in 0..<n {
            for j in 0..<m { dw[i * m + j] += (g[i * m + j] - dot * v[i] * u[j]) / sigma }   // (Ḡ − ⟨Ḡ, W/σ⟩ v uᵀ) / σ
        }
        return inputGradient
    }

    static func normalize(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var sum: Float = 0
        for i in 0..<count { sum += x[i] * x[i] }
        let inverse = 1 / max(sum.squareRoot(), 1e-12)
        for i in 0..<count { x[i] *= inverse }
    }
}

public extension Sequential {
    /// Wraps every Linear layer inside in `SpectralNormalization` (u drawn from `rng`, layer by
    /// layer): a critic kept 1-Lipschitz layer by layer (chapter 7, appendix C's `--spectral-norm`).
    func normalizeSpectrally(rng: RandomGenerator) {
        replaceLayers { layer in (layer as? Linear).map { SpectralNormalization($0, rng: rng) } ?? layer }
    }
}
