import Glibc

/// A fresh directory under /tmp (mkdtemp, mode 0700), removed with everything in it at deinit.
final class TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/smb3kit-test-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> String? in
            guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return nil }
            return String(cString: base)
        }
        path = made ?? "/tmp/smb3kit-test-\(getpid())-unavailable"
    }

    deinit { _ = system("rm -rf '\(path)'") }

    /// Runs a shell command in the directory; true when it exits 0.
    @discardableResult
    func shell(_ command: String) -> Bool { system("cd '\(path)' && \(command)") == 0 }
}
