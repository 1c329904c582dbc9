#if canImport(Glibc)
import Glibc
#endif

/// Writing whole files atomically, for node-exporter's textfile collector (it must never see half a file).
public enum AtomicTextFile {
    /// Writes `text` to `path.tmp` in the same directory, then rename(2)s it over `path`.
    public static func write(_ text: String, to path: String) throws(SystemError) {
        let temporary = path + ".tmp"
        let descriptor = try valueOrThrow("open", "writing \(temporary)") {
            open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        }
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written: Int
            do {
                written = try valueOrThrow("write", "writing \(temporary)") {
                    bytes.withUnsafeMutableBytes { raw in Glibc.write(descriptor, raw.baseAddress.map { $0 + offset }, raw.count - offset) }
                }
            } catch {
                close(descriptor)
                throw error
            }
            offset += written
        }
        close(descriptor)
        _ = try valueOrThrow("rename", "replacing \(path)") { rename(temporary, path) }
    }
}
