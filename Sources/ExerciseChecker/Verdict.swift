import Exercises

/// What the checker says about one exercise.
public struct Verdict: Codable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable {
        case passes
        case fails
        case notWrittenYet = "not written yet"
        case crashed
        case timedOut = "did not finish"
    }
    public var status: Status
    /// What was checked (when it passes) or the first thing found wrong: which value, the expected
    /// and the received number, how far apart.
    public var message: String
    /// When the wrong numbers are those of a known mistake: the idea it misses (never the answer).
    public var hint: Hint?

    public init(_ status: Status, _ message: String, hint: Hint? = nil) {
        (self.status, self.message, self.hint) = (status, message, hint)
    }
}

/// A known mistake: a short name (for tests and grading summaries) and what to think about.
public struct Hint: Codable, Equatable, Sendable {
    public let id: String
    public let text: String
    public init(_ id: String, _ text: String) { (self.id, self.text) = (id, text) }
}

/// The first thing a check found wrong, thrown to end the check.
struct Failure: Error {
    let message: String
    let hint: Hint?
    init(_ message: String, hint: Hint? = nil) { (self.message, self.hint) = (message, hint) }
}

/// Runs a check's body: "passes" with its summary if it returns, "fails" if it throws a `Failure`,
/// "not written yet" if the learner's function throws `NotWrittenYet`.
func judge(_ body: () throws -> String) -> Verdict {
    do {
        return Verdict(.passes, try body())
    } catch let failure as Failure {
        return Verdict(.fails, failure.message, hint: failure.hint)
    } catch is NotWrittenYet {
        return Verdict(.notWrittenYet, "the function still throws NotWrittenYet: write its body")
    } catch {
        return Verdict(.fails, "your function threw an error: \(error)")
    }
}
