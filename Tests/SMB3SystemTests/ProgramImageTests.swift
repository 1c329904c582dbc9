import SMB3Errors
import Testing

@testable import SMB3System

struct ProgramImageTests {
    @Test func onlyExecutableCandidatesAreTriedAndEachFailureIsReturned() {
        let directory = TemporaryDirectory()
        // Executable but not a program: execv fails with ENOEXEC and the next candidate is tried.
        #expect(directory.shell("printf '\\0\\1\\2\\3' > bad1 && cp bad1 bad2 && chmod 755 bad1 bad2"))
        #expect(directory.shell("touch plain && chmod 644 plain && mkdir dir"))
        var tried: [String] = []
        let failures = ProgramImage.replaceWithFirstExecutable(
            of: [
                "/nonexistent/x", "\(directory.path)/plain", "\(directory.path)/dir", "\(directory.path)/bad1",
                "\(directory.path)/bad2",
            ]
        ) { path in
            tried.append(path)
            return [path, "--flag"]
        }
        #expect(tried == ["\(directory.path)/bad1", "\(directory.path)/bad2"])
        #expect(failures.map(\.errno) == [.execFormatError, .execFormatError])
        #expect(failures.first?.function == "execv")
    }

    @Test func noExecutableCandidateGivesNoFailure() {
        #expect(ProgramImage.replaceWithFirstExecutable(of: ["/nonexistent/x"]) { [$0] }.isEmpty)
    }
}
