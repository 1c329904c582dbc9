import SMB3Errors
import SMB3Gzip
import SMB3System
import UpcallKit

/// `--check-setup` and `--set-handler` on this host, through SMB3System (and SMB3Gzip).
struct LiveSetupSystem: SetupSystem {
    /// Per KDC name: long enough for a working resolver, short enough not to hang on a dead one.
    static let resolveTimeoutSeconds = 3

    func fileKind(_ path: String) -> SetupFileKind {
        do throws(SystemError) {
            switch try FileStatus.of(path)?.kind {
            case nil: return .absent
            case .regular?: return .regular
            case .directory?: return .directory
            case .socket?: return .socket
            case .symbolicLink?, .other?: return .other
            }
        } catch {
            return .unknown(Self.reason(error))
        }
    }

    func isExecutable(_ path: String) -> Bool { ProgramImage.isExecutable(path) }

    func readText(_ path: String) -> SetupRead {
        do throws(SystemError) {
            return .text(String(decoding: try ConfigurationFile.read(path), as: UTF8.self))
        } catch {
            return Self.meansAbsent(error) ? .absent : .unreadable(Self.reason(error))
        }
    }

    func readGzipText(_ path: String) -> SetupRead {
        let bytes: [UInt8]
        do throws(SystemError) {
            bytes = try KernelFile.read(path)
        } catch {
            return Self.meansAbsent(error) ? .absent : .unreadable(Self.reason(error))
        }
        do throws(Gzip.Failure) {
            return .text(String(decoding: try Gzip.decompress(bytes), as: UTF8.self))
        } catch {
            return .unreadable(error.description)
        }
    }

    func directoryEntries(_ path: String) -> [String]? { try? ConfigurationFile.entries(ofDirectory: path) }

    func kernelRelease() -> String { KernelRelease.current() }

    func resolve(_ host: String) -> SetupResolution {
        switch HostResolver.addresses(ofHost: host, timeoutSeconds: Self.resolveTimeoutSeconds) {
        case .success(let addresses): .addresses(addresses)
        case .failure(let failure): .failed(failure.description)
        }
    }

    func replaceFile(_ path: String, text: String) throws(SetupFileError) {
        do throws(SystemError) {
            try ConfigurationFile.replace(path, with: text)
        } catch {
            throw SetupFileError(error.description)
        }
    }

    /// A missing file, or a missing directory on its path.
    private static func meansAbsent(_ error: SystemError) -> Bool {
        error.errno == .noSuchFileOrDirectory || error.errno == .notDirectory
    }

    /// "Permission denied (EACCES)": the context is already in the check's own message.
    private static func reason(_ error: SystemError) -> String { error.errno.description }
}
