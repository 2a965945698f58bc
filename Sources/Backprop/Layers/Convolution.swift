/// A 2-D convolution: the same small Linear layer applied to every k x k patch of the image, at
/// every `stride`-th position. What a perceptron must learn for every pixel separately, a
/// convolution learns once and reuses everywhere (its weights are shared across positions).
///
///     x: [B, C, H, W]   W: [C·k·k, O]   b: [O]   y: [B, O, Ho, Wo],  Ho = (H + 2·pad − k) / stride + 1
///     forward:   R = im2row(x): [B·Ho·Wo, C·k·k]    every patch a row (zeros in the padding)
///                y = R · W + b, as [B, O, Ho, Wo]  (a Linear layer on the patches)
///     backward:  dW += Rᵀ · dy                     (each weight: the pixels it saw times the gradients they caused)
///                db += dy summed over the batch and the positions
///                dR  = dy · Wᵀ, then dx = row2im(dR)   (each pixel: the gradients of every window that saw it)
///
/// The weight is stored patch-major, [C·k·k, O], a Linear layer's [In, Out]; PyTorch's
/// `nn.Conv2d` keeps the same numbers as [O, C, k, k]. The kernels are in Kernels/Patches.swift,
/// the naive loops beside them.
public final class Conv2d: Layer {
    public let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int
    public let weight: Parameter    // [C·k·k, O]
    public let bias: Parameter?     // [O]
    /// False when the input is data: dx is then not computed.
    public var needsInputGradient = true

    private var input: Tensor?, geometry: ConvolutionGeometry?
    private let patches = Tensor(shape: [0]), outputRows = Tensor(shape: [0]), output = Tensor(shape: [0])
    private let gradientRows = Tensor(shape: [0]), patchGradient = Tensor(shape: [0]), inputGradient = Tensor(shape: [0])

    /// PyTorch's default initialisation bounds both by 1/sqrt(C·k·k); DCGAN uses `.normal(std: 0.02)`.
    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, bias: Bool = true,
                initializer: Initializer = .pytorchDefault, rng: RandomGenerator) {
        precondition(inChannels > 0 && outChannels > 0 && kernel > 0 && stride > 0 && padding >= 0, "Conv2d: impossible sizes")
        (self.inChannels, self.outChannels, self.kernel, self.stride, self.padding) = (inChannels, outChannels, kernel, stride, padding)
        weight = Parameter("weight", shape: [inChannels * kernel * kernel, outChannels])
        self.bias = bias ? Parameter("bias", shape: [outChannels]) : nil
        initializer.initialize(weight: weight.value, bias: self.bias?.value ?? Tensor(shape: [0]), fanIn: inChannels * kernel * kernel, using: rng)
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.shape.count == 4 && x.shape[1] == inChannels, "Conv2d(\(inChannels), \(outChannels)) got input of shape \(x.shape)")
        let g = ConvolutionGeometry(batch: x.shape[0], channels: inChannels, height: x.shape[2], width: x.shape[3],
                                    kernel: kernel, stride: stride, padding: padding)
        precondition(g.isValid, "Conv2d: a \(kernel)x\(kernel) window does not fit \(g)")
        (input, geometry) = (x, g)
        patches.reshape(to: [g.rows, g.patch])
        im2row(patches.data, x.data, g)                                                     // R: [B·Ho·Wo, C·k·k]
        outputRows.reshape(to: [g.rows, outChannels])
        matmulForward(outputRows.data, patches.data, weight.value.data, bias?.value.data, m: g.rows, k: g.patch, n: outChannels)
        output.reshape(to: [g.batch, outChannels, g.outHeight, g.outWidth])                 // [B, Ho·Wo, O] -> [B, O, Ho·Wo]
        transposeEach(outputRows.data, into: output.data, batch: g.batch, rows: g.outHeight * g.outWidth, columns: outChannels)
        return output
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard let x = input, let g = geometry else { preconditionFailure("Conv2d.backward called before forward") }
        precondition(dy.shape == [g.batch, outChannels, g.outHeight, g.outWidth], "Conv2d.backward: dy has shape \(dy.shape), expected \(output.shape)")
        gradientRows.reshape(to: [g.rows, outChannels])                                     // [B, O, Ho·Wo] -> [B·Ho·Wo, O]
        transposeEach(dy.data, into: gradientRows.data, batch: g.batch, rows: outChannels, columns: g.outHeight * g.outWidth)
        if !weight.isFrozen {
            matmulBackwardWeights(weight.gradient.data, patches.data, gradientRows.data, m: g.rows, k: g.patch, n: outChannels)
        }
        if let bias, !bias.isFrozen { addColumnSums(of: gradientRows.data, rows: g.rows, columns: outChannels, to: bias.gradient.data) }
        inputGradient.reshape(to: x.shape)
        if needsInputGradient {
            patchGradient.reshape(to: [g.rows, g.patch])
            matmulBackwardInput(patchGradient.data, gradientRows.data, weight.value.data, m: g.rows, k: g.patch, n: outChannels)   // dR = dy · Wᵀ
            row2im(inputGradient.data, patchGradient.data, g)
        }
        return inputGradient
    }
}

/// A transposed convolution: a convolution's input gradient, used as a forward pass. Where a
/// stride-2 convolution turns 2n pixels into n, its transpose turns n into 2n: DCGAN's generator
/// grows its images with it. It is the `Conv2d` from O channels to C read backwards, so its code
/// is that layer's backward pass, and its backward is that layer's forward.
///
///     x: [B, C, H, W]   W: [O·k·k, C]   b: [O]   y: [B, O, Ho, Wo],  Ho = (H − 1)·stride − 2·pad + k
///     forward:   dR = x (as rows [B·H·W, C]) · Wᵀ: [B·H·W, O·k·k]    each input pixel paints a k x k patch
///                y  = row2im(dR) + b                                  overlapping patches add up
///     backward:  R = im2row(dy): [B·H·W, O·k·k]
///                dW += Rᵀ · x (as rows),   db += dy summed,   dx = R · W (as [B, C, H, W])
///
/// PyTorch's `nn.ConvTranspose2d` keeps the same numbers as [C, O, k, k].
public final class ConvTranspose2d: Layer {
    public let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int
    public let weight: Parameter    // [O·k·k, C]
    public let bias: Parameter?     // [O]
    public var needsInputGradient = true

    /// The convolution this layer transposes (from the output's O channels back to C), for its geometry.
    private var geometry: ConvolutionGeometry?, inputShape: [Int] = []
    private let inputRows = Tensor(shape: [0]), patchValues = Tensor(shape: [0]), output = Tensor(shape: [0])
    private let patches = Tensor(shape: [0]), inputGradientRows = Tensor(shape: [0]), inputGradient = Tensor(shape: [0])

    /// PyTorch initialises a transposed convolution by the fan-in of the weight's second axis, O·k·k.
    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, bias: Bool = true,
                initializer: Initializer = .pytorchDefault, rng: RandomGenerator) {
        precondition(inChannels > 0 && outChannels > 0 && kernel > 0 && stride > 0 && padding >= 0, "ConvTranspose2d: impossible sizes")
        (self.inChannels, self.outChannels, self.kernel, self.stride, self.padding) = (inChannels, outChannels, kernel, stride, padding)
        weight = Parameter("weight", shape: [outChannels * kernel * kernel, inChannels])
        self.bias = bias ? Parameter("bias", shape: [outChannels]) : nil
        initializer.initialize(weight: weight.value, bias: self.bias?.value ?? Tensor(shape: [0]), fanIn: outChannels * kernel * kernel, using: rng)
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.shape.count == 4 && x.shape[1] == inChannels, "ConvTranspose2d(\(inChannels), \(outChannels)) got input of shape \(x.shape)")
        let (b, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        let g = ConvolutionGeometry(batch: b, channels: outChannels, height: (h - 1) * stride - 2 * padding + kernel,
                                    width: (w - 1) * stride - 2 * padding + kernel, kernel: kernel, stride: stride, padding: padding)
        precondition(g.height > 0 && g.width > 0 && g.isValid && g.outHeight == h && g.outWidth == w,
                     "ConvTranspose2d: an input of \(x.shape) gives no image with kernel \(kernel), stride \(stride), padding \(padding)")
        (geometry, inputShape) = (g, x.shape)
        inputRows.reshape(to: [b * h * w, inChannels])                                      // [B, C, H·W] -> [B·H·W, C]
        transposeEach(x.data, into: inputRows.data, batch: b, rows: inChannels, columns: h * w)
        patchValues.reshape(to: [g.rows, g.patch])                                          // dR = x · Wᵀ: [B·H·W, O·k·k]
        matmulBackwardInput(patchValues.data, inputRows.data, weight.value.data, m: g.rows, k: g.patch, n: inChannels)
        output.reshape(to: [b, outChannels, g.height, g.width])
        row2im(output.data, patchValues.data, g)
        if let bias { addToChannels(output.data, bias.value.data, batch: b, channels: outChannels, plane: g.height * g.width) }
        return output
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard let g = geometry else { preconditionFailure("ConvTranspose2d.backward called before forward") }
        precondition(dy.shape == output.shape, "ConvTranspose2d.backward: dy has shape \(dy.shape), expected \(output.shape)")
        patches.reshape(to: [g.rows, g.patch])
        im2row(patches.data, dy.data, g)                                                    // R = im2row(dy): [B·H·W, O·k·k]
        if !weight.isFrozen {
            matmulBackwardWeights(weight.gradient.data, patches.data, inputRows.data, m: g.rows, k: g.patch, n: inChannels)
        }
        if let bias, !bias.isFrozen { addChannelSums(of: dy.data, batch: g.batch, channels: outChannels, plane: g.height * g.width, to: bias.gradient.data) }
        inputGradient.reshape(to: inputShape)
        if needsInputGradient {
            inputGradientRows.reshape(to: [g.rows, inChannels])
            matmulForward(inputGradientRows.data, patches.data, weight.value.data, nil, m: g.rows, k: g.patch, n: inChannels)   // R · W
            transposeEach(inputGradientRows.data, into: inputGradient.data, batch: g.batch, rows: g.outHeight * g.outWidth, columns: inChannels)
        }
        return inputGradient
    }
}

/// y[b, c, ·] += values[c]: a per-channel constant added to every position.
func addToChannels(_ y: UnsafeMutablePointer<Float>, _ values: UnsafePointer<Float>, batch: Int, channels: Int, plane: Int) {
    for b in 0..<batch {
        for c in 0..<channels {
            let row = y + (b * channels + c) * plane, value = values[c]
            for i in 0..<plane { row[i] += value }
        }
    }
}

/// sums[c] += every value of channel c, over the batch and the positions, in that order.
func addChannelSums(of values: UnsafePointer<Float>, batch: Int, channels: Int, plane: Int, to sums: UnsafeMutablePointer<Float>) {
    for c in 0..<channels {
        var sum = sums[c]
        for b in 0..<batch {
            let row = values + (b * channels + c) * plane
            for i in 0..<plane { sum += row[i] }
        }
        sums[c] = sum
    }
}
