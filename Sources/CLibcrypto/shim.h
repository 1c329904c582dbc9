// OpenSSL's libcrypto, for the one primitive swift-crypto has no API for: AES-CCM (SMB 3.0's
// cipher, and one of 3.1.1's).
#include <openssl/evp.h>
