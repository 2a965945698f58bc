import Backprop
@testable import ExerciseChecker
import Exercises
import Foundation
import XCTest

/// The checker is code like any other: its verdicts are tested. The solutions must pass, every
/// known mistake (written as a wrong answer in WrongAnswers/) must fail with its hint, and a crash
/// or a loop must come back as a verdict, not take the checker down.
final class CheckerTests: XCTestCase {
    /// The built `exercises` program (beside the test bundle).
    static let program: URL = {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = runner.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("exercises").path),
              folder.path != "/" { folder = folder.deletingLastPathComponent() }
        return folder.appendingPathComponent("exercises")
    }()

    func testTheSolutionsPass() throws {
        guard (try? solutionsIncluded()) == true else {
            throw XCTSkip("the student edition: its exercises are not written yet")
        }
        XCTAssertGreaterThanOrEqual(exercises.count, 15)
        for exercise in exercises {
            let verdict = exercise.check()
            XCTAssertEqual(verdict.status, .passes, "\(exercise.id): \(verdict.message)")
        }
    }

    func testEveryKnownMistakeIsCaughtWithItsHint() {
        let inProcess = wrongAnswers.filter { $0.status == .fails }
        XCTAssertGreaterThanOrEqual(inProcess.count, 50)
        for answer in inProcess {
            let verdict = answer.judge()
            XCTAssertEqual(verdict.status, .fails, "\(answer.exercise) / \(answer.name): \(verdict.message)")
            XCTAssertEqual(verdict.hint?.id, answer.hint, "\(answer.exercise) / \(answer.name): \(verdict.message)")
            // A verdict names the element, the expected and the received value.
            XCTAssertTrue(verdict.message.contains("expected") && verdict.message.contains("received"), verdict.message)
        }
    }

    func testEveryExerciseHasWrongAnswersAndAFileAndAChapterThatPointsAtIt() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let texts = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("chapters").path)
            .filter { $0.hasSuffix(".md") }
            .map { try String(contentsOf: root.appendingPathComponent("chapters/" + $0), encoding: .utf8) }
            .joined()
        XCTAssertEqual(Set(exercises.map(\.id)).count, exercises.count, "two exercises share an id")
        for exercise in exercises {
            XCTAssertTrue(wrongAnswers.contains { $0.exercise == exercise.id }, "\(exercise.id) has no wrong answer")
            XCTAssertTrue(FileManager.default.fileExists(
                atPath: root.appendingPathComponent("Sources/Exercises/" + exercise.file).path), exercise.file)
            XCTAssertTrue(texts.contains("`exercises check \(exercise.id)`"), "no chapter text points at \(exercise.id)")
        }
        for answer in wrongAnswers { XCTAssertNoThrow(try ExerciseChecker.exercise(answer.exercise)) }
    }

    func testAnAnswerNotWrittenYetOrThrowingIsReportedAsSuch() {
        XCTAssertEqual(SigmoidBackwardCheck.check { _, _ in throw NotWrittenYet() }.status, .notWrittenYet)
        struct Oops: Error {}
        let thrown = SigmoidBackwardCheck.check { _, _ in throw Oops() }
        XCTAssertEqual(thrown.status, .fails)
        XCTAssertTrue(thrown.message.contains("threw"), thrown.message)
        // The wrong number of values is named with the shape it should have.
        let short = LinearBackwardCheck.check { _, _, _, _, _, _ in ([0], [0], [0]) }
        XCTAssertEqual(short.status, .fails)
        XCTAssertTrue(short.message.contains("should be [3, 4]"), short.message)
    }

    func testACrashAndALoopAreVerdictsNotTheCheckersEnd() throws {
        let supervisor = Supervisor(program: Self.program, timeLimit: 3)
        let linear = try ExerciseChecker.exercise("linear-backward")
        let crashed = try supervisor.verdict(for: linear, wrong: "a loop one past the end")
        XCTAssertEqual(crashed.status, .crashed, crashed.message)
        XCTAssertTrue(crashed.message.contains("Chapter01WrongAnswers.swift:"), "names the line: \(crashed.message)")
        let start = Date()
        let looped = try supervisor.verdict(for: linear, wrong: "a loop that never ends")
        XCTAssertEqual(looped.status, .timedOut, looped.message)
        XCTAssertLessThan(Date().timeIntervalSince(start), 20)
        // And the checker goes on: the next verdict is an ordinary one.
        XCTAssertEqual(try supervisor.verdict(for: linear, wrong: "every gradient negated").hint?.id, "sign")
    }

    func testTheStudentEditionRemovesEverySolutionAndKeepsTheRest() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        for exercise in exercises {
            let text = try String(contentsOf: root.appendingPathComponent("Sources/Exercises/" + exercise.file),
                                  encoding: .utf8)
            let stripped = try StudentEdition.strip(text, name: exercise.file)
            guard (try? solutionsIncluded()) == true else { continue }
            XCTAssertEqual(stripped.regions, 1, exercise.file)
            XCTAssertFalse(stripped.text.contains("SOLUTION"), exercise.file)
            XCTAssertTrue(stripped.text.contains("throw NotWrittenYet()"), exercise.file)
            // The signature and its comment stay.
            let signature = text.split(separator: "\n").first { $0.hasPrefix("public func") }!
            XCTAssertTrue(stripped.text.contains(signature), exercise.file)
        }
        XCTAssertThrowsError(try StudentEdition.strip("a\n// BEGIN SOLUTION\nb\n", name: "open"))
        XCTAssertThrowsError(try StudentEdition.strip("a\n// END SOLUTION\n", name: "close"))
        XCTAssertThrowsError(try StudentEdition.strip("// BEGIN SOLUTION\n// BEGIN SOLUTION\n", name: "nested"))
    }
}
