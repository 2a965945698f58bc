/// Checking backpropagation numerically.
///
/// A derivative is a limit: dL/dx ~ (L(x + eps) - L(x - eps)) / (2 eps), the central difference.
/// Nudge each value of a tensor both ways, re-run the forward pass, and compare the slope with the
/// gradient backward computed. It is slow (two forward passes per value) but needs no calculus,
/// so it catches any backward that does not match its forward. Write a layer, check it.

/// The comparison for one tensor: its worst element and whether the check passed.
public struct GradientCheckResult: CustomStringConvertible, Sendable {
    public let name: String
    public let count: Int
    public let worstIndex: Int
    public let analytic: Float
    public let numeric: Float
    /// |analytic - numeric| / max(|analytic|, |numeric|) at the worst element.
    public let relativeError: Float
    public let passed: Bool

    public var description: String {
        let verdict = passed ? "ok" : "MISMATCH"
        return "\(name) [\(count) values] \(verdict): worst element \(worstIndex): backward \(analytic), "
            + "numeric \(numeric), relative error \(relativeError)"
    }
}

/// The tolerance: |analytic - numeric| <= absolute + relative * |numeric| for every element.
public struct GradientTolerance: Sendable {
    public var absolute: Float
    public var relative: Float
    public init(absolute: Float = 1e-3, relative: Float = 1e-2) {
        self.absolute = absolute
        self.relative = relative
    }
}

/// Compares analytic gradients with central differences.
/// - tensors: each tensor to nudge, named, with the gradient backward computed for it at the
///   current values.
/// - loss: recomputes the scalar loss from the current values (forward pass only).
public func checkGradients(_ tensors: [(name: String, value: Tensor, gradient: Tensor)],
                           epsilon: Float = 1e-3, tolerance: GradientTolerance = GradientTolerance(),
                           loss: () -> Double) -> [GradientCheckResult] {
    tensors.map { name, value, gradient in
        precondition(
            value.count == gradient.count, "\(name): gradient has \(gradient.count) values, tensor \(value.count)")
        var worst = (index: 0, excess: -Float.infinity, analytic: Float(0), numeric: Float(0))
        for i in 0..<value.count {
            let original = value[i]
            value[i] = original + epsilon
            let plus = loss()
            value[i] = original - epsilon
            let minus = loss()
            value[i] = original
            let numeric = Float((plus - minus) / (2 * Double(epsilon)))
            let analytic = gradient[i]
            // How far past the allowed error this element is (<= 0 means within tolerance).
            let excess = abs(analytic - numeric) - (tolerance.absolute + tolerance.relative * abs(numeric))
            if excess > worst.excess { worst = (i, excess, analytic, numeric) }
        }
        let scale = max(abs(worst.analytic), abs(worst.numeric), Float.leastNormalMagnitude)
        return GradientCheckResult(name: name, count: value.count, worstIndex: worst.index,
                                   analytic: worst.analytic, numeric: worst.numeric,
                                   relativeError: abs(worst.analytic - worst.numeric) / scale,
                                   passed: worst.excess <= 0)
    }
}

/// Checks a layer's backward against its forward, for its input and every parameter.
///
/// The loss is a fixed random projection of the output, L = sum(y * r), so dL/dy = r exercises
/// every output. `beforeForward` runs before every forward pass; a dropout check uses it to replay
/// the same random mask each time.
public func checkLayerGradients(_ layer: Layer, input: Tensor, rng: RandomGenerator,
                                epsilon: Float = 1e-3, tolerance: GradientTolerance = GradientTolerance(),
                                beforeForward: () -> Void = {}) -> [GradientCheckResult] {
    beforeForward()
    let output = layer.forward(input)
    let projection = Tensor(shape: output.shape)
    projection.fillUniform(using: rng, low: -1, high: 1)
    layer.parameters.forEach { $0.gradient.fill(0) }
    let inputGradient = Tensor(copying: layer.backward(projection))
    func loss() -> Double {
        beforeForward()
        let y = layer.forward(input)
        var sum = 0.0
        for i in 0..<y.count { sum += Double(y[i]) * Double(projection[i]) }
        return sum
    }
    var tensors: [(name: String, value: Tensor, gradient: Tensor)] = [("input", input, inputGradient)]
    for (index, parameter) in layer.parameters.enumerated() {
        tensors.append(("parameter \(index) (\(parameter.name))", parameter.value, parameter.gradient))
    }
    return checkGradients(tensors, epsilon: epsilon, tolerance: tolerance, loss: loss)
}
