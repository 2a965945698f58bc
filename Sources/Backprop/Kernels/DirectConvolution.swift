// A convolution without the patch matrix.
//
// `im2col` (Patches.swift) copies every window into a column of P, four times the image for a
// 4 x 4 window moved by 2 pixels, and far larger than the caches: the copy and the reading of it
// back cost as much as the arithmetic when the layer has few output channels, because each value
// of P is then used only O times. The direct convolution reads the windows where they are.
//
// The output is cut into tiles of 8 positions x 32 output channels (6 x 16 without AVX-512):
// sixteen SIMD registers of sums. For each value (c, p, q) of the window, in order, the tile
// loads the 32 channels' weights once and, for each of its 8 positions, the one pixel that
// position sees there: the pixel at the position's window corner plus the offset of (c, p, q),
// the same offset for every position. So the kernel needs only the 8 corners and a table of
// offsets. The images are first copied with their border of zeros
// (`padding` pixels), so that no window reaches outside its image.
//
//     xp: [B, C, H + 2·pad, W + 2·pad]        the images with their zero border
//     offset[(c, p, q)] = (c·Hp + p)·Wp + q   where (c, p, q) lies from a window's corner
//     corner(b, i, j)   = xp[b, 0, i·s, j·s]
//     y[b, o, i, j]     = Σ_(c,p,q) corner(b, i, j)[offset(c, p, q)] · W[o, (c, p, q)]
//
// Every value is the FMA chain over (c, p, q) from 0, zeros of the border included, as in
// `convolutionForwardNaive` and in the patch-matrix product: bit for bit the same.
//
// A window as large as its unpadded image (DCGAN's first and last layers: z onto 4 x 4, 4 x 4
// onto one logit) has one position per image. Its patch matrix is the batch itself, each image a
// row of C·k·k values, and the three kernels are a Linear layer's matrix products (Matmul.swift),
// whose sums run in the same order. The tile would waste most of its rows and lanes on them.

/// Fast `y[b, o, i, j] = Σ_(c,p,q) x[b, c, i·s + p − pad, j·s + q − pad] · W[o, (c, p, q)]`, no bias, into
/// y as [B, O, Ho, Wo]. The same values as `convolutionForwardNaive`. Allocates nothing once its
/// scratch memory has grown; the positions are split over the cores.
public func convolutionForward(_ y: UnsafeMutablePointer<Float>, _ weight: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
                               _ g: ConvolutionGeometry, outChannels o: Int, paddedInput: UnsafePointer<Float>? = nil) {
    if g.windowIsWholeImage {   // y: [B, O] = X: [B, C·k·k] · Wᵀ, each image one row (see above)
        matmulBackwardInput(y, x, weight, m: g.batch, k: o, n: g.patch)
        return
    }
    let scratch = Scratch.forCurrentThread
    let images = paddedInput ?? paddedImages(x, g, scratch)
    let depth = g.patch, positions = g.outHeight * g.outWidth
    let offsets = windowOffsets(g, scratch)
    // The weights as Wᵀ, in panels of `lanes` output channels (zeros past the last channel).
    let wide = MatmulTile.wide, (tileRows, lanes) = DirectTile.shape(wide: wide)
    let stripes = (o + lanes - 1) / lanes
    let panels = scratch.buffer(6, count: stripes * depth * lanes)
    Parallel.forEachRange(stripes, unit: 1, work: stripes * depth * lanes) { range in
        for stripe in range {
            let panel = panels + stripe * depth * lanes, channels = min(lanes, o - stripe * lanes)
            for block in stride(from: 0, to: depth, by: 16) {   // 16 values of each row, one cache line
                let end = min(block + 16, depth)
                for lane in 0..<channels {
                    let row = weight + (stripe * lanes + lane) * depth
                    for d in block..<end { panel[d * lanes + lane] = row[d] }
                }
                for lane in channels..<lanes {
                    for d in block..<end { panel[d * lanes + lane] = 0 }
                }
            }
        }
    }
    let groupRows = tileRows * 8   // a group of tiles shares each panel while it stays in the L2 cache
    Parallel.forEachRange(g.rows, unit: tileRows, work: g.rows * o * depth) { range in
        let integers = Scratch.forCurrentThread.integers(1, count: 2 * groupRows)
        let sums = Scratch.forCurrentThread.buffer(7, count: groupRows * lanes)
        let corners = integers, targets = integers + groupRows
        for groupStart in stride(from: range.lowerBound, to: range.upperBound, by: groupRows) {
            let groupEnd = min(groupStart + groupRows, range.upperBound), count = groupEnd - groupStart
            var corner = windowCorner(groupStart, g), j = groupStart % g.outWidth
            for row in 0..<count {   // position groupStart + row = (b, i, j): its window's corner and its place in y
                let position = groupStart + row
                corners[row] = corner
                targets[row] = position / positions * o * positions + position % positions
                j += 1
                if j < g.outWidth { corner += g.stride } else { j = 0; corner = windowCorner(position + 1, g) }   // along the row, else anew
            }
            for stripe in 0..<stripes {
                let panel = panels + stripe * depth * lanes, channels = min(lanes, o - stripe * lanes)
                for first in stride(from: 0, to: count, by: tileRows) {
                    directTile(wide: wide, images, corners + first, rows: min(tileRows, count - first), offsets, depth: depth, panel,
                               sums + first * lanes, .store)
                }
                // Each channel's sums to its plane in y, position after position: the stores run
                // along a line of y instead of jumping a plane at each channel. Sixteen positions
                // side by side in y go as a 16 x 16 block turned round in registers
                // (Transpose.swift), 16 channels at a time; the rest value by value.
                let target = y + stripe * lanes * positions
                for first in stride(from: 0, to: count, by: 16) {
                    let rows = min(16, count - first)
                    var lane = 0
                    if rows == 16 && targets[first + 15] == targets[first] + 15 {
                        while lane + 16 <= channels {
                            transpose16x16(sums + first * lanes + lane, stride: lanes, into: target + lane * positions + targets[first], stride: positions)
                            lane += 16
                        }
                    }
                    for lane in lane..<channels {
                        scatter(sums + first * lanes + lane, every: lanes, count: rows, to: target + lane * positions, at: targets + first)
                    }
                }
            }
        }
    }
}

/// Fast `dW[o, (c,p,q)] += Σ_(b,i,j) x[b, c, i·s + p − pad, j·s + q − pad] · dy[b, o, i, j]`: the same
/// values as `convolutionWeightGradientNaive`. The same tile, the roles turned round: its 8 rows are
/// 8 values (c, p, q) of the window, each a fixed offset from every corner, and the sum runs over
/// the positions, whose corners come from a table; the panels hold dy, 32 output channels of each
/// position side by side. The sum is taken 256 positions at a time (the tile keeps its partial sums
/// in scratch memory and picks them up again: one FMA chain per value), and added to dW at the end.
public func convolutionWeightGradient(_ dw: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                      _ g: ConvolutionGeometry, outChannels o: Int, paddedInput: UnsafePointer<Float>? = nil) {
    if g.windowIsWholeImage {   // dW: [O, C·k·k] += dyᵀ · X, dy as [B, O]
        matmulBackwardWeights(dw, dy, x, m: g.batch, k: o, n: g.patch)
        return
    }
    let scratch = Scratch.forCurrentThread
    let images = paddedInput ?? paddedImages(x, g, scratch)
    let (patch, rows) = (g.patch, g.rows), positions = g.outHeight * g.outWidth
    let windows = windowOffsets(g, scratch)
    let corners = scratch.integers(2, count: rows)
    for position in 0..<rows { corners[position] = windowCorner(position, g) }
    // dyᵀ in panels: for each `lanes` output channels, every position's gradients side by side.
    let wide = MatmulTile.wide, (tileRows, lanes) = DirectTile.shape(wide: wide)
    let stripes = (o + lanes - 1) / lanes
    let panels = scratch.buffer(6, count: stripes * rows * lanes)
    Parallel.forEachRange(stripes * g.batch, unit: 1, work: rows * o * 4) { pieces in
        for piece in pieces {
            let stripe = piece / g.batch, b = piece % g.batch
            let panel = panels + (stripe * rows + b * positions) * lanes
            for block in stride(from: 0, to: positions, by: 16) {   // 16 positions (a line of each plane) at a time
                let end = min(block + 16, positions)
                for lanes16 in stride(from: 0, to: lanes, by: 16) {
                    let first = stripe * lanes + lanes16
                    if end - block == 16 && first + 16 <= o {   // 16 channels x 16 positions, turned round in registers
                        transpose16x16(dy + (b * o + first) * positions + block, stride: positions, into: panel + block * lanes + lanes16, stride: lanes)
                        continue
                    }
                    for lane in lanes16..<lanes16 + 16 {
                        let channel = stripe * lanes + lane
                        if channel < o {
                            let plane = dy + (b * o + channel) * positions
                            for position in block..<end { panel[position &* lanes &+ lane] = plane[position] }
                        } else {
                            for position in block..<end { panel[position &* lanes &+ lane] = 0 }
                        }
                    }
                }
            }
        }
    }
    let tiles = (patch + tileRows - 1) / tileRows, chunk = 256
    Parallel.forEachRange(tiles, unit: 1, work: patch * rows * o) { mine in
        let partial = Scratch.forCurrentThread.buffer(7, count: mine.count * stripes * tileRows * lanes)
        for chunkStart in stride(from: 0, to: rows, by: chunk) {
            let depth = min(chunk, rows - chunkStart)
            for stripe in 0..<stripes {
                let panel = panels + (stripe * rows + chunkStart) * lanes
                for tile in mine {
                    let first = tile * tileRows, sums = partial + ((tile - mine.lowerBound) * stripes + stripe) * tileRows * lanes
                    directTile(wide: wide, images, windows + first, rows: min(tileRows, patch - first), corners + chunkStart, depth: depth,
                               panel, sums, chunkStart > 0 ? .continuing : .store)
                }
            }
        }
        for tile in mine {
            let first = tile * tileRows
            for stripe in 0..<stripes {
                let sums = partial + ((tile - mine.lowerBound) * stripes + stripe) * tileRows * lanes
                for lane in 0..<min(lanes, o - stripe * lanes) {   // along a row of dW: a row is a channel's window
                    let target = dw + (stripe * lanes + lane) * patch + first
                    for row in 0..<min(tileRows, patch - first) { target[row] += sums[row * lanes + lane] }
                }
            }
        }
    }
}

/// Fast `dx[b, c, h, w] = Σ_(p,q) Σ_o W[o, (c,p,q)] · dy[b, o, i, j]` over the window offsets (p, q) and
/// positions (i, j) whose window saw pixel (h, w), i·s + p − pad = h: the input gradient of a
/// convolution, and the forward pass of a transposed one. The same values as
/// `convolutionInputGradientNaive`: each inner sum over o its own FMA chain from 0, added to the
/// pixel in the order of (p, q). dx is overwritten.
///
/// Without col2im: the pixels are taken 8 at a time among those the same distance past a
/// multiple of the stride (a class), over a block of images: their windows then use the same
/// offsets (p, q), each at its own position of dy. For each such (p, q), the tile sums over o, the
/// 8 positions read in dy, 32 input channels' weights from a panel, and adds its sums to the
/// pixels' totals. dy gets a border of zeros, so that offsets whose position lies outside
/// contribute 0.
public func convolutionInputGradient(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                                     _ g: ConvolutionGeometry, outChannels o: Int) {
    if g.windowIsWholeImage {   // dX: [B, C·k·k] = dy: [B, O] · W
        matmulForward(dx, dy, weight, nil, m: g.batch, k: o, n: g.patch)
        return
    }
    let (k, s, pad, ho, wo) = (g.kernel, g.stride, g.padding, g.outHeight, g.outWidth)
    // The share of the direct kernel's arithmetic that is real: its lanes of input channels,
    // and the windows it reads (⌈k/s⌉² per pixel) against those that lie inside dy (k² per position).
    let windowsRead = Double(g.height * g.width) * Double(((k + s - 1) / s) * ((k + s - 1) / s))
    let wide = MatmulTile.wide, (tileRows, lanes) = DirectTile.shape(wide: wide)
    let real = Double(g.channels) / Double(lanes * ((g.channels + lanes - 1) / lanes)) * min(1, Double(ho * wo * k * k) / windowsRead)
    if real < 0.6 {
        return ho * wo >= 2 * lanes ? convolutionInputGradientByImage(dx, dy, weight, g, outChannels: o)
                                    : convolutionInputGradientByPatches(dx, dy, weight, g, outChannels: o)
    }
    func floorDivision(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
    // The positions a pixel's window offsets reach: from ⌊(pad − k + 1) / s⌋ to ⌊(H − 1 + pad) / s⌋.
    let top = max(0, -floorDivision(pad - k + 1, s)), bottom = max(0, floorDivision(g.height - 1 + pad, s) - (ho - 1))
    let left = max(0, -floorDivision(pad - k + 1, s)), right = max(0, floorDivision(g.width - 1 + pad, s) - (wo - 1))
    let paddedWidth = left + wo + right, paddedPlane = (top + ho + bottom) * paddedWidth
    let scratch = Scratch.forCurrentThread
    let padded = scratch.buffer(5, count: g.batch * o * paddedPlane)
    addBorder(dy, planes: g.batch * o, height: ho, width: wo, top: top, bottom: bottom, left: left, right: right, into: padded)
    let channelOffsets = scratch.integers(0, count: o)
    for channel in 0..<o { channelOffsets[channel] = channel * paddedPlane }
    // For each `lanes` input channels and each offset (p, q): the weights as [O, lanes].
    let stripes = (g.channels + lanes - 1) / lanes, window = k * k
    let panels = scratch.buffer(6, count: stripes * window * o * lanes)
    Parallel.forEachRange(stripes * o, unit: 1, work: stripes * window * o * lanes) { range in
        for item in range {
            let stripe = item / o, out = item % o
            for lane in 0..<lanes {   // the k x k weights of (out, c), side by side in W, to k x k panels
                let c = stripe * lanes + lane, source = weight + out * g.patch + c * window
                for offset in 0..<window { panels[((stripe * window + offset) * o + out) * lanes + lane] = c < g.channels ? source[offset] : 0 }
            }
        }
    }
    // The pixels are taken class by class, a class being those the same distance (ph, pw) past a
    // multiple of the stride: (b, u, t) is pixel (ph + s·u, pw + s·t) of image b. A block of images
    // goes through every class before the next block, so that its part of dx (each of whose
    // lines every class writes into) stays in the L2 cache meanwhile.
    let plane = g.height * g.width
    let classes = min(s, g.height) * min(s, g.width), classWidth = min(s, g.width)
    func classSize(_ phase: Int) -> (rows: Int, columns: Int) {
        let ph = phase / classWidth, pw = phase % classWidth
        return ((g.height - ph + s - 1) / s, (g.width - pw + s - 1) / s)
    }
    let blockImages = min(g.batch, max(1, 64 * 1024 / (min(lanes, g.channels) * plane)))   // 256 KB of dx
    let lastImages = g.batch - (g.batch - 1) / blockImages * blockImages
    // The tiles of the classes before each, in a full block and in the last one.
    let tilesBefore = scratch.integers(3, count: 2 * (classes + 1)), lastTilesBefore = tilesBefore + classes + 1
    tilesBefore[0] = 0
    lastTilesBefore[0] = 0
    for phase in 0..<classes {
        let (u, t) = classSize(phase)
        tilesBefore[phase + 1] = tilesBefore[phase] + (blockImages * u * t + tileRows - 1) / tileRows
        lastTilesBefore[phase + 1] = lastTilesBefore[phase] + (lastImages * u * t + tileRows - 1) / tileRows
    }
    let blocks = (g.batch + blockImages - 1) / blockImages, tilesPerBlock = tilesBefore[classes]
    let tilesPerStripe = (blocks - 1) * tilesPerBlock + lastTilesBefore[classes]
    let groupRows = tileRows * 8   // tiles whose sums are kept to be written to dx together
    Parallel.forEachRange(stripes * tilesPerStripe, unit: 1, work: g.batch * g.channels * plane * window * o) { items in
        let totals = Scratch.forCurrentThread.buffer(7, count: groupRows * lanes)
        let integers = Scratch.forCurrentThread.integers(1, count: 2 * tileRows + groupRows)
        let pixels = integers, bases = integers + tileRows, targets = integers + 2 * tileRows
        var kept = 0, keptStripe = 0
        // The kept sums to dx, channel by channel: each channel's stores then stay on a few lines
        // of its plane instead of jumping a plane at each channel.
        func write() {
            let channels = min(lanes, g.channels - keptStripe * lanes)
            for lane in 0..<channels {
                let out = dx + lane * plane
                scatter(totals + lane, every: lanes, count: kept, to: out, at: targets)
            }
            kept = 0
        }
        for item in items {
            let stripe = item / tilesPerStripe, tileInStripe = item % tilesPerStripe
            if kept + tileRows > groupRows || (kept > 0 && stripe != keptStripe) { write() }
            keptStripe = stripe
            let block = tileInStripe / tilesPerBlock, tileInBlock = tileInStripe % tilesPerBlock
            let before = block == blocks - 1 ? lastTilesBefore : tilesBefore, images = block == blocks - 1 ? lastImages : blockImages
            var phase = 0
            while before[phase + 1] <= tileInBlock { phase += 1 }
            let ph = phase / classWidth, pw = phase % classWidth, (classRows, classColumns) = classSize(phase)
            let perImage = classRows * classColumns, blockStart = block * blockImages * perImage
            let first = blockStart + (tileInBlock - before[phase]) * tileRows
            let rows = min(tileRows, blockStart + images * perImage - first), sums = totals + kept * lanes
            // Pixel (b, u, t) of the class for each row: divided out once, then counted on.
            var b = first / perImage, u = first % perImage / classColumns, t = first % classColumns
            for r in 0..<rows {
                pixels[r] = b * o * paddedPlane + u * paddedWidth + t
                targets[kept + r] = (b * g.channels + stripe * lanes) * plane + (ph + s * u) * g.width + pw + s * t
                t += 1
                if t == classColumns { t = 0; u += 1; if u == classRows { u = 0; b += 1 } }
            }
            var finish = TileFinish.addToZero   // the first offset's sums start the totals: 0 + sum, as for the others
            for p in 0..<k where (ph + pad - p) % s == 0 {
                for q in 0..<k where (pw + pad - q) % s == 0 {
                    let shift = ((ph + pad - p) / s + top) * paddedWidth + (pw + pad - q) / s + left
                    for r in 0..<rows { bases[r] = pixels[r] + shift }
                    directTile(wide: wide, padded, bases, rows: rows, channelOffsets, depth: o, panels + (stripe * window + p * k + q) * o * lanes,
                               sums, finish)
                    finish = .addTo
                }
            }
            if finish == .addToZero { sums.update(repeating: 0, count: rows * lanes) }   // no offset reaches dy: 0
            kept += rows
        }
        if kept > 0 { write() }
    }
}

/// The input gradient the other way, one image at a time: its patch gradients dP = Wᵀ · dy (small
/// enough to stay in the cache), then col2im (Patches.swift) into that image. It wins where the
/// direct kernel would waste its tile: far fewer input channels than lanes (an image's 1 or 3
/// colours). The tile's rows are values (c, p, q) of the window, read in W at o·patch + (c, p, q)
/// for o = 0, 1, ...; its lanes are positions of dy, packed for the image as [O, lanes] panels.
/// Each dP value is one FMA chain over o from 0, as in the matrix product: the same values.
private func convolutionInputGradientByImage(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                                             _ g: ConvolutionGeometry, outChannels o: Int) {
    let wide = MatmulTile.wide, (tileRows, lanes) = DirectTile.shape(wide: wide)
    let positions = g.outHeight * g.outWidth, stripes = (positions + lanes - 1) / lanes, patch = g.patch
    let image = ConvolutionGeometry(batch: 1, channels: g.channels, height: g.height, width: g.width,
                                    kernel: g.kernel, stride: g.stride, padding: g.padding)
    let integers = Scratch.forCurrentThread.integers(0, count: patch + o)
    let windowValues = integers, channelRows = integers + patch
    for value in 0..<patch { windowValues[value] = value }
    for out in 0..<o { channelRows[out] = out * patch }
    Parallel.forEachRange(g.batch, unit: 1, work: g.batch * patch * positions * o) { images in
        let scratch = Scratch.forCurrentThread
        let panels = scratch.buffer(8, count: stripes * o * lanes), patches = scratch.buffer(9, count: patch * positions)
        let sums = scratch.buffer(7, count: tileRows * lanes)
        for b in images {
            let source = dy + b * o * positions
            for stripe in 0..<stripes {   // dy of image b: for each `lanes` positions, [O, lanes]
                let count = min(lanes, positions - stripe * lanes)
                for out in 0..<o {
                    let panel = panels + (stripe * o + out) * lanes, from = source + out * positions + stripe * lanes
                    if count == lanes {
                        for v in stride(from: 0, to: lanes, by: 16) { store16(load16(from + v), panel + v) }
                    } else {
                        panel.update(from: from, count: count)
                        (panel + count).update(repeating: 0, count: lanes - count)
                    }
                }
            }
            for stripe in 0..<stripes {
                let count = min(lanes, positions - stripe * lanes)
                for first in stride(from: 0, to: patch, by: tileRows) {
                    let rows = min(tileRows, patch - first)
                    directTile(wide: wide, weight, windowValues + first, rows: rows, channelRows, depth: o, panels + stripe * o * lanes, sums, .store)
                    for r in 0..<rows {
                        let row = patches + (first + r) * positions + stripe * lanes
                        if count == lanes {   // whole registers, not a library call per row
                            for v in stride(from: 0, to: lanes, by: 16) { store16(load16(sums + r * lanes + v), row + v) }
                        } else {
                            row.update(from: sums + r * lanes, count: count)
                        }
                    }
                }
            }
            let pixels = dx + b * g.channels * g.height * g.width
            for c in 0..<g.channels { col2im(plane: c, pixels, patches, image) }
        }
    }
}

/// The input gradient the other way for the whole batch at once: dP = Wᵀ · dy, then col2im. For
/// few input channels and a dy of fewer than 2 x 32 positions per image, where an image at a time
/// would leave the tile's lanes of positions idle. (A window as large as its image, DCGAN's first
/// and last, goes to the matrix products instead.)
private func convolutionInputGradientByPatches(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                                               _ g: ConvolutionGeometry, outChannels o: Int) {
    let scratch = Scratch.forCurrentThread
    let byChannel = scratch.buffer(8, count: o * g.rows), patches = scratch.buffer(9, count: g.patch * g.rows)
    swapOuterAxes(dy, into: byChannel, outer: g.batch, inner: o, block: g.outHeight * g.outWidth)   // [B, O, Ho·Wo] -> [O, B·Ho·Wo]
    patches.update(repeating: 0, count: g.patch * g.rows)
    matmulBackwardWeights(patches, weight, byChannel, m: o, k: g.patch, n: g.rows)                    // dP = Wᵀ · dy
    col2im(dx, patches, g)
}

/// x with its border of zeros, [B, C, H + 2·pad, W + 2·pad], into `padded` (reshaped to fit), or
/// nil when there is no padding. A layer whose forward and backward passes read the same images
/// (a convolution's x, a transposed convolution's dy) copies them once and hands them to both
/// kernels as `paddedInput`: one pass over the batch fewer.
public func padImages(_ x: UnsafePointer<Float>, _ g: ConvolutionGeometry, into padded: Tensor) -> UnsafePointer<Float>? {
    if g.padding == 0 { return nil }
    padded.reshape(to: [g.batch, g.channels, g.height + 2 * g.padding, g.width + 2 * g.padding])
    addBorder(x, planes: g.batch * g.channels, height: g.height, width: g.width,
              top: g.padding, bottom: g.padding, left: g.padding, right: g.padding, into: padded.data)
    return UnsafePointer(padded.data)
}

/// The images with their border of zeros, in scratch memory (or x itself when there is no padding).
private func paddedImages(_ x: UnsafePointer<Float>, _ g: ConvolutionGeometry, _ scratch: Scratch) -> UnsafePointer<Float> {
    if g.padding == 0 { return x }
    let padded = scratch.buffer(5, count: g.batch * g.channels * (g.height + 2 * g.padding) * (g.width + 2 * g.padding))
    addBorder(x, planes: g.batch * g.channels, height: g.height, width: g.width,
              top: g.padding, bottom: g.padding, left: g.padding, right: g.padding, into: padded)
    return UnsafePointer(padded)
}

/// Where the window of output position (b, i, j) (numbered b·Ho·Wo + i·Wo + j) starts in the
/// images with their border: xp[b, 0, i·s, j·s].
@inline(__always) private func windowCorner(_ position: Int, _ g: ConvolutionGeometry) -> Int {
    let positions = g.outHeight * g.outWidth, paddedWidth = g.width + 2 * g.padding
    let b = position / positions, i = position % positions / g.outWidth, j = position % g.outWidth
    return b * g.channels * (g.height + 2 * g.padding) * paddedWidth + (i * paddedWidth + j) * g.stride
}

/// offset[(c, p, q)] = (c·Hp + p)·Wp + q: where each value of a window lies from its corner.
private func windowOffsets(_ g: ConvolutionGeometry, _ scratch: Scratch) -> UnsafePointer<Int> {
    let k = g.kernel, paddedHeight = g.height + 2 * g.padding, paddedWidth = g.width + 2 * g.padding
    let offsets = scratch.integers(0, count: g.patch)
    for c in 0..<g.channels {
        for p in 0..<k {
            for q in 0..<k { offsets[(c * k + p) * k + q] = (c * paddedHeight + p) * paddedWidth + q }
        }
    }
    return UnsafePointer(offsets)
}

/// Copies `planes` images of height x width into larger ones with a border of zeros: `top` rows
/// above, `bottom` below, `left` and `right` columns beside.
func addBorder(_ x: UnsafePointer<Float>, planes: Int, height: Int, width: Int, top: Int, bottom: Int, left: Int, right: Int,
               into padded: UnsafeMutablePointer<Float>) {
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

/// out[targets[r]] = values[r · every] for r in 0..<count: one channel of the kept sums to its plane.
@inline(__always) private func scatter(_ values: UnsafePointer<Float>, every: Int, count: Int, to out: UnsafeMutablePointer<Float>,
                                       at targets: UnsafePointer<Int>) {
    var value = values
    for r in 0..<count { out[targets[r]] = value.pointee; value += every }
}

@inline(__always) private func load16(_ p: UnsafePointer<Float>) -> Vector16 { UnsafeRawPointer(p).loadUnaligned(as: Vector16.self) }
@inline(__always) private func store16(_ v: Vector16, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector16.self) }

/// Where a tile's sums go: into `sums` (store), continuing the partial sums `sums` holds, added to
/// `sums` (a sum of separate chains, as the input gradient's contributions are), or added to 0
/// and stored (the first of those chains, without reading zeros from memory: 0 + v is v, except
/// that it turns −0 into +0, as adding to a zeroed total does).
enum TileFinish { case store, continuing, addTo, addToZero }

/// The tile's shape: rows (positions, window values or pixels) x lanes (channels).
enum DirectTile {
    static func shape(wide: Bool) -> (rows: Int, lanes: Int) { wide ? (8, 32) : (6, 16) }
}

/// One tile: row r reads `images + bases[r] + offsets[d]` for d in 0..<depth, times the panel's
/// `lanes` values of d, into `sums[r]` (`lanes` floats), as `finish` says. 8 rows x 32 in
/// 512-bit registers where the build has AVX-512, else 6 x 16.
@inline(__always)
private func directTile(wide: Bool, _ images: UnsafePointer<Float>, _ bases: UnsafePointer<Int>, rows: Int, _ offsets: UnsafePointer<Int>,
                        depth: Int, _ panel: UnsafePointer<Float>, _ sums: UnsafeMutablePointer<Float>, _ finish: TileFinish) {
    if wide {
        directTile8(images, bases, rows: rows, offsets, depth: depth, panel, sums, finish)
    } else {
        directTile6(images, bases, rows: rows, offsets, depth: depth, panel, sums, finish)
    }
}

/// Eight rows x 32, two 512-bit registers each. Eight rows leave the general registers free for
/// their eight addresses, the offset table and the panel (twelve rows did not: the compiler kept
/// some addresses on the stack and read them back every step). A tile of fewer rows repeats its
/// last row and keeps only its own.
@inline(__always)
private func directTile8(_ images: UnsafePointer<Float>, _ bases: UnsafePointer<Int>, rows: Int, _ offsets: UnsafePointer<Int>,
                         depth: Int, _ panel: UnsafePointer<Float>, _ sums: UnsafeMutablePointer<Float>, _ finish: TileFinish) {
    @inline(__always) func row(_ r: Int) -> UnsafePointer<Float> { images + bases[min(r, rows - 1)] }
    @inline(__always) func start(_ r: Int, _ half: Int) -> Vector16 {
        finish == .continuing && r < rows ? load16(sums + r * 32 + half * 16) : Vector16()
    }
    let a0 = row(0), a1 = row(1), a2 = row(2), a3 = row(3), a4 = row(4), a5 = row(5), a6 = row(6), a7 = row(7)
    var c0 = start(0, 0), d0 = start(0, 1), c1 = start(1, 0), d1 = start(1, 1), c2 = start(2, 0), d2 = start(2, 1)
    var c3 = start(3, 0), d3 = start(3, 1), c4 = start(4, 0), d4 = start(4, 1), c5 = start(5, 0), d5 = start(5, 1)
    var c6 = start(6, 0), d6 = start(6, 1), c7 = start(7, 0), d7 = start(7, 1)
    var w = panel
    for d in 0..<depth {
        let offset = offsets[d], b = load16(w), e = load16(w + 16)
        var x = Vector16(repeating: a0[offset]); c0 = c0.addingProduct(x, b); d0 = d0.addingProduct(x, e)
        x = Vector16(repeating: a1[offset]); c1 = c1.addingProduct(x, b); d1 = d1.addingProduct(x, e)
        x = Vector16(repeating: a2[offset]); c2 = c2.addingProduct(x, b); d2 = d2.addingProduct(x, e)
        x = Vector16(repeating: a3[offset]); c3 = c3.addingProduct(x, b); d3 = d3.addingProduct(x, e)
        x = Vector16(repeating: a4[offset]); c4 = c4.addingProduct(x, b); d4 = d4.addingProduct(x, e)
        x = Vector16(repeating: a5[offset]); c5 = c5.addingProduct(x, b); d5 = d5.addingProduct(x, e)
        x = Vector16(repeating: a6[offset]); c6 = c6.addingProduct(x, b); d6 = d6.addingProduct(x, e)
        x = Vector16(repeating: a7[offset]); c7 = c7.addingProduct(x, b); d7 = d7.addingProduct(x, e)
        w += 32
    }
    @inline(__always) func put(_ v: Vector16, _ r: Int, _ half: Int) {
        let target = sums + r * 32 + half * 16
        if r < rows { store16(finish == .addTo ? load16(target) + v : finish == .addToZero ? Vector16() + v : v, target) }
    }
    put(c0, 0, 0); put(d0, 0, 1); put(c1, 1, 0); put(d1, 1, 1); put(c2, 2, 0); put(d2, 2, 1); put(c3, 3, 0); put(d3, 3, 1)
    put(c4, 4, 0); put(d4, 4, 1); put(c5, 5, 0); put(d5, 5, 1); put(c6, 6, 0); put(d6, 6, 1); put(c7, 7, 0); put(d7, 7, 1)
}

/// Six rows x 16, for 256-bit registers (two each, twelve in all).
@inline(__always)
private func directTile6(_ images: UnsafePointer<Float>, _ bases: UnsafePointer<Int>, rows: Int, _ offsets: UnsafePointer<Int>,
                         depth: Int, _ panel: UnsafePointer<Float>, _ sums: UnsafeMutablePointer<Float>, _ finish: TileFinish) {
    @inline(__always) func row(_ r: Int) -> UnsafePointer<Float> { images + bases[min(r, rows - 1)] }
    @inline(__always) func start(_ r: Int) -> Vector16 { finish == .continuing && r < rows ? load16(sums + r * 16) : Vector16() }
    let a0 = row(0), a1 = row(1), a2 = row(2), a3 = row(3), a4 = row(4), a5 = row(5)
    var c0 = start(0), c1 = start(1), c2 = start(2), c3 = start(3), c4 = start(4), c5 = start(5)
    var w = panel
    for d in 0..<depth {
        let offset = offsets[d], b = load16(w)
        c0 = c0.addingProduct(Vector16(repeating: a0[offset]), b); c1 = c1.addingProduct(Vector16(repeating: a1[offset]), b)
        c2 = c2.addingProduct(Vector16(repeating: a2[offset]), b); c3 = c3.addingProduct(Vector16(repeating: a3[offset]), b)
        c4 = c4.addingProduct(Vector16(repeating: a4[offset]), b); c5 = c5.addingProduct(Vector16(repeating: a5[offset]), b)
        w += 16
    }
    @inline(__always) func put(_ v: Vector16, _ r: Int) {
        if r < rows { store16(finish == .addTo ? load16(sums + r * 16) + v : finish == .addToZero ? Vector16() + v : v, sums + r * 16) }
    }
    put(c0, 0); put(c1, 1); put(c2, 2); put(c3, 3); put(c4, 4); put(c5, 5)
}
