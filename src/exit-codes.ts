// Exit codes that no command's verdict uses (doctor 0/1, compare 0/1/2, features 0/1, export 0/2),
// so a script can tell "the answer is no" from "the question was wrong". The numbers are
// sysexits.h's.

/** A wrong flag, argument or value (EX_USAGE). */
export const EX_USAGE = 64;
/** An input that cannot be read or is not what it should be: a snapshot, a tree to scan (EX_NOINPUT). */
export const EX_NOINPUT = 66;
/** mdevscope itself failed: an error it did not expect (EX_SOFTWARE). */
export const EX_SOFTWARE = 70;
