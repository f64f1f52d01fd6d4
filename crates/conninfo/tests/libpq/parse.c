/* libpq's own parser, for the differential test (conninfo_libpq.rs).
 * Reads connection strings from stdin, each ended by a NUL byte, and for
 * each prints either
 *   OK
 *   <keyword> <value as hex>      (one line per option libpq set)
 *   END
 * or
 *   ERR <libpq's message, on one line>
 *   END
 * The first line of output is "VERSION <PQlibVersion()>". */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    printf("VERSION %d\n", PQlibVersion());
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    int c;
    while ((c = getchar()) != EOF) {
        if (len + 1 >= cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        if (c != 0) {
            buf[len++] = (char)c;
            continue;
        }
        buf[len] = 0;
        len = 0;
        char *err = NULL;
        PQconninfoOption *opts = PQconninfoParse(buf, &err);
        if (!opts) {
            printf("ERR ");
            for (char *p = err ? err : "out of memory"; *p; p++) putchar(*p == '\n' ? ' ' : *p);
            printf("\nEND\n");
            PQfreemem(err);
            continue;
        }
        printf("OK\n");
        for (PQconninfoOption *o = opts; o->keyword; o++) {
            if (!o->val) continue;
            printf("%s ", o->keyword);
            for (unsigned char *v = (unsigned char *)o->val; *v; v++) printf("%02x", *v);
            printf("\n");
        }
        printf("END\n");
        PQconninfoFree(opts);
    }
    fflush(stdout);
    return 0;
}
