import Backprop
@testable import ExerciseChecker
import Exercises
import Foundation
import Testing

/// The checker is code like any other: its verdicts are tested. The solutions must pass, every
/// known mistake (written as a wrong answer in WrongAnswers/) must fail with its hint, and a crash
/// or a loop must come back as a verdict, not take the checker down.
@Suite("The exercises' checker")
struct CheckerTests {
    /// The built `exercises` program (beside the test bundle).
    static let program: URL = {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = runner.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("exercises").path),
              folder.path != "/" { folder = folder.deletingLastPathComponent() }
        return folder.appendingPathComponent("exercises")
    }()

    static var teachersEdition: Bool { (try? solutionsIncluded()) == true }

    @Test(.enabled(if: teachersEdition, "the student edition: its exercises are not written yet"))
    func theSolutionsPass() throws {
        #expect(exercises.count >= 15)
        for exercise in exercises {
            let verdict = exercise.check()
            #expect(verdict.status == .passes, "\(exercise.id): \(verdict.message)")
        }
    }

    @Test func everyKnownMistakeIsCaughtWithItsHint() {
        let inProcess = wrongAnswers.filter { $0.status == .fails }
        #expect(inProcess.count >= 50)
        for answer in inProcess {
            let verdict = answer.judge()
            #expect(verdict.status == .fails, "\(answer.exercise) / \(answer.name): \(verdict.message)")
            #expect(verdict.hint?.id == answer.hint, "\(answer.exercise) / \(answer.name): \(verdict.message)")
            // A verdict names the element, the expected and the received value.
            #expect(verdict.message.contains("expected") && verdict.message.contains("received"), "\(verdict.message)")
        }
    }

    @Test func everyExerciseHasWrongAnswersAFileAndAChapterThatPointsAtIt() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let texts = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("chapters").path)
            .filter { $0.hasSuffix(".md") }
            .map { try String(contentsOf: root.appendingPathComponent("chapters/" + $0), encoding: .utf8) }
            .joined()
        #expect(Set(exercises.map(\.id)).count == exercises.count, "two exercises share an id")
        for exercise in exercises {
            #expect(wrongAnswers.contains { $0.exercise == exercise.id }, "\(exercise.id) has no wrong answer")
            #expect(FileManager.default.fileExists(
                atPath: root.appendingPathComponent("Sources/Exercises/" + exercise.file).path), "\(exercise.file)")
            let pointedAt = texts.contains("exercises check \(exercise.id)`")
            #expect(pointedAt, "no chapter text points at \(exercise.id)")
        }
        for answer in wrongAnswers { #expect(throws: Never.self) { try ExerciseChecker.exercise(answer.exercise) } }
    }

    @Test func anAnswerNotWrittenYetOrThrowingIsReportedAsSuch() {
        #expect(SigmoidBackwardCheck.check { _, _ in throw NotWrittenYet() }.status == .notWrittenYet)
        struct Oops: Error {}
        let thrown = SigmoidBackwardCheck.check { _, _ in throw Oops() }
        #expect(thrown.status == .fails)
        #expect(thrown.message.contains("threw"), "\(thrown.message)")
        // The wrong number of values is named with the shape it should have.
        let short = LinearBackwardCheck.check { _, _, _, _, _, _ in ([0], [0], [0]) }
        #expect(short.status == .fails)
        #expect(short.message.contains("should be [3, 4]"), "\(short.message)")
    }

    @Test func aCrashAndALoopAreVerdictsNotTheCheckersEnd() throws {
        let supervisor = Supervisor(program: Self.program, timeLimit: 3)
        let linear = try ExerciseChecker.exercise("linear-backward")
        let crashed = try supervisor.verdict(for: linear, wrong: "a loop one past the end")
        #expect(crashed.status == .crashed, "\(crashed.message)")
        #expect(crashed.message.contains("Chapter01WrongAnswers.swift:"), "names the line: \(crashed.message)")
        let start = Date()
        let looped = try supervisor.verdict(for: linear, wrong: "a loop that never ends")
        #expect(looped.status == .timedOut, "\(looped.message)")
        #expect(Date().timeIntervalSince(start) < 20)
        // And the checker goes on: the next verdict is an ordinary one.
        #expect(try supervisor.verdict(for: linear, wrong: "every gradient negated").hint?.id == "sign")
    }

    @Test func theStudentEditionRemovesEverySolutionAndKeepsTheRest() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        for exercise in exercises {
            let text = try String(contentsOf: root.appendingPathComponent("Sources/Exercises/" + exercise.file),
                                  encoding: .utf8)
            let stripped = try StudentEdition.strip(text, name: exercise.file)
            guard (try? solutionsIncluded()) == true else { continue }
            #expect(stripped.regions == 1, "\(exercise.file)")
            #expect(!stripped.text.contains("SOLUTION"), "\(exercise.file)")
            // A "find the bug" exercise starts from lines of its own (written `//> ` in this copy).
            let startsFromLines = text.contains(StudentEdition.startingMark)
            #expect(stripped.text.contains("throw NotWrittenYet()") != startsFromLines, "\(exercise.file)")
            #expect(!stripped.text.contains("//>"), "\(exercise.file)")
            // The signature and its comment stay.
            let signature = text.split(separator: "\n").first { $0.hasPrefix("public func") }!
            #expect(stripped.text.contains(signature), "\(exercise.file)")
        }
        #expect(throws: CheckerError.self) { try StudentEdition.strip("a\n// BEGIN SOLUTION\nb\n", name: "open") }
        #expect(throws: CheckerError.self) { try StudentEdition.strip("a\n// END SOLUTION\n", name: "close") }
        #expect(throws: CheckerError.self) { try StudentEdition.strip("// BEGIN SOLUTION\n// BEGIN SOLUTION\n", name: "nested") }
    }
}
