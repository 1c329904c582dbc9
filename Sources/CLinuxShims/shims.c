// Empty: the shims are static inline functions in include/CLinuxShims.h.
