/// A 2-D convolution: the same small Linear layer applied to every k x k patch of the image, at
/// every `stride`-th position. What a perceptron must learn for every pixel separately, a
/// convolution learns once and reuses everywhere (its weights are shared across positions).
///
///     x: [B, C, H, W]   W: [O, C·k·k]   b: [O]   y: [B, O, Ho, Wo],  Ho = (H + 2·pad − k) / stride + 1
///     forward:   P = im2col(x): [C·k·k, B·Ho·Wo]   every patch a column (zeros in the padding)
///                y = W · P + b, as [B, O, Ho, Wo]
///     backward:  dW += dy · Pᵀ                     (each weight: the pixels it saw times the gradients they caused)
///                db += dy summed over the batch and the positions
///                dP  = Wᵀ · dy, then dx = col2im(dP)   (each pixel: the gradients of every window that saw it)
///
/// The weight is PyTorch's `nn.Conv2d` weight [O, C, k, k], each output channel's window in a
/// row. The formulas above are the definition (Kernels/Im2col.swift, and the naive loop beside each
/// fast kernel); the fast kernels (Kernels/Convolution*.swift) compute the same sums without
/// writing P out, reading each window where it lies in x. The forward pass copies x once with its
/// border of zeros and keeps the copy, where the weight gradient reads the same windows again.
/// Without padding it reads x itself, which must then not change between forward and backward,
/// as for a Linear layer.
public final class Conv2d: Layer {
    public let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int
    public let weight: Parameter    // [O, C·k·k]
    public let bias: Parameter?     // [O]
    /// False when the input is data: dx is then not computed.
    public var needsInputGradient = true

    private var input: Tensor?, geometry: ConvolutionGeometry?
    private let output = Tensor(shape: [0])
    private let inputGradient = Tensor(shape: [0])
    private let paddedInput = Tensor(shape: [0])   // x with its border of zeros, from forward to backward
    private var readsPaddedInput = false            // whether the kernels read paddedInput (see `padImages`)
    /// dy of the last backward, and the second pass's output (Layers/SecondOrder.swift).
    private(set) var lastOutputGradient: Tensor?
    let outputGradientGradient = Tensor(shape: [0])
    var lastGeometry: ConvolutionGeometry? { geometry }
    /// The padded copy's buffer, free again after backward: the second pass pads d̄x into it.
    var paddingBuffer: Tensor { paddedInput }

    /// PyTorch's default initialisation bounds both by 1/sqrt(C·k·k); DCGAN uses `.normal(std: 0.02)`.
    public init(
        _ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, bias: Bool = true,
        initializer: Initializer = .pytorchDefault, rng: RandomGenerator
    ) {
        precondition(
            inChannels > 0 && outChannels > 0 && kernel > 0 && stride > 0 && padding >= 0, "Conv2d: impossible sizes")
        (self.inChannels, self.outChannels, self.kernel, self.stride, self.padding) = (
            inChannels, outChannels, kernel, stride, padding
        )
        weight = Parameter("weight", shape: [outChannels, inChannels * kernel * kernel])
        self.bias = bias ? Parameter("bias", shape: [outChannels]) : nil
        initializer.initialize(
            weight: weight.value, bias: self.bias?.value ?? Tensor(shape: [0]), fanIn: inChannels * kernel * kernel,
            using: rng)
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public func forward(_ x: Tensor) -> Tensor {
        precondition(
            x.shape.count == 4 && x.shape[1] == inChannels,
            "Conv2d(\(inChannels), \(outChannels)) got input of shape \(x.shape)")
        let g = ConvolutionGeometry(
            batch: x.shape[0], channels: inChannels, height: x.shape[2], width: x.shape[3],
            kernel: kernel, stride: stride, padding: padding)
        precondition(g.isValid, "Conv2d: a \(kernel)x\(kernel) window does not fit \(g)")
        (input, geometry) = (x, g)
        let positions = g.outHeight * g.outWidth
        output.reshape(to: [g.batch, outChannels, g.outHeight, g.outWidth])
        let images = padImages(x.data, g, into: paddedInput)
        readsPaddedInput = images != nil
        // W · P, the windows read in place
        convolutionForward(output.data, weight.value.data, x.data, g, outChannels: outChannels, paddedInput: images)
        if let bias {
            addToChannels(output.data, bias.value.data, batch: g.batch, channels: outChannels, plane: positions)
        }
        return output
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard let x = input, let g = geometry else { preconditionFailure("Conv2d.backward called before forward") }
        lastOutputGradient = dy
        precondition(
            dy.shape == [g.batch, outChannels, g.outHeight, g.outWidth],
            "Conv2d.backward: dy has shape \(dy.shape), expected \(output.shape)")
        let positions = g.outHeight * g.outWidth
        if !weight.isFrozen {                                                               // dW += dy · Pᵀ
            convolutionWeightGradient(weight.gradient.data, x.data, dy.data, g, outChannels: outChannels,
                                      paddedInput: readsPaddedInput ? UnsafePointer(paddedInput.data) : nil)
        }
        if let bias, !bias.isFrozen {
            addChannelSums(of: dy.data, batch: g.batch, channels: outChannels, plane: positions, to: bias.gradient.data)
        }
        inputGradient.reshape(to: x.shape)
        if needsInputGradient {                                                             // dx = col2im(Wᵀ · dy)
            convolutionInputGradient(inputGradient.data, dy.data, weight.value.data, g, outChannels: outChannels)
        }
        return inputGradient
    }
}

/// A transposed convolution: a convolution's input gradient, used as a forward pass. Where a
/// stride-2 convolution turns 2n pixels into n, its transpose turns n into 2n: DCGAN's generator
/// grows its images with it. It is the `Conv2d` from O channels to C read backwards, so its
/// forward is that layer's backward pass, and its backward is that layer's forward.
///
///     x: [B, C, H, W]   W: [C, O·k·k]   b: [O]   y: [B, O, Ho, Wo],  Ho = (H − 1)·stride − 2·pad + k
///     forward:   dP = Wᵀ · x (as [C, B·H·W]): [O·k·k, B·H·W]     each input pixel paints a k x k patch
///                y  = col2im(dP) + b                              overlapping patches add up
///     backward:  P = im2col(dy): [O·k·k, B·H·W]
///                dW += x · Pᵀ,   db += dy summed,   dx = W · P (as [B, C, H, W])
///
/// The weight is PyTorch's `nn.ConvTranspose2d` weight [C, O, k, k]. The kernels are Conv2d's,
/// called the other way round; the weight gradient reads x again in the backward pass.
public final class ConvTranspose2d: Layer {
    public let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int
    public let weight: Parameter    // [C, O·k·k]
    public let bias: Parameter?     // [O]
    public var needsInputGradient = true

    /// The convolution this layer transposes (from the output's O channels back to C), for its geometry.
    private var geometry: ConvolutionGeometry?, inputShape: [Int] = [], input: Tensor?
    private let output = Tensor(shape: [0])
    private let inputGradient = Tensor(shape: [0])
    private let paddedGradient = Tensor(shape: [0])   // dy with its border of zeros, read by both kernels of backward

    /// PyTorch initialises a transposed convolution by the fan-in of the weight's second axis, O·k·k.
    public init(
        _ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, bias: Bool = true,
        initializer: Initializer = .pytorchDefault, rng: RandomGenerator
    ) {
        precondition(
            inChannels > 0 && outChannels > 0 && kernel > 0 && stride > 0 && padding >= 0,
            "ConvTranspose2d: impossible sizes")
        (self.inChannels, self.outChannels, self.kernel, self.stride, self.padding) = (
            inChannels, outChannels, kernel, stride, padding
        )
        weight = Parameter("weight", shape: [inChannels, outChannels * kernel * kernel])
        self.bias = bias ? Parameter("bias", shape: [outChannels]) : nil
        initializer.initialize(
            weight: weight.value, bias: self.bias?.value ?? Tensor(shape: [0]), fanIn: outChannels * kernel * kernel,
            using: rng)
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public func forward(_ x: Tensor) -> Tensor {
        precondition(
            x.shape.count == 4 && x.shape[1] == inChannels,
            "ConvTranspose2d(\(inChannels), \(outChannels)) got input of shape \(x.shape)")
        let (b, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        let g = ConvolutionGeometry(
            batch: b, channels: outChannels, height: (h - 1) * stride - 2 * padding + kernel,
            width: (w - 1) * stride - 2 * padding + kernel, kernel: kernel, stride: stride, padding: padding)
        precondition(
            g.height > 0 && g.width > 0 && g.isValid && g.outHeight == h && g.outWidth == w,
            "ConvTranspose2d: an input of \(x.shape) gives no image with kernel \(kernel), stride \(stride), padding "
                + "\(padding)"
        )
        (geometry, inputShape, input) = (g, x.shape, x)
        output.reshape(to: [b, outChannels, g.height, g.width])                             // y = col2im(Wᵀ · x)
        convolutionInputGradient(output.data, x.data, weight.value.data, g, outChannels: inChannels)
        if let bias {
            addToChannels(output.data, bias.value.data, batch: b, channels: outChannels, plane: g.height * g.width)
        }
        return output
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard let g = geometry, let x = input else {
            preconditionFailure("ConvTranspose2d.backward called before forward")
        }
        precondition(
            dy.shape == output.shape, "ConvTranspose2d.backward: dy has shape \(dy.shape), expected \(output.shape)")
        let images = !weight.isFrozen || needsInputGradient ? padImages(dy.data, g, into: paddedGradient) : nil
        if !weight.isFrozen {  // dW += x · Pᵀ
            convolutionWeightGradient(
                // P = im2col(dy), read in place
                weight.gradient.data, dy.data, x.data, g, outChannels: inChannels, paddedInput: images)
        }
        if let bias, !bias.isFrozen {
            addChannelSums(
                of: dy.data, batch: g.batch, channels: outChannels, plane: g.height * g.width, to: bias.gradient.data)
        }
        inputGradient.reshape(to: inputShape)
        if needsInputGradient {  // dx = W · P, the windows of dy read in place
            convolutionForward(
                inputGradient.data, weight.value.data, dy.data, g, outChannels: inChannels, paddedInput: images)
        }
        return inputGradient
    }
}

/// y[b, c, ·] += values[c]: a per-channel constant added to every position.
func addToChannels(
    _ y: UnsafeMutablePointer<Float>, _ values: UnsafePointer<Float>, batch: Int, channels: Int, plane: Int
) {
    for b in 0..<batch {
        for c in 0..<channels {
            let row = y + (b * channels + c) * plane, value = values[c]
            for i in 0..<plane { row[i] += value }
        }
    }
}

/// sums[c] += every value of channel c, over the batch and the positions, in that order.
func addChannelSums(
    of values: UnsafePointer<Float>, batch: Int, channels: Int, plane: Int, to sums: UnsafeMutablePointer<Float>
) {
    for c in 0..<channels {
        var sum = sums[c]
        for b in 0..<batch {
            let row = values + (b * channels + c) * plane
            for i in 0..<plane { sum += row[i] }
        }
        sums[c] = sum
    }
}
