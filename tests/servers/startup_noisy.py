"""A stdio "server" that fails as a package runner behind a TLS-intercepting proxy does.

It prints progress, the error (with an indented cause), a hint and more noise to stderr, then
exits with code 2: the last line alone does not say what failed.
"""

import sys

if __name__ == "__main__":
    for i in range(5):
        print(f"   Resolving dependency {i}", file=sys.stderr)
    print("error: Request failed after 3 retries", file=sys.stderr)
    print("  Caused by: invalid peer certificate: UnknownIssuer", file=sys.stderr)
    for i in range(20):
        print(f"   Cleaning up {i}", file=sys.stderr)
    print("hint: Consider enabling use of system TLS certificates with `--native-tls`", file=sys.stderr)
    sys.exit(2)
