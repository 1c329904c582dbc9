#include <krb5/krb5.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>

/* GSS_ERROR is a function-like macro, which Swift does not import. */
static inline int smb3_gss_error(OM_uint32 major) { return GSS_ERROR(major) != 0; }
