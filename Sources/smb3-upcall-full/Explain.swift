import ArgumentParser
import SMB3Kerberos
import SMB3Protocol
import SMB3System
import UpcallKit
import UpcallRelay

/// `--explain`: what an upcall would do for a description, in this environment, without a key.
struct Explain {
    let description: String
    let options: UpcallOptions
    let json: Bool

    func run() throws {
        // Accept both the bare description and keyctl's "cifs.spnego;0;0;perm;…" form.
        let text =
            description.hasPrefix(DescribedKey.spnegoKeyType + ";")
            ? ((try? DescribedKey(parsing: description))?.description ?? description) : description
        let key: KeyDescription
        let plan: UpcallPlan
        do {
            key = try KeyDescription(parsing: text)
            plan = try UpcallPlan(description: key, options: options)
        } catch let error as KeyDescriptionError {
            throw ValidationError("key description rejected: \(error.reason)")
        } catch let error as UpcallFailure {
            throw ValidationError(error.message)
        }
        let report = try makeReport(key: key, plan: plan)
        print(json ? report.encodedJSON.rendered() : report.text)
    }

    private func makeReport(key: KeyDescription, plan: UpcallPlan) throws -> UpcallExplanation {
        let gid = Identity.primaryGroup(ofUser: plan.uid)
        var differing: [String]?
        var probe = plan.probeCallerEnvironment ? "pid \(plan.pid) not found" : "off"
        var environmentCCache: String?
        if plan.joinCallerNamespaces, let handle = try? ProcessHandle(task: Int32(bitPattern: plan.pid)) {
            differing = (try? handle.openNamespacesDifferingFromOurs())?.kinds.map(\.name)
            if plan.probeCallerEnvironment {
                environmentCCache = (try? handle.read("environ")).flatMap {
                    ProcessEnvironment.value(of: "KRB5CCNAME", in: $0)
                }
                probe =
                    environmentCCache.map { "KRB5CCNAME=\($0) from pid \(plan.pid)" }
                    ?? "no KRB5CCNAME in pid \(plan.pid)"
            }
        }
        if let config = options.krb5Config { Environment.set("KRB5_CONFIG", config) }
        if let environmentCCache { Environment.set("KRB5CCNAME", environmentCCache) }
        // The default cache name expands %{uid}: look at it as the user.
        let cache = try Identity.withUserIDs(uid: plan.uid, gid: gid ?? UpcallPlan.nogroup) {
            LiveUpcallSystem().credentialCache(named: environmentCCache, services: plan.servicePrincipals)
        }
        let verdict: String
        if cache.hasUsableTicket {
            verdict = "would use the ticket in \(cache.name)"
        } else if let user = plan.keytabUser {
            verdict = "no usable ticket; would try keytab \(options.keytab ?? "(default)") for \(user)"
        } else {
            verdict = "would fail: no Kerberos ticket for uid \(plan.uid) in \(cache.name); run kinit as that user"
        }
        return UpcallExplanation(
            host: key.host, address: key.address.description, mechanism: key.mechanism.rawValue, uid: plan.uid,
            gid: gid,
            upcallTarget: key.effectiveUpcallTarget.rawValue, upcallTargetSent: key.upcallTarget != nil,
            namespaces: plan.joinCallerNamespaces
                ? "join the namespaces of pid \(plan.pid)" : "stay in the mount's namespaces",
            callerNamespacesDiffering: differing, environmentProbe: probe, ccache: cache.name,
            ccachePrincipal: cache.principal, ticketPresent: cache.hasUsableTicket,
            servicePrincipals: plan.servicePrincipals.map(\.description)
                + (plan.shortHostToQualify.map { ["cifs/\($0).<DNS domain> (if the short name resolves)"] } ?? []),
            keytab: plan.keytabUser == nil ? nil : (options.keytab ?? "(default keytab)"), keytabUser: plan.keytabUser,
            verdict: verdict, unknownFields: key.extraFields.map { "\($0.name)=\($0.value)" })
    }
}
