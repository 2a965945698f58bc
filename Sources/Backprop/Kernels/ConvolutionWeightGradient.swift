// The weight gradient of a convolution: what each weight should have been, summed over every
// position that used it. The naive loop is the definition; the fast kernel runs the register tile
// (RegisterTile.swift) with the roles turned round.

// MARK: - The definition

/// dW[o, (c, p, q)] += Σ_{b, i, j} x[b, c, i·s + p − pad, j·s + q − pad] · dy[b, o, i, j], the sum
/// over (b, i, j) in that order, from 0, then added to dW.
public func convolutionWeightGradientNaive(
    _ dw: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
    _ g: ConvolutionGeometry, outChannels o: Int
) {
    let (ho, wo, k) = (g.outHeight, g.outWidth, g.kernel)
    for c in 0..<g.channels {
        for p in 0..<k {
            for q in 0..<k {
                for out in 0..<o {
                    var sum: Float = 0
                    for b in 0..<g.batch {
                        for i in 0..<ho {
                            for j in 0..<wo {
                                let value = g.pixel(x, b, c, i * g.stride + p - g.padding, j * g.stride + q - g.padding)
                                sum = sum.addingProduct(value, dy[((b * o + out) * ho + i) * wo + j])
                            }
                        }
                    }
                    dw[out * g.patch + (c * k + p) * k + q] += sum
                }
            }
        }
    }
}

// MARK: - The fast kernel

/// Fast `dW[o, (c,p,q)] += Σ_(b,i,j) x[b, c, i·s + p − pad, j·s + q − pad] · dy[b, o, i, j]`: the same
/// values as `convolutionWeightGradientNaive`. The same tile, the roles turned round: its 8 rows are
/// 8 values (c, p, q) of the window, each a fixed offset from every corner, and the sum runs over
/// the positions, whose corners come from a table; the panels hold dy, 32 output channels of each
/// position side by side. The sum is taken 256 positions at a time (the tile keeps its partial sums
/// in scratch memory and picks them up again: one FMA chain per value), and added to dW at the end.
///
/// Where the forward pass skips the border (`skipsBorder`), so does this: the window rows p fall
/// into kinds by the output rows i whose windows have row p inside the image, and the columns q
/// likewise. A tile takes values (c, p, q) of one kind of p and one kind of q, and sums only over
/// the positions where those lie inside, in order: the others would add only zeros.
public func convolutionWeightGradient(
    _ dw: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
    _ g: ConvolutionGeometry, outChannels o: Int, paddedInput: UnsafePointer<Float>? = nil
) {
    if g.windowIsWholeImage {  // dW: [O, C·k·k] += dyᵀ · X, dy as [B, O]
        matmulBackwardWeights(dw, dy, x, m: g.batch, k: o, n: g.patch)
        return
    }
    let scratch = Scratch.forCurrentThread
    let (k, s, pad, ho, wo) = (g.kernel, g.stride, g.padding, g.outHeight, g.outWidth)
    let (patch, rows) = (g.patch, g.rows), positions = ho * wo
    let skips = skipsBorder(g)
    let images = skips ? x : paddedInput ?? paddedImages(x, g, scratch)
    let (height, width, border) = skips ? (g.height, g.width, pad) : (g.height + 2 * pad, g.width + 2 * pad, 0)
    let corners = scratch.integers(.corners, count: rows)
    var position = 0
    for b in 0..<g.batch {
        for i in 0..<ho {
            for j in 0..<wo {
                corners[position] = b * g.channels * height * width + (i * s - border) * width + j * s - border;
                position += 1
            }
        }
    }
    // The kinds of window rows p: the output rows i0..<i1 where row p lies inside the image
    // (`outputsSeeing`: all of them once the images have their border). kinds: k entries of p's
    // kind, then k of q's, then each kind's (first, end) of rows, then of columns.
    let kinds = scratch.integers(.windowOffsets, count: 6 * k + 2 * patch)
    let rowKind = kinds, columnKind = kinds + k, rowRanges = kinds + 2 * k, columnRanges = kinds + 4 * k
    func sortKinds(
        _ kindOf: UnsafeMutablePointer<Int>, _ ranges: UnsafeMutablePointer<Int>, size: Int, outputs: Int
    ) -> Int {
        var count = 0
        for p in 0..<k {
            let seeing = outputsSeeing(row: p, size: size, padding: border, outputs: outputs, g),
                (first, end) = (seeing.lowerBound, seeing.upperBound)
            var kind = 0
            while kind < count && (ranges[2 * kind], ranges[2 * kind + 1]) != (first, end) { kind += 1 }
            if kind == count { (ranges[2 * kind], ranges[2 * kind + 1]) = (first, end); count += 1 }
            kindOf[p] = kind
        }
        return count
    }
    let rowKinds = sortKinds(rowKind, rowRanges, size: height, outputs: ho)
    let columnKinds = sortKinds(columnKind, columnRanges, size: width, outputs: wo)
    // The window values in groups, one for each kind of p with each kind of q, each value with
    // its offset from a window's corner and its column in dW; the tiles before each group.
    let groups = rowKinds * columnKinds
    let windows = kinds + 6 * k, columns = windows + patch
    let classTables = scratch.integers(.tileTable, count: 2 * (groups + 1))
    let valuesBefore = classTables, tilesBefore = classTables + groups + 1
    var value = 0
    let wide = MatmulTile.wide, (tileRows, lanes) = DirectTile.shape(wide: wide)
    tilesBefore[0] = 0
    for group in 0..<groups {
        valuesBefore[group] = value
        for c in 0..<g.channels {
            for p in 0..<k where rowKind[p] == group / columnKinds {
                for q in 0..<k where columnKind[q] == group % columnKinds {
                    windows[value] = (c * height + p) * width + q
                    columns[value] = (c * k + p) * k + q
                    value += 1
                }
            }
        }
        tilesBefore[group + 1] = tilesBefore[group] + (value - valuesBefore[group] + tileRows - 1) / tileRows
    }
    valuesBefore[groups] = value
    let stripes = (o + lanes - 1) / lanes
    // The work: each stripe's tiles, stripe after stripe, so that a thread packs the panels of
    // its own stripes only.
    let tiles = tilesBefore[groups], chunk = 256
    func groupOf(_ tile: Int) -> Int {
        var group = 0
        while tilesBefore[group + 1] <= tile { group += 1 }
        return group
    }
    Parallel.forEachRange(stripes * tiles, unit: 1, work: patch * rows * o) { mine in
        let partial = Scratch.forCurrentThread.buffer(.tileSums, count: mine.count * tileRows * lanes)
        let panel = Scratch.forCurrentThread.buffer(.gradientPanels, count: chunk * lanes)
        // For each group: the positions of the chunk whose windows have its values inside, as
        // corners and rows of the panel (none kept for a group that takes every position: it
        // reads the corners and the panel in order).
        let lists = Scratch.forCurrentThread.integers(.tileRows, count: 2 * groups * chunk + groups)
        let counts = lists + 2 * groups * chunk
        for chunkStart in stride(from: 0, to: rows, by: chunk) {
            let depth = min(chunk, rows - chunkStart)
            for group in 0..<groups {
                let (first, end) = (rowRanges[2 * (group / columnKinds)], rowRanges[2 * (group / columnKinds) + 1])
                let (left, right) = (
                    columnRanges[2 * (group % columnKinds)], columnRanges[2 * (group % columnKinds) + 1]
                )
                if (first, end, left, right) == (0, ho, 0, wo) { counts[group] = -1; continue }
                let listCorners = lists + 2 * group * chunk, listRows = listCorners + chunk
                var count = 0, i = chunkStart % positions / wo, j = chunkStart % wo
                for d in 0..<depth {
                    if i >= first && i < end && j >= left && j < right {
                        listCorners[count] = corners[chunkStart + d]
                        listRows[count] = d * lanes
                        count += 1
                    }
                    j += 1
                    if j == wo { j = 0; i += 1; if i == ho { i = 0 } }
                }
                counts[group] = count
            }
            var packed = -1
            for item in mine {
                let stripe = item / tiles, tile = item % tiles, group = groupOf(tile)
                if stripe != packed {
                    packGradients(
                        dy, stripe: stripe, from: chunkStart, count: depth, positions: positions, outChannels: o,
                        lanes: lanes, into: panel)
                    packed = stripe
                }
                let first = valuesBefore[group] + (tile - tilesBefore[group]) * tileRows,
                    count = min(tileRows, valuesBefore[group + 1] - first)
                let sums = partial + (item - mine.lowerBound) * tileRows * lanes
                if counts[group] < 0 {
                    directTile(
                        wide: wide, images, windows + first, rows: count, corners + chunkStart, depth: depth, panel,
                        sums, continuing: chunkStart > 0, .store)
                } else {
                    let listCorners = lists + 2 * group * chunk
                    directTile(
                        wide: wide, images, windows + first, rows: count, listCorners, depth: counts[group], panel,
                        panelRows: listCorners + chunk, sums, continuing: chunkStart > 0, .store)
                }
            }
        }
        for item in mine {
            let stripe = item / tiles, tile = item % tiles, group = groupOf(tile)
            let first = valuesBefore[group] + (tile - tilesBefore[group]) * tileRows,
                count = min(tileRows, valuesBefore[group + 1] - first)
            let sums = partial + (item - mine.lowerBound) * tileRows * lanes
            for lane in 0..<min(lanes, o - stripe * lanes) {   // along a row of dW: a row is a channel's window
                let target = dw + (stripe * lanes + lane) * patch
                for row in 0..<count { target[columns[first + row]] += sums[row * lanes + lane] }
            }
        }
    }
}

/// dy's gradients of `count` positions from `first` (numbered b·Ho·Wo + i·Wo + j) for the `lanes`
/// output channels of `stripe`, each position's side by side (zeros past the last channel): the
/// weight gradient's panel for one block of positions. Each thread packs its own, while it is
/// small enough to stay in the L1 cache for all of its tiles, rather than the whole batch once
/// (for an image's 3 colours, 16 MB that every thread then read back from memory). 16
/// positions of one image and 16 channels at a time turn round in registers (Transpose.swift).
func packGradients(
    _ dy: UnsafePointer<Float>, stripe: Int, from first: Int, count: Int, positions: Int, outChannels o: Int,
    lanes: Int, into panel: UnsafeMutablePointer<Float>
) {
    var position = first
    while position < first + count {
        let b = position / positions, inPlane = position % positions,
            run = min(16, first + count - position, positions - inPlane)
        for lanes16 in stride(from: 0, to: lanes, by: 16) {
            let channel = stripe * lanes + lanes16, target = panel + (position - first) * lanes + lanes16
            if run == 16 && channel + 16 <= o {
                transpose16x16(
                    dy + (b * o + channel) * positions + inPlane, stride: positions, into: target, stride: lanes)
                continue
            }
            for lane in 0..<16 {
                let plane = dy + (b * o + channel + lane) * positions + inPlane
                for r in 0..<run { target[r * lanes + lane] = channel + lane < o ? plane[r] : 0 }
            }
        }
        position += run
    }
}
