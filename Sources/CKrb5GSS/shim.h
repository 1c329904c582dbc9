#include <krb5/krb5.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

/* GSS_ERROR is a function-like macro, which Swift does not import. */
static inline int smb3_gss_error(OM_uint32 major) { return GSS_ERROR(major) != 0; }

/* The OIDs are mutable globals in C; hand them to Swift through functions. */
static inline gss_OID smb3_gss_mech_krb5(void) { return (gss_OID)gss_mech_krb5; }
static inline gss_OID smb3_gss_nt_hostbased_service(void) { return GSS_C_NT_HOSTBASED_SERVICE; }
static inline gss_OID smb3_gss_inq_sspi_session_key(void) { return GSS_C_INQ_SSPI_SESSION_KEY; }
static inline gss_OID smb3_gss_krb5_nt_principal_name(void) { return (gss_OID)GSS_KRB5_NT_PRINCIPAL_NAME; }
static inline gss_OID smb3_gss_krb5_cred_no_ci_flags(void) { return (gss_OID)GSS_KRB5_CRED_NO_CI_FLAGS_X; }
