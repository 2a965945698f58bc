// A border of zeros around each image, for the kernels that read windows past the edge as they are.

/// x with its border of zeros, [B, C, H + 2·pad, W + 2·pad], into `padded` (reshaped to fit), or
/// nil when the kernels read the images as they are (no padding, or a border they skip). A layer
/// whose forward and backward passes read the same images (a convolution's x, a transposed
/// convolution's dy) copies them once and hands them to both kernels as `paddedInput`: one pass
/// over the batch fewer.
public func padImages(_ x: UnsafePointer<Float>, _ g: ConvolutionGeometry, into padded: Tensor) -> UnsafePointer<Float>?
{
    if g.padding == 0 || skipsBorder(g) { return nil }
    padded.reshape(to: [g.batch, g.channels, g.height + 2 * g.padding, g.width + 2 * g.padding])
    addBorder(x, planes: g.batch * g.channels, height: g.height, width: g.width,
              top: g.padding, bottom: g.padding, left: g.padding, right: g.padding, into: padded.data)
    return UnsafePointer(padded.data)
}

/// The images with their border of zeros, in scratch memory (or x itself when there is no padding).
func paddedImages(_ x: UnsafePointer<Float>, _ g: ConvolutionGeometry, _ scratch: Scratch) -> UnsafePointer<Float> {
    if g.padding == 0 { return x }
    let padded = scratch.buffer(
        .paddedImages, count: g.batch * g.channels * (g.height + 2 * g.padding) * (g.width + 2 * g.padding))
    addBorder(
        x, planes: g.batch * g.channels, height: g.height, width: g.width,
        top: g.padding, bottom: g.padding, left: g.padding, right: g.padding, into: padded)
    return UnsafePointer(padded)
}

/// Copies `planes` images of height x width into larger ones with a border of zeros: `top` rows
/// above, `bottom` below, `left` and `right` columns beside.
func addBorder(
    _ x: UnsafePointer<Float>, planes: Int, height: Int, width: Int, top: Int, bottom: Int, left: Int, right: Int,
    into padded: UnsafeMutablePointer<Float>
) {
    let paddedWidth = left + width + right, paddedPlane = (top + height + bottom) * paddedWidth
    Parallel.forEachRange(planes, unit: 1, work: planes * paddedPlane) { range in
        for plane in range {
            let source = x + plane * height * width, target = padded + plane * paddedPlane
            target.update(repeating: 0, count: top * paddedWidth)
            for h in 0..<height {   // rows of a few dozen pixels: copied in place, not by library calls
                let line = target + (top + h) * paddedWidth, from = source + h * width, to = line + left
                for i in 0..<left { line[i] = 0 }
                var i = 0
                while i + 16 <= width { store16(load16(from + i), to + i); i += 16 }
                while i < width { to[i] = from[i]; i += 1 }
                for i in 0..<right { to[width + i] = 0 }
            }
            (target + (top + height) * paddedWidth).update(repeating: 0, count: bottom * paddedWidth)
        }
    }
}
