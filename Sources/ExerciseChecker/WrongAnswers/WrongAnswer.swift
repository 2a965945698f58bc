// The classic mistakes, written as a learner would write them: the checker's tests run every one
// and expect it to be caught with its hint, and `swift run exercises demo ID` shows a teacher
// what a learner who makes each one is told. They live in the product, not only in the tests,
// because a checker whose hints nobody has seen fire is a checker nobody can trust.

/// One wrong answer to one exercise, and what the checker must say about it.
public struct WrongAnswer: Sendable {
    public let exercise: String
    /// What the learner got wrong, in a few words.
    public let name: String
    /// The hint the checker must give (nil: the verdict alone is what matters).
    public let hint: String?
    /// The verdict the checker must reach: `fails`, or `crashed` / `timedOut` for answers that
    /// stop the program or never return (those are run in a separate process).
    public let status: Verdict.Status
    /// Runs the exercise's check on this answer.
    public let judge: @Sendable () -> Verdict

    init(_ exercise: String, _ name: String, hint: String?, status: Verdict.Status = .fails,
         _ judge: @escaping @Sendable () -> Verdict) {
        (self.exercise, self.name, self.hint, self.status, self.judge) = (exercise, name, hint, status, judge)
    }
}

/// Every wrong answer, exercise by exercise.
public let wrongAnswers: [WrongAnswer] =
    chapter01WrongAnswers + chapter03WrongAnswers + chapter05WrongAnswers + chapter06WrongAnswers + chapter07WrongAnswers
    + chapter08WrongAnswers + appendixWrongAnswers

/// The wrong answer with this exercise and name.
public func wrongAnswer(_ exercise: String, _ name: String) throws -> WrongAnswer {
    guard let found = wrongAnswers.first(where: { $0.exercise == exercise && $0.name == name }) else {
        let names = wrongAnswers.filter { $0.exercise == exercise }.map(\.name)
        throw CheckerError("\(exercise) has no wrong answer \"\(name)\"; it has: " + names.joined(separator: ", "))
    }
    return found
}
