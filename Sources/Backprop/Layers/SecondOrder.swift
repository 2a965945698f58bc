/// The backward pass, differentiated once more: what the gradient penalty of a Wasserstein critic
/// needs (chapter 7). The penalty is a function of the input gradient g = dD/dx̂, and g is what
/// the backward pass computes; training the critic on the penalty needs the penalty's gradient with
/// respect to the weights *through* that backward pass: double backpropagation.
///
/// Seen from the penalty, each layer's backward pass is a function dx = B(dy; θ) (for the layers a
/// critic uses, B does not depend on x: Linear's is dy · Wᵀ, LeakyReLU's multiplies by a mask
/// that is constant almost everywhere). Given d̄x, the penalty's gradient with respect to the dx
/// this layer's backward returned, the layer returns d̄y = (∂B/∂dy)ᵀ d̄x, the penalty's gradient
/// with respect to the dy it received, and adds (∂B/∂θ)ᵀ d̄x into its parameters' gradients.
/// Since B is linear in dy, d̄y is the layer's derivative applied *forwards* to d̄x: the second
/// pass runs through the network in the forward order, from the input to the score.
public protocol TwiceDifferentiable: Layer {
    /// Call after `forward` and `backward` (whose dy the layer keeps): d̄x in, d̄y out.
    func backwardOfBackward(_ inputGradientGradient: Tensor) -> Tensor
}

extension Sequential: TwiceDifferentiable {
    /// Every layer's second pass, in the forward order (every layer must be TwiceDifferentiable).
    public func backwardOfBackward(_ inputGradientGradient: Tensor) -> Tensor {
        var gradient = inputGradientGradient
        for layer in layers {
            guard let layer = layer as? TwiceDifferentiable else {
                preconditionFailure("\(type(of: layer)) cannot be differentiated twice: a critic with a gradient "
                                    + "penalty is made of Linear, (Leaky)ReLU, convolutions and reshapes")
            }
            gradient = layer.backwardOfBackward(gradient)
        }
        return gradient
    }
}

extension Linear: TwiceDifferentiable {
    /// backward was dx = dy · Wᵀ, so:
    ///     d̄x: [B, In]   dy: [B, Out] (kept by backward)
    ///     d̄y  = d̄x · W          [B, Out]   (the forward product, without the bias)
    ///     W̄  += d̄xᵀ · dy        [In, Out]  (dx[b, i] = Σ_o dy[b, o] W[i, o]: W[i, o] meets d̄x[b, i] and dy[b, o])
    ///     b̄  += 0                (the bias is not in the backward pass)
    public func backwardOfBackward(_ dxBar: Tensor) -> Tensor {
        guard let dy = lastOutputGradient else { preconditionFailure("Linear.backwardOfBackward before backward") }
        let batch = dy.rows
        precondition(dxBar.shape == [batch, inputSize], "Linear.backwardOfBackward: d̄x has shape \(dxBar.shape)")
        if !weight.isFrozen {
            matmulBackwardWeights(weight.gradient.data, dxBar.data, dy.data, m: batch, k: inputSize, n: outputSize)
        }
        outputGradientGradient.reshape(to: [batch, outputSize])
        matmulForward(outputGradientGradient.data, dxBar.data, weight.value.data, nil, m: batch, k: inputSize, n: outputSize)
        return outputGradientGradient
    }
}

extension LeakyReLU: TwiceDifferentiable {
    /// backward was dx = dy ⊙ m, with m = 1 where y > 0 and the slope elsewhere; m does not move
    /// when the weights move a little (except exactly at 0), so d̄y = d̄x ⊙ m, the same mask.
    public func backwardOfBackward(_ dxBar: Tensor) -> Tensor { backward(dxBar) }
}

extension ReLU: TwiceDifferentiable {
    /// The same argument with a slope of 0 (appendix C's critic on points).
    public func backwardOfBackward(_ dxBar: Tensor) -> Tensor { backward(dxBar) }
}

extension Conv2d: TwiceDifferentiable {
    /// backward was dx = col2im(Wᵀ · dy), linear in dy and in W, so (a DCGAN critic's layers):
    ///     d̄x: [B, C, H, W]   dy: [B, O, Ho, Wo] (kept by backward)
    ///     d̄y  = W · im2col(d̄x)          [B, O, Ho, Wo]   the convolution of d̄x, without the bias
    ///     W̄  += dy · im2col(d̄x)ᵀ        [O, C·k·k]       the weight gradient, with d̄x as the input
    /// (W[o, c, p, q] carries dy[b, o, i, j] to dx[b, c, i·s + p − pad, j·s + q − pad], where it meets d̄x.)
    public func backwardOfBackward(_ dxBar: Tensor) -> Tensor {
        guard let dy = lastOutputGradient, let g = lastGeometry else {
            preconditionFailure("Conv2d.backwardOfBackward before backward")
        }
        precondition(dxBar.shape == [g.batch, inChannels, g.height, g.width], "Conv2d.backwardOfBackward: d̄x \(dxBar.shape)")
        let padded = padImages(dxBar.data, g, into: paddingBuffer)
        if !weight.isFrozen {
            convolutionWeightGradient(weight.gradient.data, dxBar.data, dy.data, g, outChannels: outChannels,
                                      paddedInput: padded)
        }
        outputGradientGradient.reshape(to: [g.batch, outChannels, g.outHeight, g.outWidth])
        convolutionForward(outputGradientGradient.data, weight.value.data, dxBar.data, g, outChannels: outChannels,
                           paddedInput: padded)
        return outputGradientGradient
    }
}

extension Reshape: TwiceDifferentiable {
    /// backward copied dy into x's shape; the second pass copies d̄x into y's: the forward pass.
    public func backwardOfBackward(_ dxBar: Tensor) -> Tensor { forward(dxBar) }
}
