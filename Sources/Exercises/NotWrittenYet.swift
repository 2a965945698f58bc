// The exercises a learner can check (`swift run exercises`). Each file holds one function to write:
// its signature, a comment with the shapes and what to compute, and a body. In the student edition
// the body is `throw NotWrittenYet()`; write yours in its place, then run
//
//     swift run exercises check ID        # a verdict, and a hint when the numbers show a known mistake
//     swift run chapter03-gan --mine      # train the chapter with your answers in place of the library's
//
// Arrays are row-major, as Tensor is: the value at [b, i] of a [B, N] array is at index b * N + i.

/// What an exercise's function throws until it is written: the checker reports "not written yet".
public struct NotWrittenYet: Error {
    public init() {}
}

/// Whether this copy holds the solutions (the teacher's edition) or not (the student edition,
/// where this throws like every exercise). The checker's tests ask before expecting answers to pass.
public func solutionsIncluded() throws -> Bool {
    // BEGIN SOLUTION
    return true
    // END SOLUTION
}
