import Glibc
import SMB3Errors
import SMB3Gzip
import Testing

@testable import SMB3System

@Suite("configuration files, gzip, name resolution")
struct ConfigurationFileTests {
    @Test func replaceKeepsModeAndRefusesSymlinks() throws {
        let directory = TemporaryDirectory()
        let path = directory.path + "/a.conf"
        try ConfigurationFile.replace(path, with: "new\n")
        #expect(try FileStatus.of(path)?.mode == 0o644)
        #expect(String(decoding: try ConfigurationFile.read(path), as: UTF8.self) == "new\n")
        chmod(path, 0o640)
        try ConfigurationFile.replace(path, with: "second")
        #expect(try FileStatus.of(path)?.mode == 0o640)
        #expect(String(decoding: try ConfigurationFile.read(path), as: UTF8.self) == "second")
        // No temporary file is left behind.
        #expect(try ConfigurationFile.entries(ofDirectory: directory.path) == ["a.conf"])

        #expect(directory.shell("echo target > target && ln -s target link.conf"))
        #expect(throws: SystemError.self) { try ConfigurationFile.replace(directory.path + "/link.conf", with: "x") }
        #expect(String(decoding: try ConfigurationFile.read(directory.path + "/target"), as: UTF8.self) == "target\n")
        #expect(try FileStatus.of(directory.path + "/link.conf", followSymlinks: false)?.kind == .symbolicLink)
        #expect(try FileStatus.of(directory.path + "/absent") == nil)
    }

    @Test func gunzip() throws {
        let directory = TemporaryDirectory()
        #expect(directory.shell("printf 'CONFIG_CIFS=m\\nCONFIG_CIFS_UPCALL=y\\n' | gzip -c > config.gz"))
        let compressed = try ConfigurationFile.read(directory.path + "/config.gz")
        #expect(
            String(decoding: try Gzip.decompress(compressed), as: UTF8.self) == "CONFIG_CIFS=m\nCONFIG_CIFS_UPCALL=y\n")
        #expect(throws: Gzip.Failure.self) { try Gzip.decompress(Array(compressed.prefix(compressed.count - 6))) }
        #expect(throws: Gzip.Failure.self) { try Gzip.decompress(Array("not gzip".utf8)) }
        #expect(throws: Gzip.Failure.self) { try Gzip.decompress(compressed, limit: 10) }
    }

    @Test func resolvesWithATimeout() throws {
        #expect(try HostResolver.addresses(ofHost: "127.0.0.1", timeoutSeconds: 2).get() == ["127.0.0.1"])
        #expect(throws: HostResolver.ResolveFailure.self) {
            try HostResolver.addresses(ofHost: "no-such-host.invalid", timeoutSeconds: 2).get()
        }
    }
}
