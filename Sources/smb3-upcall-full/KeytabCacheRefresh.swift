import ArgumentParser
import SMB3Errors
import SMB3Kerberos
import SMB3System
import UpcallKit
import UpcallRelay

/// `--refresh-keytab-cache USER`: renews root's keytab TGT before it expires, so no upcall
/// (one per channel, per reconnect) has to wait for an AS exchange.
struct KeytabCacheRefresh {
    let user: String
    let options: UpcallOptions

    func run() throws {
        guard Identity.realUID == 0 else {
            throw ValidationError("--refresh-keytab-cache must run as root (the cache is root's)")
        }
        guard let directory = options.keytabCacheDirectory else {
            throw ValidationError("--refresh-keytab-cache needs --keytab-cache-dir to name a directory")
        }
        if let config = options.krb5Config { Environment.set("KRB5_CONFIG", config) }
        do {
            try PrivateDirectory.prepare(directory)
        } catch {
            throw RefreshFailure(description: error.description)
        }
        let name = UpcallOptions.keytabCacheName(directory: directory, user: user)
        do {
            let session = try KerberosSession(keytab: options.keytab, user: user, ccacheName: name)
            print(
                "\(try session.clientPrincipal()): TGT from \(options.keytab ?? "the default keytab") stored in \(session.ccacheName)"
            )
        } catch {
            throw RefreshFailure(
                description: "no TGT for \(user) from \(options.keytab ?? "the default keytab"): \(error)")
        }
    }

    struct RefreshFailure: Error, CustomStringConvertible {
        let description: String
    }
}
