/* A stand-in for bcryptprimitives.dll, which Debian 12's Wine 8 lacks:
 * Rust's std on Windows imports ProcessPrng from it for random bytes.
 * Wine has RtlGenRandom (advapi32's SystemFunction036); this forwards to it.
 * Only for running the Windows CLI under Wine in tests, never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG) length;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
