// The input gradient of a convolution (and so the forward pass of a transposed convolution): each
// pixel gathers the gradients of every output whose window saw it. The naive loop is the
// definition; the fast kernel runs the register tile (RegisterTile.swift) over classes of pixels,
// and two other ways win where the image has only 1 or 3 channels.

// MARK: - The definition

/// dx[b, c, h, w] = the sum, over every window offset (p, q) and position (i, j) that saw pixel
/// (h, w), of Σ_o W[o, (c, p, q)] · dy[b, o, i, j]; each inner sum over o from 0, and the
/// contributions to a pixel added in the order of (p, q). (Contributions that fall into the
/// padding are dropped: those "pixels" are constants.)
public func convolutionInputGradientNaive(
    _ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    _ g: ConvolutionGeometry, outChannels o: Int
) {
    let (ho, wo, k) = (g.outHeight, g.outWidth, g.kernel)
    dx.update(repeating: 0, count: g.batch * g.channels * g.height * g.width)
    for c in 0..<g.channels {
        for p in 0..<k {
            for q in 0..<k {
                for b in 0..<g.batch {
                    for i in 0..<ho {
                        for j in 0..<wo {
                            var sum: Float = 0
                            for out in 0..<o {
                                sum = sum.addingProduct(
                                    weight[out * g.patch + (c * k + p) * k + q], dy[((b * o + out) * ho + i) * wo + j])
                            }
                            let h = i * g.stride + p - g.padding, w = j * g.stride + q - g.padding
                            if h >= 0 && h < g.height && w >= 0 && w < g.width {
                                dx[((b * g.channels + c) * g.height + h) * g.width + w] += sum
                            }
                        }
                    }
                }
            }
        }
    }
}

// MARK: - The fast kernels

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
/// pixels' totals. Offsets whose position lies outside dy are skipped: their products would be
/// zeros (see the parts below).
public func convolutionInputGradient(
    _ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    _ g: ConvolutionGeometry, outChannels o: Int
) {
    if g.windowIsWholeImage {  // dX: [B, C·k·k] = dy: [B, O] · W
        matmulForward(dx, dy, weight, nil, m: g.batch, k: o, n: g.patch)
        return
    }
    let (k, s, pad, ho, wo) = (g.kernel, g.stride, g.padding, g.outHeight, g.outWidth)
    // The share of the direct kernel's arithmetic that is real: its lanes of input channels,
    // and the windows it reads (⌈k/s⌉² per pixel) against those that lie inside dy (k² per position).
    let windowsRead = Double(g.height * g.width) * Double(((k + s - 1) / s) * ((k + s - 1) / s))
    let wide = MatmulTile.wide, (tileRows, lanes) = DirectTile.shape(wide: wide)
    let real =
        Double(g.channels) / Double(lanes * ((g.channels + lanes - 1) / lanes))
        * min(1, Double(ho * wo * k * k) / windowsRead)
    if real < 0.6 {
        return ho * wo >= 2 * lanes ? convolutionInputGradientByImage(dx, dy, weight, g, outChannels: o)
                                    : convolutionInputGradientByPatches(dx, dy, weight, g, outChannels: o)
    }
    let scratch = Scratch.forCurrentThread
    let channelOffsets = scratch.integers(.windowOffsets, count: o)
    for channel in 0..<o { channelOffsets[channel] = channel * ho * wo }
    // For each `lanes` input channels and each offset (p, q): the weights as [O, lanes].
    let stripes = (g.channels + lanes - 1) / lanes, window = k * k
    let panels = scratch.buffer(.weightPanels, count: stripes * window * o * lanes)
    Parallel.forEachRange(stripes * o, unit: 1, work: stripes * window * o * lanes) { range in
        for item in range {
            let stripe = item / o, out = item % o
            for lane in 0..<lanes {   // the k x k weights of (out, c), side by side in W, to k x k panels
                let c = stripe * lanes + lane, source = weight + out * g.patch + c * window
                for offset in 0..<window {
                    panels[((stripe * window + offset) * o + out) * lanes + lane] = c < g.channels ? source[offset] : 0
                }
            }
        }
    }
    // The pixels are taken class by class, a class being those the same distance (ph, pw) past a
    // multiple of the stride: (b, u, t) is pixel (ph + s·u, pw + s·t) of image b. Its window offset
    // p reaches position i = u + (ph + pad − p) / s of dy, for the p that divide evenly. Near the
    // border some of those positions lie outside dy: they would add only zeros, and an exact 0
    // changes no sum. So each class is cut into parts, rectangles of pixels that all reach dy
    // through the same offsets (`borderCuts`), a tile takes pixels of one part only, and it skips
    // the offsets that reach outside: dy needs no border of zeros, and the border's products are
    // not computed. A block of images goes through every class before the next block, so that its
    // part of dx (each of whose lines every class writes into) stays in the L2 cache meanwhile.
    let plane = g.height * g.width
    let classes = min(s, g.height) * min(s, g.width), classWidth = min(s, g.width)
    let cutsPerSide = 2 * ((k + s - 1) / s) + 2
    let cuts = scratch.integers(.cuts, count: 2 * cutsPerSide)
    // (class, u0, u1, t0, t1) each
    let parts = scratch.integers(.parts, count: 5 * classes * cutsPerSide * cutsPerSide)
    var partCount = 0
    for phase in 0..<classes {
        let ph = phase / classWidth, pw = phase % classWidth
        let rowCuts = borderCuts(phase: ph, pixels: (g.height - ph + s - 1) / s, positions: ho, g, into: cuts)
        let columnCuts = borderCuts(
            phase: pw, pixels: (g.width - pw + s - 1) / s, positions: wo, g, into: cuts + cutsPerSide)
        for a in 0..<rowCuts - 1 {
            for c in 0..<columnCuts - 1 {
                let part = parts + 5 * partCount
                (part[0], part[1], part[2], part[3], part[4]) = (
                    phase, cuts[a], cuts[a + 1], cuts[cutsPerSide + c], cuts[cutsPerSide + c + 1]
                )
                partCount += 1
            }
        }
    }
    let blockImages = max(1, 64 * 1024 / (min(lanes, g.channels) * plane))   // 256 KB of dx
    let tiles = PartTiles(batch: g.batch, blockImages: blockImages, tileRows: tileRows, parts: partCount,
                          table: scratch.integers(.tileTable, count: 3 * partCount + 2)) {
        let part = parts + 5 * $0
        return (part[2] - part[1]) * (part[4] - part[3])
    }
    let tilesPerStripe = tiles.count
    let groupRows = tileRows * 8   // tiles whose sums are kept to be written to dx together
    Parallel.forEachRange(stripes * tilesPerStripe, unit: 1, work: g.batch * g.channels * plane * window * o) { items in
        let totals = Scratch.forCurrentThread.buffer(.tileSums, count: groupRows * lanes)
        let integers = Scratch.forCurrentThread.integers(.tileRows, count: 2 * tileRows + groupRows)
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
            let (index, image, point, rows) = tiles.locate(tileInStripe)
            let part = parts + 5 * index, (u0, u1, t0, t1) = (part[1], part[2], part[3], part[4])
            let ph = part[0] / classWidth, pw = part[0] % classWidth, sums = totals + kept * lanes
            // Pixel (b, u, t) of the part for each row: divided out once, then counted on.
            var b = image, u = u0 + point / (t1 - t0), t = t0 + point % (t1 - t0)
            for r in 0..<rows {
                pixels[r] = b * o * ho * wo + u * wo + t
                targets[kept + r] = (b * g.channels + stripe * lanes) * plane + (ph + s * u) * g.width + pw + s * t
                t += 1
                if t == t1 { t = t0; u += 1; if u == u1 { u = u0; b += 1 } }
            }
            var finish = TileFinish.addToZero   // the first offset's sums start the totals: 0 + sum, as for the others
            for p in 0..<k where (ph + pad - p) % s == 0 && (0..<ho).contains(u0 + (ph + pad - p) / s) {
                for q in 0..<k where (pw + pad - q) % s == 0 && (0..<wo).contains(t0 + (pw + pad - q) / s) {
                    let shift = (ph + pad - p) / s * wo + (pw + pad - q) / s
                    for r in 0..<rows { bases[r] = pixels[r] + shift }
                    directTile(
                        wide: wide, dy, bases, rows: rows, channelOffsets, depth: o,
                        panels + (stripe * window + p * k + q) * o * lanes,
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
/// enough to stay in the cache), then col2im (Im2col.swift) into that image. It wins where the
/// direct kernel would waste its tile: far fewer input channels than lanes (an image's 1 or 3
/// colours). The tile's rows are values (c, p, q) of the window, read in W at o·patch + (c, p, q)
/// for o = 0, 1, ...; its lanes are positions of dy, packed for the image as [O, lanes] panels.
/// Each dP value is one FMA chain over o from 0, as in the matrix product: the same values.
func convolutionInputGradientByImage(
    _ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    _ g: ConvolutionGeometry, outChannels o: Int
) {
    let wide = MatmulTile.wide, (tileRows, lanes) = DirectTile.shape(wide: wide)
    let positions = g.outHeight * g.outWidth, stripes = (positions + lanes - 1) / lanes, patch = g.patch
    let image = ConvolutionGeometry(batch: 1, channels: g.channels, height: g.height, width: g.width,
                                    kernel: g.kernel, stride: g.stride, padding: g.padding)
    let integers = Scratch.forCurrentThread.integers(.windowOffsets, count: patch + o)
    let windowValues = integers, channelRows = integers + patch
    for value in 0..<patch { windowValues[value] = value }
    for out in 0..<o { channelRows[out] = out * patch }
    Parallel.forEachRange(g.batch, unit: 1, work: g.batch * patch * positions * o) { images in
        let scratch = Scratch.forCurrentThread
        let panels = scratch.buffer(.gradientPanels, count: stripes * o * lanes),
            patches = scratch.buffer(.patchGradients, count: patch * positions)
        let sums = scratch.buffer(.tileSums, count: tileRows * lanes)
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
                    directTile(
                        wide: wide, weight, windowValues + first, rows: rows, channelRows, depth: o,
                        panels + stripe * o * lanes, sums, .store)
                    for r in 0..<rows {
                        let row = patches + (first + r) * positions + stripe * lanes
                        if count == lanes {  // whole registers, not a library call per row
                            for v in stride(from: 0, to: lanes, by: 16) {
                                store16(load16(sums + r * lanes + v), row + v)
                            }
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
func convolutionInputGradientByPatches(
    _ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    _ g: ConvolutionGeometry, outChannels o: Int
) {
    let scratch = Scratch.forCurrentThread
    let byChannel = scratch.buffer(.gradientPanels, count: o * g.rows),
        patches = scratch.buffer(.patchGradients, count: g.patch * g.rows)
    // [B, O, Ho·Wo] -> [O, B·Ho·Wo]
    swapOuterAxes(dy, into: byChannel, outer: g.batch, inner: o, block: g.outHeight * g.outWidth)
    patches.update(repeating: 0, count: g.patch * g.rows)
    matmulBackwardWeights(patches, weight, byChannel, m: o, k: g.patch, n: g.rows)                    // dP = Wᵀ · dy
    col2im(dx, patches, g)
}
