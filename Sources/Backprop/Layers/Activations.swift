import Foundation

// Activation functions act on each value alone:
//     x: [B, N]   y: [B, N]   y = f(x)   dx = dy * f'(x)
// Each one remembers its *output*: f'(x) is easy to write in terms of y for all of them.

/// Runs `body` over `0..<count` split across the cores when the values are many or dear (an
/// exponential costs about as much as 16 multiply-adds; a comparison, 1). Each value is computed
/// alone, so the split changes no result.
@inline(__always) func forEachValue(_ count: Int, cost: Int, _ body: (Range<Int>) -> Void) {
    Parallel.forEachRange(count, unit: 256, work: count * cost, body)
}

/// y = max(0, x). The gradient passes where the unit was active and stops where it was not.
public final class ReLU: Layer {
    private let output = Tensor(shape: [0]), inputGradient = Tensor(shape: [0])
    public init() {}

    public func forward(_ x: Tensor) -> Tensor {
        output.reshape(to: x.shape)
        let xs = x.data, ys = output.data
        forEachValue(x.count, cost: 1) { range in for i in range { ys[i] = max(xs[i], 0) } }
        return output
    }

    public func backward(_ dy: Tensor) -> Tensor {
        inputGradient.reshape(to: dy.shape)
        let ys = output.data, dys = dy.data, dxs = inputGradient.data
        forEachValue(dy.count, cost: 1) { range in for i in range { dxs[i] = ys[i] > 0 ? dys[i] : 0 } }
        return inputGradient
    }
}

/// y = x for x > 0, slope * x otherwise: a small gradient flows even through inactive units,
/// which helps GAN generators and discriminators keep learning.
public final class LeakyReLU: Layer {
    public let slope: Float
    private let output = Tensor(shape: [0]), inputGradient = Tensor(shape: [0])
    public init(slope: Float = 0.01) {
        precondition(slope >= 0, "LeakyReLU's slope must not be negative (the backward pass reads the sign of y)")
        self.slope = slope
    }

    public func forward(_ x: Tensor) -> Tensor {
        output.reshape(to: x.shape)
        let xs = x.data, ys = output.data, a = slope
        forEachValue(x.count, cost: 1) { range in for i in range { ys[i] = xs[i] > 0 ? xs[i] : a * xs[i] } }
        return output
    }

    public func backward(_ dy: Tensor) -> Tensor {
        inputGradient.reshape(to: dy.shape)
        let ys = output.data, dys = dy.data, dxs = inputGradient.data, a = slope
        forEachValue(dy.count, cost: 1) { range in for i in range { dxs[i] = ys[i] > 0 ? dys[i] : a * dys[i] } }
        return inputGradient
    }
}

/// y = 1 / (1 + e^-x), a value in (0, 1); dy/dx = y (1 - y).
public final class Sigmoid: Layer {
    private let output = Tensor(shape: [0]), inputGradient = Tensor(shape: [0])
    public init() {}

    public func forward(_ x: Tensor) -> Tensor {
        output.reshape(to: x.shape)
        let xs = x.data, ys = output.data
        forEachValue(x.count, cost: 16) { range in for i in range { ys[i] = sigmoid(xs[i]) } }
        return output
    }

    public func backward(_ dy: Tensor) -> Tensor {
        inputGradient.reshape(to: dy.shape)
        let ys = output.data, dys = dy.data, dxs = inputGradient.data
        for i in 0..<dy.count { dxs[i] = dys[i] * ys[i] * (1 - ys[i]) }
        return inputGradient
    }
}

/// The logistic function, written so that e^x never overflows.
@inline(__always) public func sigmoid(_ x: Float) -> Float {
    if x >= 0 { return 1 / (1 + expf(-x)) }
    let e = expf(x)
    return e / (1 + e)
}

/// y = tanh(x), a value in (-1, 1); dy/dx = 1 - y^2. GAN generators end in tanh so their images
/// live in [-1, 1], the range the real images are scaled to.
public final class Tanh: Layer {
    private let output = Tensor(shape: [0]), inputGradient = Tensor(shape: [0])
    public init() {}

    public func forward(_ x: Tensor) -> Tensor {
        output.reshape(to: x.shape)
        let xs = x.data, ys = output.data
        forEachValue(x.count, cost: 16) { range in for i in range { ys[i] = tanhf(xs[i]) } }
        return output
    }

    public func backward(_ dy: Tensor) -> Tensor {
        inputGradient.reshape(to: dy.shape)
        let ys = output.data, dys = dy.data, dxs = inputGradient.data
        forEachValue(dy.count, cost: 1) { range in for i in range { dxs[i] = dys[i] * (1 - ys[i] * ys[i]) } }
        return inputGradient
    }
}

/// SiLU (the sigmoid-weighted linear unit, also "swish"): y = x · σ(x). Smooth where ReLU has a
/// corner, slightly negative for small negative x; diffusion U-Nets use it throughout.
///     dy/dx = σ(x) + x · σ(x) (1 − σ(x)) = σ(x) (1 + x (1 − σ(x)))
/// It remembers x (y alone does not give x back; as Linear, it keeps the input tensor, which its
/// owner leaves alone until the backward pass).
public final class SiLU: Layer {
    private let output = Tensor(shape: [0]), inputGradient = Tensor(shape: [0])
    private var input: Tensor?
    public init() {}

    // Sixteen values at a time with the vector exponential (Kernels/VectorExp.swift); a short end padded.
    // The ranges start at multiples of 256, so every value meets the same arithmetic on any thread.
    // σ(x) is not kept for backward: it is recomputed there, bit for bit the same. Storing it would
    // cost more (a write here and a read there, of the largest tensors) than the exponential does.
    @inline(__always) private func sixteenAtATime(_ count: Int, _ body: (Int, Int) -> Void) {
        forEachValue(count, cost: 2) { range in
            var i = range.lowerBound
            while i < range.upperBound { let n = min(16, range.upperBound - i); body(i, n); i += n }
        }
    }

    public func forward(_ x: Tensor) -> Tensor {
        output.reshape(to: x.shape)
        input = x
        let xs = x.data, ys = output.data
        sixteenAtATime(x.count) { i, n in
            let v = n == 16 ? load16(xs + i) : partial16(xs + i, n)
            let y = v * (1 / (1 + exp16(-v)))                             // x σ(x)
            if n == 16 { store16(y, ys + i) } else { for j in 0..<n { ys[i + j] = y[j] } }
        }
        return output
    }

    public func backward(_ dy: Tensor) -> Tensor {
        inputGradient.reshape(to: dy.shape)
        guard let x = input else { preconditionFailure("SiLU.backward before forward") }
        let xs = x.data, dys = dy.data, dxs = inputGradient.data
        sixteenAtATime(dy.count) { i, n in                                 // dx = dy σ(x) (1 + x (1 − σ(x)))
            let v = n == 16 ? load16(xs + i) : partial16(xs + i, n)
            let g = n == 16 ? load16(dys + i) : partial16(dys + i, n)
            let s = 1 / (1 + exp16(-v)), dx = g * s * (1 + v * (1 - s))
            if n == 16 { store16(dx, dxs + i) } else { for j in 0..<n { dxs[i + j] = dx[j] } }
        }
        return inputGradient
    }
}
